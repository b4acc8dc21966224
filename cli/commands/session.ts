/**
 * `accessgate session <id>`: one session as its readers see it (status, who asked for what, the rule,
 * approvals, the timeline of recorded events, and the rows for the requester once it is done), and
 * `accessgate session cancel <id>` for the requester while it waits.
 */
import { stepProgressText } from '../../functions/domain/approval-steps';
import { previewLine } from '../../functions/domain/preview-line';
import { reasonLinkOf } from '../../functions/domain/reason-format';
import { HIDDEN_TEXT_WARNING, hasHiddenText, revealHidden } from '../../functions/domain/hidden-text';
import { parse } from '../lib/args';
import { clientFor, type SessionView } from '../lib/api';
import type { Io } from '../lib/command';
import { EXIT, usageError } from '../lib/errors';
import { type Format, formatOption, printGrid, renderJson, renderTable, terminalWidth } from '../lib/output';
import { StatusLine } from '../lib/status';
import { describeWaiting, followSession, isFinal, waitingKey } from '../lib/wait';
import { report } from './exec';

export const help = `Usage: accessgate session <id> [--wait] [--format table|json|csv]
       accessgate session cancel <id>

Shows a session: its status, requester, resource, command and parameters, reason, rule, the preview
(what each statement is, the rows the dry run changed, the row ceiling), approvals or denial, when its
review expires, its error, and the timeline of recorded events. The requester also
gets the rows once it is done.

  --wait        follow a session that is still waiting or running until it ends, then exit with the
                code exec would have (0 done, 1 failed, 3 denied, 4 expired, 5 cancelled)
  --format F    table (default), json (the API's own view) or csv (the rows)

cancel withdraws your own request while it waits for review.`;

const OPTIONS = { wait: { type: 'boolean' }, format: { type: 'string' } } as const;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const format = formatOption(values.format);
  const client = clientFor(values.api, io.env);
  if (positionals[0] === 'cancel') {
    const id = positionals[1];
    if (!id || positionals.length > 2) throw usageError('Usage: accessgate session cancel <id>');
    const { session } = await client.cancel(id);
    io.stderr.write(`Cancelled session ${session.id}; nothing ran.\n`);
    return EXIT.done;
  }
  const [id] = positionals;
  if (!id || positionals.length > 1) throw usageError('Name one session: accessgate session <id>', 'accessgate sessions lists yours.');

  let view = await client.session(id);
  const link = client.link(view.session.id, io.env.ACCESSGATE_WEB_URL);
  if (values.wait && !isFinal(view.session)) {
    const status = new StatusLine(io.stderr);
    const show = (current: SessionView) => status.show(waitingKey(current.session), () => describeWaiting(current.session, link));
    show(view);
    try {
      view = await followSession(client, view, { signal: io.signal, onChange: (next) => !isFinal(next.session) && show(next) });
    } finally {
      status.clear();
    }
    return report(view, format, link, io);
  }
  print(view, format, link, io);
  return EXIT.done;
}

function print(view: SessionView, format: Format, link: string, io: Io): void {
  const { session, events, result } = view;
  if (format === 'json') {
    io.stdout.write(renderJson(view));
    return;
  }
  if (format === 'csv') {
    if (result?.columns.length) printGrid(io.stdout, 'csv', { columns: result.columns, rows: result.rows });
    else io.stderr.write(`Session ${session.id} has no rows to show (${session.status}).\n`);
    return;
  }
  const who = (actor: { email?: string; name?: string; system?: string }) => actor.email || actor.name || actor.system || '';
  const approvers = session.rule?.approvalSteps
    ? `steps${session.rule.ordered ? ' in order' : ''}: ${stepProgressText(session)}`
    : `${session.approvalsRequired} approval${session.approvalsRequired === 1 ? '' : 's'} from ${session.rule?.approvalGroups.join(', ')}`;
  const rule = session.rule
    ? `${session.rule.name}: ${approvers}${session.rule.forceApprovalGroups.length ? `; force: ${session.rule.forceApprovalGroups.join(', ')}` : ''}`
    : '(none: ran without review)';
  const fields: [string, string | undefined][] = [
    ['session', session.id],
    ['status', `${session.status}${session.forced ? ' (forced)' : ''}`],
    ['link', link],
    ['requester', `${session.requester.name} <${session.requester.email}> (${session.requester.groups.join(', ')})`],
    ['resource', `${session.resource.id} (${session.resource.type}, database ${session.resource.database})`],
    ['command', revealHidden(session.command).text],
    ['parameters', session.parameters?.map((p) => `${p.name} = ${JSON.stringify(Object.values(p.value)[0])}${p.typeHint ? ` (${p.typeHint})` : ''}`).join(', ')],
    ['sha-256', session.commandSha256],
    ['reason', session.reason && revealHidden(session.reason).text],
    ['reason link', reasonLinkOf(session)],
    ['rule', rule],
    ['preview', session.preview && previewLine(session.preview)],
    ['approvals', session.approvals.map((a) => `${a.email} at ${a.at}${a.forced ? ` (forced: ${a.reason})` : a.reason ? ` (${a.reason})` : ''}`).join('; ')],
    ['denial', session.denial && `${session.denial.email} at ${session.denial.at}${session.denial.reason ? `: ${session.denial.reason}` : ''}`],
    ['created', session.createdAt],
    ['expires', session.status === 'pending_review' ? session.expiresAt : undefined],
    ['finished', session.finishedAt],
    ['error', session.error && `${session.error.code}: ${session.error.message}`],
    ['database said', view.databaseError?.message],
    ['result', session.result && `${session.result.rowCount} row(s) in ${session.result.durationMs} ms${session.result.truncated ? ', truncated' : ''}${session.result.recordsUpdated !== undefined ? `, ${session.result.recordsUpdated} updated` : ''}`],
  ];
  const width = terminalWidth(io.stdout);
  if (hasHiddenText(session.command) || hasHiddenText(session.reason)) io.stdout.write(`${HIDDEN_TEXT_WARNING}\n`);
  io.stdout.write(renderTable({ columns: [{ name: 'field' }, { name: 'value' }], rows: fields.filter(([, value]) => value) }, width, false));
  io.stdout.write('\nTimeline:\n');
  io.stdout.write(renderTable({ columns: [{ name: 'at' }, { name: 'event' }, { name: 'by' }], rows: events.map((event) => [event.at, event.type, who(event.actor as Record<string, string>)]) }, width, false));
  if (result?.columns.length) {
    io.stdout.write('\nRows:\n');
    printGrid(io.stdout, 'table', { columns: result.columns, rows: result.rows });
  }
}
