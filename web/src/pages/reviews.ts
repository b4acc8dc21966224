/**
 * The approver's inbox: every session waiting for the caller's decision with all a reviewer needs
 * (requester and groups, resource and type, the full command, reason, age, expiry, approvals so far,
 * and the preview: what each statement is, the rows it changes, the row ceiling, the plan),
 * and approve, deny with a reason, or force-approve with a reason where the caller may. Several can be
 * approved at once: each is sent on its own and the page lists which were refused and why.
 *
 * Approve is offered only where the API says `canApprove` (never on the caller's own command); the API
 * enforces the same rules regardless. The inbox has no long-poll, so it refreshes every few seconds
 * while visible. The card and the decision helpers are shared with a session's own page.
 */
import { commandView, reasonView } from '../components/hidden-text';
import { type Api, ApiError, isAbort } from '../api';
import { previewView } from '../components/preview';
import { followUpsView } from './follow-ups';
import { approvalProgress, approvalsList, parametersView, reasonLinkEl, resourceLabel } from '../components/session-summary';
import { field, h, render, uid } from '../dom';
import { groupChips, personEl, relative, timeEl } from '../format';
import type { Page, PageContext } from '../page';
import type { ReviewItem, Session } from '../types';

const REFRESH_MS = 5000;

export interface DecisionBody {
  readonly decision: 'approve' | 'deny';
  readonly reason?: string;
  readonly force?: boolean;
}

export interface Outcome {
  readonly session: Session;
  readonly ok: boolean;
  readonly message: string;
}

/** Sends one decision per session, in turn: each is checked on its own, and one refusal stops nothing else. */
export async function decideEach(api: Api, sessions: readonly Session[], body: DecisionBody): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const session of sessions) {
    try {
      const { session: after } = await api.post<{ session: Session }>(`/sessions/${session.id}/review`, { ...body, via: 'web' });
      const message =
        body.decision === 'deny'
          ? 'denied.'
          : after.status === 'pending_review'
            ? `approved (${after.approvals.length} of ${after.approvalsRequired}; waiting for more).`
            : body.force
              ? 'force-approved; it runs now.'
              : `approved (${after.approvals.length} of ${after.approvalsRequired}); it runs now.`;
      results.push({ session, ok: true, message });
    } catch (error) {
      results.push({ session, ok: false, message: error instanceof ApiError ? error.message : (error as Error).message });
    }
  }
  return results;
}

export function outcomesView(results: readonly Outcome[]): HTMLElement[] {
  const refused = results.filter((result) => !result.ok);
  return [
    h('h2', {}, refused.length ? `${results.length - refused.length} of ${results.length} decided; ${refused.length} refused` : `${results.length} decided`),
    h('ul', {}, results.map((result) =>
      h('li', { class: result.ok ? 'ok' : 'refused', 'data-session-id': result.session.id },
        h('strong', {}, result.ok ? 'Done: ' : 'Refused: '),
        `${result.session.requester.name ?? result.session.requester.email}'s command on ${result.session.resource.id} — ${result.message}`))),
  ];
}

export interface CardOptions {
  readonly decide: (sessions: readonly Session[], body: DecisionBody) => Promise<void>;
  /** For bulk approval: whether the card is selected, and how to report a change. */
  readonly selection?: { readonly selected: boolean; onChange(selected: boolean): void };
}

