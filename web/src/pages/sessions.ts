/**
 * The sessions log: the audit trail as a table for auditors and admins (engineers see their own),
 * filterable by requester, approver, resource, status, forced and time range, with a CSV export of the
 * filtered view. Filters live in the address (`#/sessions?requester=…`) so a view can be linked. Each session
 * opens its timeline: requested → notified → approvals → executed / denied / expired / failed, every
 * step with who and when; event types this page does not know yet (Slack, audit) are still listed.
 * `#/sessions/<id>` is also the link Slack messages and the CLI print, so an approver arriving from one
 * gets the decision card right above the timeline.
 */
import { commandView, reasonView } from '../components/hidden-text';
import { followSession, isAbort } from '../api';
import { approvalsList, parametersView, reasonLinkEl, sessionSummary } from '../components/session-summary';
import { timelineView } from '../components/timeline';
import { toCsv } from '../../../functions/domain/csv';
import { download } from '../csv';
import { field, h, render, uid } from '../dom';
import { personEl, statusBadge, statusLabel, timeEl } from '../format';
import { childController, type Page, type PageContext } from '../page';
import { type AuditEvent, type ReviewItem, type Session, type SessionView, STATUSES } from '../types';
import { decideEach, outcomesView, reviewCard } from './reviews';

const FILTERS = ['requester', 'approver', 'resource', 'status', 'forced', 'from', 'to'] as const;
const PAGE_SIZE = 50;
const EXPORT_LIMIT = 10_000;

/** `datetime-local` speaks local wall time; the API speaks ISO instants. */
const toLocalInput = (iso: string | null): string => {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
};
const fromLocalInput = (value: string): string => (value ? new Date(value).toISOString() : '');

function query(params: URLSearchParams, cursor?: string, limit = PAGE_SIZE): string {
  const out = new URLSearchParams();
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) out.set(name, value);
  }
  out.set('limit', String(limit));
  if (cursor) out.set('cursor', cursor);
  return `/sessions?${out.toString()}`;
}

const approvalsText = (session: Session): string =>
  session.approvals.map((a) => `${a.name ?? ''} <${a.email ?? ''}> at ${a.at}${a.via ? ` via ${a.via}` : ''}${a.forced ? ` (forced: ${a.reason ?? ''})` : ''}`).join('; ');

const CSV_HEADER = ['id', 'createdAt', 'requesterName', 'requesterEmail', 'requesterGroups', 'resource', 'resourceType', 'status', 'forced', 'rule', 'approvalsRequired', 'approvals', 'deniedBy', 'denialReason', 'decidedAt', 'startedAt', 'finishedAt', 'rowCount', 'durationMs', 'error', 'reason', 'command'];
const csvRow = (s: Session): unknown[] => [
  s.id, s.createdAt, s.requester.name, s.requester.email, (s.requester.groups ?? []).join(' '), s.resource.id, s.resource.type, s.status, s.forced ?? false,
  s.rule?.name ?? '', s.approvalsRequired, approvalsText(s), s.denial?.email ?? '', s.denial?.reason ?? '', s.decidedAt ?? '', s.startedAt ?? '', s.finishedAt ?? '',
  s.result?.rowCount ?? '', s.result?.durationMs ?? '', s.error?.message ?? '', s.reason ?? '', s.command,
];

export async function sessionsPage(ctx: PageContext): Promise<Page> {
  return ctx.path[0] ? timelinePage(ctx, ctx.path[0]) : listPage(ctx);
}

