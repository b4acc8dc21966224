/**
 * The Follow-ups view on the Reviews page: forced (break-glass) approvals under rules the caller
 * approves for whose follow-up is still open (`GET /reviews?scope=follow-up`), the earliest due first,
 * overdue ones marked, each with who forced it and why, and a note box with Acknowledge and Flag
 * (`POST /sessions/{id}/follow-up`). The API refuses the person who forced it; the page shows why.
 */
import { type Api, ApiError, isAbort } from '../api';
import { commandView, reasonView } from '../components/hidden-text';
import { field, h, render, uid } from '../dom';
import { personEl, relative, timeEl } from '../format';
import type { FollowUpItem } from '../types';

/** The view, loaded now and again by `reload` (the Reviews page calls it on its own refresh). */
export function followUpsView(api: Api, signal: AbortSignal): { readonly element: HTMLElement; reload(): Promise<void> } {
  const list = h('div', { class: 'follow-up-list' });
  const status = h('p', { class: 'follow-up-status', role: 'status' });

  function card({ session, overdue }: FollowUpItem): HTMLElement {
    const forced = [...session.approvals].reverse().find((approval) => approval.forced);
    const note = h('textarea', { rows: 2, maxlength: 2000, id: uid('follow-up-note') });
    const outcome = h('p', { class: 'follow-up-outcome', role: 'alert' });
    const close = (choice: 'acknowledged' | 'flagged') => async () => {
      try {
        await api.post(`/sessions/${session.id}/follow-up`, { outcome: choice, ...(note.value.trim() ? { note: note.value } : {}) });
        status.textContent = `Follow-up of ${session.requester.name ?? session.requester.email}'s command ${choice}.`;
        await reload();
      } catch (error) {
        outcome.textContent = error instanceof ApiError ? error.message : (error as Error).message;
      }
    };
    return h('li', { class: `follow-up-card${overdue ? ' overdue' : ''}`, 'data-session-id': session.id },
      h('p', {}, overdue ? h('strong', { class: 'overdue-mark' }, 'Overdue · ') : null, 'Due ', timeEl(session.followUp?.dueAt ?? ''), ` (${relative(session.followUp?.dueAt ?? '')})`),
      h('p', {}, 'Forced by ', forced ? personEl(forced) : 'someone', forced?.reason ? [': ', reasonView(forced.reason)] : null),
      h('p', {}, personEl(session.requester), ` on ${session.resource.id} · `, h('a', { href: `#/sessions/${session.id}` }, 'open session')),
      commandView(session.command),
      field('Follow-up note', note),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: close('acknowledged') }, 'Acknowledge'),
        h('button', { type: 'button', class: 'danger', onclick: close('flagged') }, 'Flag')),
      outcome);
  }

  async function reload(): Promise<void> {
    try {
      const { followUps } = await api.get<{ followUps: FollowUpItem[] }>('/reviews?scope=follow-up', signal);
      // Re-rendering would wipe a note being typed: only redraw when the list really changed.
      const fingerprint = JSON.stringify(followUps.map((item) => [item.session.id, item.overdue]));
      if (fingerprint === list.dataset.fingerprint) return;
      list.dataset.fingerprint = fingerprint;
      render(list, followUps.length ? h('ul', { class: 'cards' }, followUps.map(card)) : h('p', { class: 'empty' }, 'No break-glass follow-up waits for you.'));
    } catch (error) {
      if (!isAbort(error)) status.textContent = `Could not load the follow-ups: ${(error as Error).message}`;
    }
  }

  return { element: h('section', { class: 'follow-ups', 'aria-label': 'Follow-ups' }, h('h2', {}, 'Follow-ups'), status, list), reload };
}
