/**
 * `accessgate review`: the approver's side. `list` is the inbox (what waits for the caller's decision),
 * `approve` and `deny` decide. Force-approval (break-glass) needs --force and a reason, as the API does;
 * a denial always carries a reason here, because the requester deserves one.
 */
import { stepProgressText } from '../../functions/domain/approval-steps';
import { previewLine } from '../../functions/domain/preview-line';
import { reasonLinkOf } from '../../functions/domain/reason-format';
import { HIDDEN_TEXT_WARNING, hasHiddenText, revealHidden } from '../../functions/domain/hidden-text';
import { parse } from '../lib/args';
import { clientFor } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT, usageError } from '../lib/errors';
import { formatOption, printListing, relativeTime } from '../lib/output';

export const help = `Usage: accessgate review list [--format table|json|csv]
       accessgate review approve <id> [--reason TEXT]
       accessgate review approve <id> --force --reason TEXT      (break-glass: force-approval groups)
       accessgate review deny <id> --reason TEXT
       accessgate review follow-ups [--format table|json|csv]
       accessgate review follow-up <id> --outcome acknowledged|flagged [--note TEXT]

list     commands waiting for your decision: requester, resource, command, reason, approvals so far,
         when the request expires, whether you may force-approve, and the preview: what each statement
         is and the rows it changed in the dry run, with the row ceiling the approval carries
         (e.g. "write · orders · 10 rows (ceiling 11)", as on the Slack card)
approve  counts your approval; the command runs once it has the approvals its rule requires
         (you cannot approve your own command, except with --force where the rule allows it)
deny     ends the review at once; the requester sees your reason
follow-ups  break-glass (forced) approvals under rules you approve for whose follow-up is still
         open, earliest due first, overdue ones marked
follow-up   closes one: acknowledged (the forced approval was right) or flagged, with a note; only
         an approver other than the person who forced it may`;

const OPTIONS = { reason: { type: 'string' }, force: { type: 'boolean' }, format: { type: 'string' }, outcome: { type: 'string' }, note: { type: 'string' } } as const;
const OUTCOMES = ['acknowledged', 'flagged'] as const;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const [action, id, extra] = positionals;
  const format = formatOption(values.format);
  if (!action) throw usageError('Say what to do: review list, review approve <id> or review deny <id> --reason TEXT.');
  if (extra !== undefined) throw usageError(`Unexpected argument "${extra}".`);
  const client = clientFor(values.api, io.env);

  if (action === 'list') {
    if (id !== undefined) throw usageError('review list takes no id.');
    const reviews = await client.reviews();
    if (format === 'table' && reviews.some(({ session }) => hasHiddenText(session.command) || hasHiddenText(session.reason))) io.stdout.write(`${HIDDEN_TEXT_WARNING}\n`);
    printListing(io, format, reviews, {
      columns: [{ name: 'id' }, { name: 'requester' }, { name: 'resource' }, { name: 'approvals' }, { name: 'expires' }, { name: 'you' }, { name: 'reason' }, { name: 'preview' }, { name: 'command' }],
      row: ({ session, canApprove, canForce, approvedByYou }) => [
        session.id,
        session.requester.email,
        session.resource.id,
        session.rule?.approvalSteps ? stepProgressText(session) : `${session.approvals.length}/${session.approvalsRequired}`,
        format === 'table' ? relativeTime(session.expiresAt) : session.expiresAt,
        approvedByYou ? 'approved' : [canApprove && 'approve', canForce && 'force'].filter(Boolean).join(', '),
        [revealHidden(session.reason ?? '').text, reasonLinkOf(session)].filter(Boolean).join(' '),
        session.preview ? previewLine(session.preview) : '',
        `${revealHidden(session.command).text.replace(/\s+/g, ' ')}${session.parameters?.length ? `  [${session.parameters.map((p) => `${p.name}=${JSON.stringify(Object.values(p.value)[0])}`).join(', ')}]` : ''}`,
      ],
      none: 'Nothing waits for your review.',
    });
    return EXIT.done;
  }

  if (action === 'follow-ups') return listFollowUps(client, id, format, io);
  if (action === 'follow-up') return closeFollowUp(client, id, values, format, io);
  if (action !== 'approve' && action !== 'deny') throw usageError(`Unknown review action "${action}".`, 'Use list, approve <id>, deny <id> --reason TEXT, follow-ups or follow-up <id> --outcome acknowledged|flagged.');
  if (!id) throw usageError(`Name the session to ${action}: accessgate review ${action} <id>`, 'accessgate review list shows what waits for you.');
  if (action === 'deny' && !values.reason?.trim()) throw usageError('A denial needs --reason.', 'Tell the requester why, e.g. --reason "deletes every order".');
  if (values.force && action === 'deny') throw usageError('--force applies only to approve.');
  if (values.force && !values.reason?.trim()) throw usageError('A forced approval needs --reason.', 'Say why this cannot wait for a regular review, e.g. --reason "INC-42 outage".');

  const { session } = await client.review(id, { decision: action, ...(values.reason ? { reason: values.reason } : {}), ...(values.force ? { force: true } : {}) });
  if (format === 'json') io.stdout.write(`${JSON.stringify({ session }, null, 2)}\n`);
  const state =
    session.status === 'pending_review'
      ? `${session.rule?.approvalSteps ? stepProgressText(session) : `${session.approvals.length} of ${session.approvalsRequired} approvals`}; it waits for more`
      : session.status === 'denied'
        ? 'denied; nothing runs'
        : `${session.status}${session.forced ? ' (forced)' : ''}; the command runs now`;
  io.stderr.write(`${action === 'approve' ? (values.force ? 'Force-approved' : 'Approved') : 'Denied'} session ${session.id}: ${state}.\n`);
  return EXIT.done;
}

