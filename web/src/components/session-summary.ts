/**
 * What a session is doing right now, in words: who must approve and by when while it waits, what the
 * preview found (components/preview.ts), who approved and when, that it runs, its rows (for the
 * requester) or the error exactly as the database gave it. The terminal shows it under the editor;
 * the sessions log shows it above the timeline.
 */
import { h, type Child } from '../dom';
import { formatDuration, lengthText, personEl, plural, statusBadge, timeEl } from '../format';
import type { Approval, Session, SessionView, SqlParameter } from '../types';
import { previewView } from './preview';
import { resultsView } from './results';
import { stepProgressText } from '../../../functions/domain/approval-steps';
import { reasonLinkOf } from '../../../functions/domain/reason-format';

/** The reason as a link into the team's tracker, when the rule has a reasonLink (https only, reason URL-encoded). */
export function reasonLinkEl(session: Session): HTMLElement | null {
  const url = reasonLinkOf(session);
  return url ? h('a', { class: 'reason-link', href: url, target: '_blank', rel: 'noopener noreferrer' }, ' Open in tracker') : null;
}

/** "1 of 2", or with approval steps each step's progress: "dba-approvers 1/1 · sre 0/1 (in order)". */
export const approvalProgress = (session: Session): string =>
  session.rule?.approvalSteps
    ? `${stepProgressText(session)}${session.rule.ordered ? ' (in order)' : ''}`
    : `${session.approvals.length} of ${session.approvalsRequired}`;

export const approvalsList = (approvals: readonly Approval[]): HTMLElement =>
  h('ul', { class: 'approvals' }, approvals.map((approval) =>
    h('li', { 'data-approver': approval.email ?? '' },
      personEl(approval), ' at ', timeEl(approval.at),
      approval.via ? h('span', { class: 'muted' }, ` via ${approval.via}`) : null,
      approval.forced ? h('strong', { class: 'forced' }, ' (forced)') : null,
      approval.reason ? h('q', { class: 'reason' }, approval.reason) : null,
    )));

/**
 * The values bound to a command's `:name` placeholders: what runs is the command with these, so a
 * reviewer must see them as plainly as the command itself.
 */
