/**
 * The engineer's web terminal: pick a resource (each shows the rule that governs it), write SQL, give a
 * reason where a review is involved, submit. The session then updates in place through the API's
 * long-poll (pending review → approved → running → rows) with no reload; the user's history below
 * reopens or re-submits earlier commands.
 */
import { ApiError, followSession, isAbort } from '../api';
import { sqlEditor } from '../components/editor';
import { sessionSummary } from '../components/session-summary';
import { field, h, render, uid } from '../dom';
import { plural, statusBadge, timeEl } from '../format';
import { childController, type Page, type PageContext } from '../page';
import type { ResourceView, RuleSummary, Session, SessionView } from '../types';

export function ruleDescription(rule: RuleSummary | null): string {
  if (!rule) return 'No rule: commands run at once, and are still recorded.';
  const parts = [`${plural(rule.approvalsRequired, 'approval')} from ${rule.approvalGroups.join(', ')}`];
  if (rule.forceApprovalGroups?.length) parts.push(`${rule.forceApprovalGroups.join(', ')} may force-approve`);
  if (rule.reasonRequired) parts.push('a reason is required');
  if (rule.reviewTimeoutSeconds) parts.push(`review window ${Math.round(rule.reviewTimeoutSeconds / 60)} min`);
  return `Rule ${rule.name}: ${parts.join('; ')}.`;
}