async function listPage(ctx: PageContext): Promise<Page> {
  const { api, me, params, signal } = ctx;
  const everyone = !!(me.isAdmin || me.isAuditor);
  const tbody = h('tbody');
  const more = h('div', { class: 'actions' });
  const status = h('p', { role: 'status', class: 'status-line' });
  let shown = 0;

  const text = (name: string, label: string, type = 'text') => {
    const control = h('input', { name, type, value: params.get(name) ?? '', autocomplete: 'off' });
    return field(label, control);
  };
  const statusSelect = h('select', { name: 'status' },
    h('option', { value: '' }, 'any'),
    STATUSES.map((value) => h('option', { value, selected: params.get('status') === value }, statusLabel(value))));
  const forcedSelect = h('select', { name: 'forced' },
    h('option', { value: '' }, 'any'),
    h('option', { value: 'true', selected: params.get('forced') === 'true' }, 'forced only'),
    h('option', { value: 'false', selected: params.get('forced') === 'false' }, 'not forced'));
  const from = h('input', { name: 'from', type: 'datetime-local', value: toLocalInput(params.get('from')) });
  const to = h('input', { name: 'to', type: 'datetime-local', value: toLocalInput(params.get('to')) });

  const filters = h('form', {
    class: 'filters',
    'aria-label': 'Filter sessions',
    onsubmit: (event: SubmitEvent) => {
      event.preventDefault();
      const data = new FormData(event.currentTarget as HTMLFormElement);
      const next = new URLSearchParams();
      for (const name of FILTERS) {
        let value = String(data.get(name) ?? '').trim();
        if (name === 'from' || name === 'to') value = fromLocalInput(value);
        if (value) next.set(name, value);
      }
      ctx.navigate(`#/sessions${next.size ? `?${next.toString()}` : ''}`);
    },
  },
    h('div', { class: 'filter-grid' },
      text('requester', 'Requester (email)', 'search'),
      text('approver', 'Approver (email)', 'search'),
      text('resource', 'Resource', 'search'),
      field('Status', statusSelect),
      field('Forced', forcedSelect),
      field('From', from),
      field('To', to),
    ),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('button', { type: 'button', onclick: () => ctx.navigate('#/sessions') }, 'Clear'),
      h('button', { type: 'button', onclick: () => void exportCsv() }, 'Export CSV'),
    ),
  );

  function row(session: Session): HTMLElement {
    return h('tr', { 'data-session-id': session.id },
      h('td', {}, timeEl(session.createdAt)),
      h('td', {}, personEl(session.requester)),
      h('td', {}, session.resource.id),
      h('td', {}, h('pre', { class: 'command clip' }, session.command)),
      h('td', {}, statusBadge(session.status), session.forced ? h('span', { class: 'status status-forced' }, 'forced') : null),
      h('td', { class: 'approvals-cell' }, session.approvals.length ? approvalsList(session.approvals) : h('span', { class: 'muted' }, session.rule ? 'none' : 'no rule')),
      h('td', {}, timeEl(session.finishedAt ?? session.decidedAt)),
      h('td', {}, h('a', { href: `#/sessions/${session.id}`, 'aria-label': `Timeline of session ${session.id}` }, 'Timeline')),
    );
  }

  async function loadPage(cursor?: string): Promise<void> {
    try {
      const reply = await api.get<{ sessions: Session[]; cursor?: string }>(query(params, cursor), signal);
      for (const session of reply.sessions) tbody.appendChild(row(session));
      shown += reply.sessions.length;
      status.textContent = shown ? `${shown} session${shown === 1 ? '' : 's'} shown${reply.cursor ? '; more match' : ''}.` : 'No session matches these filters.';
      render(more, reply.cursor ? h('button', { type: 'button', onclick: () => void loadPage(reply.cursor) }, 'Load more') : null);
    } catch (error) {
      if (!isAbort(error)) status.textContent = `Could not load sessions: ${(error as Error).message}`;
    }
  }

  async function exportCsv(): Promise<void> {
    status.textContent = 'Preparing the export…';
    const rows: unknown[][] = [];
    let cursor: string | undefined;
    try {
      do {
        const reply = await api.get<{ sessions: Session[]; cursor?: string }>(query(params, cursor, 200), signal);
        rows.push(...reply.sessions.map(csvRow));
        cursor = reply.cursor;
      } while (cursor && rows.length < EXPORT_LIMIT);
      download(`accessgate-sessions-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`, toCsv(CSV_HEADER, rows));
      status.textContent = `Exported ${rows.length} session${rows.length === 1 ? '' : 's'}${cursor ? ` (the first ${EXPORT_LIMIT}; narrow the filters for the rest)` : ''}.`;
    } catch (error) {
      if (!isAbort(error)) status.textContent = `Export failed: ${(error as Error).message}`;
    }
  }

  await loadPage();

  return {
    title: 'Sessions log',
    element: h('section', { class: 'page log' },
      h('h1', {}, 'Sessions log'),
      h('p', { class: 'muted' }, everyone ? 'Every session, newest first.' : 'Your own sessions, newest first (admins and auditors see everyone\'s).'),
      filters,
      status,
      h('div', { class: 'table-scroll' }, h('table', { class: 'sessions' },
        h('thead', {}, h('tr', {}, ['Submitted', 'Requester', 'Resource', 'Command', 'Status', 'Approvals', 'Decided / finished', ''].map((name) => h('th', { scope: 'col' }, name)))),
        tbody)),
      more,
      everyone ? await configChanges(ctx) : null,
    ),
  };
}

/**
 * Rule and resource changes (the CONFIG stream), listed from `GET /audit/events?stream=CONFIG`.
 */