export function parametersView(parameters: readonly SqlParameter[] | undefined): HTMLElement | null {
  if (!parameters?.length) return null;
  const shown = (value: Readonly<Record<string, unknown>>) => {
    const [kind, raw] = Object.entries(value)[0] ?? ['', ''];
    return kind === 'isNull' ? 'NULL' : `${typeof raw === 'string' ? raw : JSON.stringify(raw)}`;
  };
  return h('table', { class: 'parameters', 'aria-label': 'Parameters' },
    h('thead', {}, h('tr', {}, ['Parameter', 'Value', 'Type'].map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, parameters.map((parameter) =>
      h('tr', {},
        h('td', {}, `:${parameter.name}`),
        h('td', { class: 'parameter-value' }, shown(parameter.value)),
        h('td', {}, parameter.typeHint ?? Object.keys(parameter.value)[0]?.replace(/Value$/, '') ?? '')))));
}

export const resourceLabel = (session: Pick<Session, 'resource'>): string =>
  `${session.resource.name ?? session.resource.id} · ${session.resource.id}${session.resource.type ? ` (${session.resource.type})` : ''}`;

function reviewWaiting(session: Session): Child[] {
  const rule = session.rule;
  const groups = rule?.approvalGroups.join(', ') ?? 'the approvers';
  const force = rule?.forceApprovalGroups?.length ? `; members of ${rule.forceApprovalGroups.join(', ')} may force-approve with a reason` : '';
  const waiting = rule?.approvalSteps
    ? `Waiting for review: ${approvalProgress(session)}${force}.`
    : `Waiting for review: ${session.approvals.length} of ${session.approvalsRequired} ${session.approvalsRequired === 1 ? 'approval' : 'approvals'} from ${groups}${force}.`;
  return [
    h('p', { class: 'waiting' }, waiting),
    h('p', {}, 'Expires ', timeEl(session.expiresAt, true), rule ? ` (rule ${rule.name}).` : '.'),
  ];
}

function outcome(view: SessionView, isRequester: boolean): Child[] {
  const { session } = view;
  switch (session.status) {
    case 'pending_review':
      return reviewWaiting(session);
    case 'approved':
      return [h('p', {}, session.forced ? 'Force-approved; starting.' : 'Approved; starting.')];
    case 'running':
      return [h('p', {}, 'Running since ', timeEl(session.startedAt), '…')];
    case 'done':
      if (view.result) return [resultsView(session.id, view.result, session.result)];
      return [
        h('p', {}, 'Executed: ', session.result ? `${plural(session.result.rowCount, 'row')} in ${formatDuration(session.result.durationMs)}` : 'done', '.'),
        isRequester ? h('p', { class: 'muted' }, 'The rows are kept for a day; they are no longer available.') : h('p', { class: 'muted' }, 'Rows are returned only to the person who ran the command.'),
      ];
    case 'failed':
      if (session.error?.code === 'outcome_unknown' || session.error?.code === 'interrupted') {
        return [h('p', { class: 'outcome-unknown', role: 'alert' }, session.error.message)];
      }
      return [
        h('p', {}, 'The command failed', session.error?.code ? ` (${session.error.code})` : '', view.databaseError ? '. The database reported:' : '.'),
        h('pre', { class: 'sql-error', role: 'alert' }, view.databaseError?.message ?? session.error?.message ?? 'no message'),
      ];
    case 'denied':
      return [
        h('p', {}, 'Denied by ', personEl(session.denial), ' at ', timeEl(session.denial?.at), session.denial?.reason ? ':' : '.'),
        session.denial?.reason ? h('blockquote', { class: 'reason' }, session.denial.reason) : null,
      ];
    case 'expired':
      return [h('p', {}, `Expired at `, timeEl(session.expiresAt), ` with ${session.approvals.length} of ${session.approvalsRequired} approvals; nothing ran.`)];
    case 'cancelled':
      return [h('p', {}, 'Cancelled by the requester; nothing ran.')];
    case 'active':
      return [h('p', { class: 'window-open' }, 'Access window open until ', timeEl(session.windowEndsAt), ` (${windowTimeLeft(session)} left): your commands on ${session.resource.id} run without another review.`)];
    case 'ended':
      return [h('p', {}, 'Access window ended at ', timeEl(session.finishedAt ?? session.windowEndsAt), '; commands wait for review again.')];
    case 'revoked':
      return [h('p', {}, 'Access window revoked by ', personEl(session.revokedBy), ' at ', timeEl(session.revokedBy?.at), '; commands wait for review again.')];
    default:
      return [h('p', {}, `Status: ${String(session.status)}`)];
  }
}

/** What is left of an active window now. */
const windowTimeLeft = (session: Pick<Session, 'windowEndsAt'>, now = Date.now()): string => lengthText((Date.parse(session.windowEndsAt ?? '') - now) / 1000);

export function sessionSummary(view: SessionView, options: { meSub?: string; actions?: Child } = {}): HTMLElement {
  const { session } = view;
  const isRequester = !!options.meSub && options.meSub === session.requester.sub;
  return h('article', { class: 'session-summary', 'data-session-id': session.id, 'data-status': session.status },
    h('header', { class: 'session-head' },
      statusBadge(session.status),
      session.forced ? h('span', { class: 'status status-forced' }, 'forced') : null,
      h('span', { class: 'resource' }, resourceLabel(session)),
      session.kind === 'window' ? h('span', { class: 'window-kind' }, `access window, ${lengthText(session.durationSeconds ?? 0)}`) : null,
      session.grant ? h('a', { class: 'grant', href: `#/sessions/${session.grant}` }, 'approved by an access window') : null,
      h('span', { class: 'muted' }, 'submitted ', timeEl(session.createdAt)),
      options.actions,
    ),
    session.approvals.length
      ? h('div', { class: 'approved-by' }, h('p', {}, session.status === 'pending_review' ? 'Approved so far by:' : 'Approved by:'), approvalsList(session.approvals))
      : null,
    // The requester sees the same counts and ceiling as the reviewers.
    session.preview ? previewView(session.preview) : null,
    outcome(view, isRequester),
  );
}