export async function terminalPage(ctx: PageContext): Promise<Page> {
  const { api, me, signal } = ctx;
  const { resources } = await api.get<{ resources: ResourceView[] }>('/resources', signal);
  if (!resources.length) {
    return {
      title: 'Terminal',
      element: h('section', { class: 'page' },
        h('h1', {}, 'Terminal'),
        h('p', {}, 'None of your groups may use a resource, so there is nothing to run commands on. An admin can add one of your groups to a resource in the configuration.')),
    };
  }

  let selected: ResourceView = resources.find((resource) => resource.id === ctx.params.get('resource')) ?? resources[0];
  let following: AbortController | undefined;

  const formError = h('p', { class: 'form-error', role: 'alert', id: uid('terminal-error') });
  const panel = h('section', { class: 'session-panel', 'aria-live': 'polite', 'aria-label': 'Current session' });
  const historyBody = h('div', { class: 'history-body' });
  const editor = sqlEditor({ label: 'SQL command', onSubmit: () => void submit() });
  const reason = h('textarea', { id: uid('reason'), name: 'reason', rows: 2, maxlength: 2000 });
  const reasonField = field('Reason', reason);
  const submitButton = h('button', { type: 'submit', class: 'primary' }, 'Submit');
  const windowMinutes = h('input', { id: uid('window-minutes'), name: 'windowMinutes', type: 'number', min: 1, step: 1, value: 30 });
  const windowButton = h('button', { type: 'button', onclick: () => void requestWindow() }, 'Request access window');
  const windowField = h('div', { class: 'window-request' }, field('Window length (minutes)', windowMinutes), windowButton);

  const resourcePicker = h('fieldset', { class: 'resource-picker' },
    h('legend', {}, 'Resource'),
    resources.map((resource) => {
      const id = uid('resource');
      const description = h('p', { class: 'rule-text', id: `${id}-rule` }, ruleDescription(resource.rule));
      return h('div', { class: ['resource-option', resource.rule ? 'governed' : 'open'] },
        h('input', {
          type: 'radio',
          name: 'resource',
          id,
          value: resource.id,
          checked: resource.id === selected.id,
          'aria-describedby': description.id,
          onchange: () => selectResource(resource),
        }),
        h('label', { for: id },
          h('span', { class: 'resource-name' }, resource.name ?? resource.id),
          h('span', { class: 'resource-meta' }, ` ${resource.id} · ${resource.type ?? ''}${resource.database ? `, database ${resource.database}` : ''}`)),
        description,
      );
    }),
  );

  function selectResource(resource: ResourceView): void {
    selected = resource;
    editor.setDialect(resource.type);
    const rule = resource.rule;
    reasonField.hidden = !rule;
    const label = reasonField.querySelector('label');
    if (label) label.textContent = rule?.reasonRequired ? `Reason (required by rule ${rule.name})` : 'Reason for the reviewers (optional)';
    reason.required = !!rule?.reasonRequired;
    submitButton.textContent = rule ? 'Submit for review' : 'Run';
    windowField.hidden = !rule?.maxWindowSeconds;
    if (rule?.maxWindowSeconds) windowMinutes.max = String(Math.floor(rule.maxWindowSeconds / 60));
  }

  /** Asks for an access window on the selected resource: reviewed like a command, then shown here with its time left. */
  async function requestWindow(): Promise<void> {
    formError.textContent = '';
    await openSession(windowButton, 'Could not ask for a window', {
      resource: selected.id,
      kind: 'window',
      durationSeconds: Math.round(Number(windowMinutes.value) * 60),
      ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
    });
  }

  /**
   * Posts a new session and, once the API has answered, shows and follows it. `button` stays disabled while
   * the request is in flight; a refusal is shown under the form, prefixed with `failure` unless the API
   * said why itself.
   */
  async function openSession(button: HTMLButtonElement, failure: string, body: Record<string, unknown>): Promise<void> {
    button.disabled = true;
    try {
      // wait=5 answers as soon as the session needs nobody: pending review, or already run.
      const view = await api.post<SessionView>('/sessions?wait=5', body, signal);
      show(view);
      follow(view.session.id, view);
      void loadHistory();
    } catch (error) {
      if (isAbort(error)) return;
      formError.textContent = error instanceof ApiError ? error.message : `${failure}: ${(error as Error).message}`;
    } finally {
      button.disabled = false;
    }
  }

  function show(view: SessionView): void {
    const session = view.session;
    const cancel =
      session.status === 'pending_review' && session.requester.sub === me.sub
        ? h('button', {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              try {
                await api.post(`/sessions/${session.id}/cancel`);
              } catch (error) {
                formError.textContent = (error as Error).message;
              }
            },
          }, 'Cancel request')
        : null;
    const revoke =
      session.kind === 'window' && session.status === 'active'
        ? h('button', {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              try {
                show({ ...view, ...(await api.post<{ session: Session }>(`/sessions/${session.id}/revoke`)) });
              } catch (error) {
                formError.textContent = (error as Error).message;
              }
            },
          }, 'Revoke window')
        : null;
    render(panel, h('h2', {}, 'Session'), sessionSummary(view, { meSub: me.sub, actions: cancel ?? revoke }));
  }

  function follow(id: string, first: SessionView | undefined): void {
    following?.abort();
    following = childController(signal);
    const mine = following;
    void followSession(api, id, first, (view) => {
      if (mine.signal.aborted) return;
      show(view);
      void loadHistory();
    }, mine.signal, (error) => {
      formError.textContent = error.message;
    });
  }

  async function submit(command = editor.value(), resource = selected, reasonText = reason.value): Promise<void> {
    formError.textContent = '';
    if (!command.trim()) {
      formError.textContent = 'Type a SQL command first.';
      editor.focus();
      return;
    }
    if (resource.rule?.reasonRequired && !reasonText.trim()) {
      formError.textContent = `Rule ${resource.rule.name} requires a reason.`;
      reason.focus();
      return;
    }
    await openSession(submitButton, 'Could not submit', {
      resource: resource.id,
      command,
      ...(reasonText.trim() ? { reason: reasonText.trim() } : {}),
    });
  }

  function loadIntoEditor(session: Session): void {
    const resource = resources.find((candidate) => candidate.id === session.resource.id);
    if (resource) {
      const radio = resourcePicker.querySelector<HTMLInputElement>(`input[value="${CSS.escape(resource.id)}"]`);
      if (radio) radio.checked = true;
      selectResource(resource);
    }
    editor.setValue(session.command);
    reason.value = session.reason ?? '';
    editor.focus();
  }

  async function loadHistory(): Promise<void> {
    try {
      const { sessions } = await api.get<{ sessions: Session[] }>('/sessions?scope=mine&limit=20', signal);
      render(historyBody, sessions.length
        ? h('div', { class: 'table-scroll' }, h('table', { class: 'history' },
            h('thead', {}, h('tr', {}, ['Submitted', 'Resource', 'Command', 'Status', 'Actions'].map((name) => h('th', { scope: 'col' }, name)))),
            h('tbody', {}, sessions.map((session) => {
              const known = resources.find((resource) => resource.id === session.resource.id);
              return h('tr', { 'data-session-id': session.id },
                h('td', {}, timeEl(session.createdAt)),
                h('td', {}, session.resource.id),
                h('td', {}, h('pre', { class: 'command clip' }, session.command)),
                h('td', {}, statusBadge(session.status)),
                h('td', { class: 'actions' },
                  h('button', { type: 'button', 'aria-label': `Open session ${session.id}`, onclick: () => follow(session.id, undefined) }, 'Open'),
                  h('button', { type: 'button', 'aria-label': `Load session ${session.id} into the editor`, onclick: () => loadIntoEditor(session) }, 'Load'),
                  known ? h('button', { type: 'button', 'aria-label': `Re-submit session ${session.id}`, onclick: () => void submit(session.command, known, session.reason ?? '') }, 'Re-submit') : null,
                ));
            }))))
        : h('p', { class: 'muted' }, 'Nothing yet: your commands will be listed here.'));
    } catch (error) {
      if (!isAbort(error)) render(historyBody, h('p', { class: 'form-error' }, `Could not load your history: ${(error as Error).message}`));
    }
  }

  const form = h('form', {
    class: 'terminal-form',
    novalidate: true,
    onsubmit: (event: SubmitEvent) => {
      event.preventDefault();
      void submit();
    },
  },
    resourcePicker,
    h('div', { class: 'field editor-field' }, h('span', { class: 'label', id: uid('sql-label') }, 'SQL command'), editor.element,
      h('p', { class: 'hint' }, 'Ctrl+Enter (⌘+Enter) submits. Tab moves on to the next field.')),
    reasonField,
    h('div', { class: 'actions' }, submitButton),
    windowField,
    formError,
  );

  selectResource(selected);
  void loadHistory();

  return {
    title: 'Terminal',
    element: h('section', { class: 'page terminal' },
      h('h1', {}, 'Terminal'),
      h('div', { class: 'terminal-grid' }, form, panel),
      h('section', { class: 'history-section', 'aria-label': 'Your commands' }, h('h2', {}, 'Your commands'), historyBody),
    ),
  };
}