async function configChanges(ctx: PageContext): Promise<HTMLElement> {
  const section = h('section', { class: 'config-changes', 'aria-label': 'Rule changes' }, h('h2', {}, 'Rule changes'));
  try {
    const { events } = await ctx.api.get<{ events: AuditEvent[] }>('/audit/events?stream=CONFIG', ctx.signal);
    const changes = events.filter((event) => event.type.startsWith('rule.') || event.type.startsWith('resource.')).reverse();
    section.appendChild(changes.length
      ? h('div', { class: 'table-scroll' }, h('table', { class: 'config' },
          h('thead', {}, h('tr', {}, ['When', 'Who', 'Change', 'What'].map((name) => h('th', { scope: 'col' }, name)))),
          h('tbody', {}, changes.map((event) => h('tr', { 'data-event-type': event.type },
            h('td', {}, timeEl(event.at)),
            h('td', {}, personEl(event.actor)),
            h('td', {}, event.type),
            h('td', {}, String(event.details.rule ?? event.details.resource ?? ''),
              h('details', {}, h('summary', {}, 'before / after'), h('pre', { class: 'json' }, JSON.stringify({ before: event.details.before, after: event.details.after }, null, 2)))),
          )))))
      : h('p', { class: 'muted' }, 'No rule changes recorded.'));
  } catch (error) {
    if (isAbort(error)) throw error;
    section.appendChild(h('p', { class: 'muted' }, `Could not load rule changes: ${(error as Error).message}`));
  }
  return section;
}

async function timelinePage(ctx: PageContext, id: string): Promise<Page> {
  const { api, me, signal } = ctx;
  const body = h('div', { class: 'timeline-body', 'aria-live': 'polite' });
  const show = (view: SessionView) =>
    render(body,
      sessionSummary(view, { meSub: me.sub }),
      view.session.reason ? h('p', {}, 'Reason: ', ...reasonView(view.session.reason), reasonLinkEl(view.session)) : null,
      h('h2', {}, 'Command'),
      ...commandView(view.session.command),
      parametersView(view.session.parameters),
      view.session.commandSha256 ? h('p', { class: 'muted hash' }, `SHA-256 ${view.session.commandSha256}`) : null,
      h('h2', {}, 'Timeline'),
      timelineView(view));
  let view: SessionView;
  try {
    view = await api.get<SessionView>(`/sessions/${encodeURIComponent(id)}`, signal);
  } catch (error) {
    if (isAbort(error)) throw error;
    return { title: 'Session', element: h('section', { class: 'page' }, h('h1', {}, 'Session'), h('p', { class: 'form-error' }, (error as Error).message), h('a', { href: '#/sessions' }, 'Back to the sessions log')) };
  }
  show(view);
  // The API records a decision's event just after the session's new status, so a follower woken by the
  // status can miss the event and then stop, the session being final. After this page's own decision
  // (whose reply comes once the event is recorded), the session is read afresh and followed again.
  let following = childController(signal);
  const follow = (from?: SessionView) => {
    following.abort();
    following = childController(signal);
    void followSession(api, id, from, show, following.signal);
  };
  follow(view);
  const heading = uid('timeline');
  const decision = view.session.status === 'pending_review' ? await decisionSection(ctx, id, () => follow()) : null;
  return {
    title: `Session ${id.slice(0, 8)}`,
    element: h('section', { class: 'page timeline-page', 'aria-labelledby': heading },
      h('p', {}, h('a', { href: '#/sessions' }, '← Sessions log')),
      h('h1', { id: heading }, `Session ${id}`),
      decision,
      body),
  };
}

/**
 * Links from Slack and the CLI open this page; an approver who follows one can decide right here, with
 * the same card as the inbox, when the session waits for them.
 */
async function decisionSection(ctx: PageContext, id: string, decided: () => void): Promise<HTMLElement | null> {
  const { reviews } = await ctx.api.get<{ reviews: ReviewItem[] }>('/reviews', ctx.signal).catch(() => ({ reviews: [] as ReviewItem[] }));
  const item = reviews.find((candidate) => candidate.session.id === id);
  if (!item) return null;
  const outcomes = h('div', { class: 'outcomes', 'aria-live': 'polite' });
  const section = h('section', { class: 'decision', 'aria-label': 'Your decision' }, outcomes);
  const card = reviewCard(item, {
    decide: async (sessions, body) => {
      const results = await decideEach(ctx.api, sessions, body);
      render(outcomes, outcomesView(results));
      card.remove();
      decided();
    },
  });
  section.appendChild(h('ul', { class: 'cards' }, card));
  return section;
}
