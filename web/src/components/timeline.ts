/**
 * A session's event chain as a readable timeline: each recorded event with when, who and what, in the
 * order the chain holds them (seq, with the start of each hash so an auditor can match it to an export).
 * Known event types get a sentence; any other type (Slack, audit and future ones) is still shown, with
 * its details as text, so nothing on the record is hidden by a page that predates it.
 */
import { h, type Child } from '../dom';
import { formatDuration, formatTime, personEl, plural } from '../format';
import type { Approval, AuditEvent, Denial, ResultSummary, SessionView } from '../types';

const asRecord = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const list = (value: unknown): string => (Array.isArray(value) ? value.map(String).join(', ') : '');

function describe(event: AuditEvent): { title: string; body: Child[] } {
  const d = event.details;
  switch (event.type) {
    case 'session.requested': {
      const resource = asRecord(d.resource);
      return {
        title: 'Requested',
        body: [
          h('p', {}, personEl(event.actor), d.requesterGroups ? ` (groups: ${list(d.requesterGroups) || 'none'})` : '',
            ` on ${str(resource.name) ?? str(resource.id) ?? 'a resource'}`, resource.id ? ` · ${String(resource.id)}` : '',
            resource.type ? ` (${String(resource.type)}${resource.database ? `, database ${String(resource.database)}` : ''})` : ''),
          str(d.command) ? h('pre', { class: 'command' }, String(d.command)) : null,
          str(d.reason) ? h('p', {}, 'Reason: ', h('q', { class: 'reason' }, String(d.reason))) : null,
          h('p', { class: 'muted' }, d.rule ? `Rule ${String(d.rule)}: ${plural(Number(d.approvalsRequired ?? 0), 'approval')} required.` : 'No rule: runs at once.'),
        ],
      };
    }
    case 'review.requested': {
      const notification = asRecord(d.notification);
      const where = Object.keys(notification).length
        ? ` Posted to ${str(notification.channel) ?? Object.entries(notification).map(([k, v]) => `${k} ${String(v)}`).join(', ')}.`
        : '';
      return {
        title: 'Approvers notified',
        body: [h('p', {}, `Asked ${list(d.approvalGroups) || 'the approvers'}${list(d.forceApprovalGroups) ? ` (break-glass: ${list(d.forceApprovalGroups)})` : ''}; the review expires `,
          str(d.expiresAt) ? h('time', { datetime: String(d.expiresAt) }, formatTime(String(d.expiresAt))) : 'when its window ends', `.${where}`)],
      };
    }
    case 'notification.failed':
      return { title: 'Notification failed', body: [h('p', {}, `The review stays open in the web UI and the API. Error: ${str(d.error) ?? 'unknown'}`)] };
    case 'review.approved':
    case 'review.forced': {
      const approval = asRecord(d.approval) as Partial<Approval>;
      const forced = event.type === 'review.forced';
      return {
        title: forced ? 'Force-approved' : 'Approved',
        body: [
          h('p', {}, personEl(event.actor), approval.via ? ` via ${approval.via}` : '',
            d.required !== undefined ? ` (${String(d.approvals)} of ${String(d.required)})` : ''),
          approval.reason ? h('p', {}, 'Reason: ', h('q', { class: 'reason' }, approval.reason)) : null,
        ],
      };
    }
    case 'review.denied': {
      const denial = asRecord(d.denial) as Partial<Denial>;
      return {
        title: 'Denied',
        body: [h('p', {}, personEl(event.actor), denial.via ? ` via ${denial.via}` : ''), denial.reason ? h('p', {}, 'Reason: ', h('q', { class: 'reason' }, denial.reason)) : null],
      };
    }
    case 'session.approved':
      return { title: 'Review closed: approved', body: [h('p', {}, d.forced ? 'Forced approval.' : `${plural(Number(d.approvals ?? 0), 'approval')}${Array.isArray(d.approvers) ? ` (${list(d.approvers)})` : ''}.`)] };
    case 'session.auto_approved': {
      // The parser's classification: one line per statement, kind, tables and flags.
      const statements = (Array.isArray(d.statements) ? d.statements : []).map(asRecord);
      return {
        title: 'Approved without review: read-only',
        body: [
          h('p', {}, `Rule ${str(d.rule) ?? ''} runs commands the parser proves read-only without review.`),
          h('ul', {}, statements.map((s) => h('li', {}, [str(s.kind) ?? '?', list(s.tables) || null, list(s.flags) || null].filter(Boolean).join(' · ')))),
        ],
      };
    }
    case 'session.running':
      return { title: 'Running', body: [h('p', { class: 'muted' }, 'The command hash matched the approved one; sent to the database.')] };
    case 'execution.retrying':
      return { title: 'Retrying', body: [h('p', {}, `A transient database error; the command did not run and is retried: ${str(d.error) ?? ''}`)] };
    case 'session.done': {
      const result = asRecord(d.result) as Partial<ResultSummary>;
      return {
        title: 'Executed',
        body: [h('p', {}, `${plural(result.rowCount ?? 0, 'row')} in ${formatDuration(result.durationMs)}${result.truncated ? ' (truncated)' : ''}${result.recordsUpdated !== undefined ? `; ${plural(result.recordsUpdated, 'record')} updated` : ''}.`)],
      };
    }
    case 'session.failed': {
      const error = asRecord(d.error);
      return { title: 'Failed', body: [h('pre', { class: 'sql-error' }, `${str(error.code) ? `${String(error.code)}: ` : ''}${str(error.message) ?? 'no message'}`)] };
    }
    case 'session.expired':
      return { title: 'Expired', body: [h('p', {}, `The review window ended with ${plural(Number(d.approvals ?? 0), 'approval')}; nothing ran.`)] };
    case 'session.cancelled':
      return { title: 'Cancelled', body: [h('p', {}, personEl(event.actor), ' cancelled the request; nothing ran.')] };
    default:
      return {
        title: event.type,
        body: [h('p', {}, personEl(event.actor)), Object.keys(d).length ? h('pre', { class: 'json' }, JSON.stringify(d, null, 2)) : null],
      };
  }
}

export function timelineView(view: SessionView): HTMLElement {
  const events = view.events ?? [];
  if (!events.length) return h('p', { class: 'muted' }, 'No events recorded for this session.');
  return h('ol', { class: 'timeline' }, events.map((event) => {
    const { title, body } = describe(event);
    return h('li', { class: 'event', 'data-event-type': event.type },
      h('div', { class: 'event-head' },
        h('time', { datetime: event.at, title: event.at }, formatTime(event.at)),
        h('strong', { class: 'event-title' }, title),
        event.seq !== undefined ? h('span', { class: 'muted seq', title: event.hash ?? '' }, `#${event.seq}${event.hash ? ` · ${event.hash.slice(0, 12)}` : ''}`) : null),
      body);
  }));
}