/** One session awaiting the caller's decision, with the decisions the caller may make on it. */
export function reviewCard(item: ReviewItem, options: CardOptions): HTMLElement {
  const { session } = item;
  const id = uid('review');
  const who = session.requester.name ?? session.requester.email ?? 'someone';
  const canSelect = item.canApprove && !item.approvedByYou;
  const reasonBox = (label: string, required: boolean) => {
    const box = h('textarea', { rows: 2, maxlength: 2000, required });
    return { box, wrapper: field(label, box) };
  };

  const deny = reasonBox(session.rule?.reasonRequired ? 'Reason for denying (required)' : 'Reason for denying', !!session.rule?.reasonRequired);
  const force = reasonBox('Reason for forcing (required)', true);
  const panelError = h('p', { class: 'form-error', role: 'alert' });

  const denyPanel = h('div', { class: 'decision-panel', hidden: true },
    deny.wrapper,
    h('button', { type: 'button', class: 'danger', onclick: () => void options.decide([session], { decision: 'deny', ...(deny.box.value.trim() ? { reason: deny.box.value.trim() } : {}) }) }, 'Confirm deny'),
  );
  const forcePanel = h('div', { class: 'decision-panel', hidden: true },
    h('p', { class: 'notice warning' }, 'A forced approval runs the command at once, without the other approvals, and is flagged for audit.'),
    force.wrapper,
    h('button', {
      type: 'button',
      class: 'danger',
      onclick: () => {
        if (!force.box.value.trim()) {
          panelError.textContent = 'A forced approval needs a reason.';
          force.box.focus();
          return;
        }
        void options.decide([session], { decision: 'approve', force: true, reason: force.box.value.trim() });
      },
    }, 'Confirm force-approve'),
  );
  const toggle = (panel: HTMLElement, focus: HTMLElement) => (event: Event) => {
    panel.hidden = !panel.hidden;
    (event.currentTarget as HTMLElement).setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) focus.focus();
  };

  return h('li', { class: 'review-card', 'data-session-id': session.id, 'aria-labelledby': `${id}-title` },
    h('header', { class: 'review-head' },
      canSelect && options.selection
        ? h('input', {
            type: 'checkbox',
            id: `${id}-select`,
            checked: options.selection.selected,
            'aria-label': `Select ${who}'s command on ${session.resource.id}`,
            onchange: (event: Event) => options.selection?.onChange((event.target as HTMLInputElement).checked),
          })
        : null,
      h('h2', { id: `${id}-title` }, personEl(session.requester), ' on ', session.resource.id),
    ),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Groups'), h('dd', {}, groupChips(session.requester.groups)),
      h('dt', {}, 'Resource'), h('dd', {}, resourceLabel(session)),
      h('dt', {}, 'Submitted'), h('dd', {}, timeEl(session.createdAt), ` (${relative(session.createdAt)})`),
      h('dt', {}, 'Expires'), h('dd', {}, timeEl(session.expiresAt, true)),
      h('dt', {}, 'Rule'), h('dd', {}, session.rule?.name ?? '—'),
      h('dt', {}, 'Approvals'), h('dd', {}, approvalProgress(session), session.approvals.length ? approvalsList(session.approvals) : null),
      h('dt', {}, 'Reason'), h('dd', {}, ...(session.reason ? [...reasonView(session.reason), reasonLinkEl(session)] : [h('span', { class: 'muted' }, 'none given')])),
    ),
    ...commandView(session.command, { 'aria-label': 'Command' }),
    parametersView(session.parameters),
    session.preview ? previewView(session.preview) : null,
    h('div', { class: 'actions' },
      item.approvedByYou ? h('p', { class: 'muted' }, 'You approved this; it waits for others.') : null,
      canSelect ? h('button', { type: 'button', class: 'primary', onclick: () => void options.decide([session], { decision: 'approve' }) }, 'Approve') : null,
      item.canApprove ? h('button', { type: 'button', 'aria-expanded': 'false', onclick: toggle(denyPanel, deny.box) }, 'Deny…') : null,
      item.canForce ? h('button', { type: 'button', 'aria-expanded': 'false', onclick: toggle(forcePanel, force.box) }, 'Force-approve…') : null,
    ),
    denyPanel,
    forcePanel,
    panelError,
  );
}

export async function reviewsPage(ctx: PageContext): Promise<Page> {
  const { api, signal } = ctx;
  const list = h('div', { class: 'review-list' });
  const summary = h('p', { class: 'inbox-summary', role: 'status' });
  const outcomes = h('section', { class: 'outcomes', 'aria-live': 'polite', 'aria-label': 'Decisions' });
  const selected = new Set<string>();
  let items: ReviewItem[] = [];
  let busy = false;

  const approveSelected = h('button', { type: 'button', class: 'primary', disabled: true, onclick: () => void bulkApprove() }, 'Approve selected');

  function updateBulk(): void {
    for (const id of [...selected]) if (!items.some((item) => item.session.id === id)) selected.delete(id);
    approveSelected.disabled = selected.size === 0 || busy;
    approveSelected.textContent = selected.size ? `Approve selected (${selected.size})` : 'Approve selected';
  }

  async function run(sessions: readonly Session[], body: DecisionBody): Promise<void> {
    busy = true;
    updateBulk();
    const results = await decideEach(api, sessions, body);
    for (const result of results) selected.delete(result.session.id);
    busy = false;
    render(outcomes, outcomesView(results));
    await load();
  }

  const bulkApprove = () => run(items.filter((item) => selected.has(item.session.id)).map((item) => item.session), { decision: 'approve' });

  const card = (item: ReviewItem) =>
    reviewCard(item, {
      decide: run,
      selection: {
        selected: selected.has(item.session.id),
        onChange: (checked) => {
          if (checked) selected.add(item.session.id);
          else selected.delete(item.session.id);
          updateBulk();
        },
      },
    });

  async function load(): Promise<void> {
    try {
      const reply = await api.get<{ reviews: ReviewItem[] }>('/reviews', signal);
      items = reply.reviews;
      // Re-rendering would wipe a reason being typed: only redraw when the inbox really changed.
      const fingerprint = JSON.stringify(items.map((item) => [item.session.id, item.session.updatedAt, item.approvedByYou]));
      if (fingerprint !== list.dataset.fingerprint) {
        list.dataset.fingerprint = fingerprint;
        render(list, items.length
          ? h('ul', { class: 'cards' }, items.map(card))
          : h('p', { class: 'empty' }, 'Nothing waits for your decision.'));
      }
      summary.textContent = items.length ? `${items.length} ${items.length === 1 ? 'session waits' : 'sessions wait'} for your decision.` : '';
      updateBulk();
    } catch (error) {
      if (!isAbort(error)) summary.textContent = `Could not load the inbox: ${(error as Error).message}`;
    }
  }

  const followUps = followUpsView(api, signal);
  await Promise.all([load(), followUps.reload()]);
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible' && !busy) void Promise.all([load(), followUps.reload()]);
  }, REFRESH_MS);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });

  return {
    title: 'Reviews',
    element: h('section', { class: 'page reviews' },
      h('h1', {}, 'Reviews'),
      h('div', { class: 'toolbar' }, summary, h('div', { class: 'actions' }, approveSelected, h('button', { type: 'button', onclick: () => void load() }, 'Refresh'))),
      outcomes,
      list,
      followUps.element,
    ),
  };
}