type Client = ReturnType<typeof clientFor>;

async function listFollowUps(client: Client, id: string | undefined, format: ReturnType<typeof formatOption>, io: Io): Promise<number> {
  if (id !== undefined) throw usageError('review follow-ups takes no id.');
  const followUps = await client.followUps();
  printListing(io, format, followUps, {
    columns: [{ name: 'id' }, { name: 'due' }, { name: 'forced by' }, { name: 'requester' }, { name: 'resource' }, { name: 'status' }, { name: 'command' }],
    row: ({ session, overdue }) => {
      const forcer = [...session.approvals].reverse().find((approval) => approval.forced);
      const due = session.followUp?.dueAt ?? '';
      return [
        session.id,
        `${format === 'table' ? relativeTime(due) : due}${overdue ? ' OVERDUE' : ''}`,
        forcer ? `${forcer.email}: ${revealHidden(forcer.reason ?? '').text}` : '',
        session.requester.email,
        session.resource.id,
        session.status,
        revealHidden(session.command).text.replace(/\s+/g, ' '),
      ];
    },
    none: 'No break-glass follow-up waits for you.',
  });
  return EXIT.done;
}

async function closeFollowUp(client: Client, id: string | undefined, values: { outcome?: string; note?: string }, format: ReturnType<typeof formatOption>, io: Io): Promise<number> {
  if (!id) throw usageError('Name the forced session: accessgate review follow-up <id> --outcome acknowledged|flagged --note TEXT', 'accessgate review follow-ups lists the open ones.');
  const outcome = OUTCOMES.find((known) => known === values.outcome);
  if (!outcome) throw usageError('--outcome must be acknowledged or flagged.', 'acknowledged: the forced approval was right; flagged: it needs a closer look.');
  const { session } = await client.followUp(id, { outcome, ...(values.note?.trim() ? { note: values.note } : {}) });
  if (format === 'json') io.stdout.write(`${JSON.stringify({ session }, null, 2)}\n`);
  io.stderr.write(`Follow-up of session ${session.id} ${outcome}.\n`);
  return EXIT.done;
}
