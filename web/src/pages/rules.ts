/**
 * Rules for admins (auditors read them): list with the resources each binds, create, edit, delete.
 * Validation happens where it is decided, in the API; its message is split per field and shown beside
 * the control it concerns. Every change the API accepts is a CONFIG event on the audit trail, listed
 * under "Rule changes" in the sessions log.
 */
import { ApiError, fieldErrors, isAbort } from '../api';
import { field, h, render, uid } from '../dom';
import type { Page, PageContext } from '../page';
import type { ResourceView, Rule } from '../types';

const list = (text: string): string[] => text.split(',').map((item) => item.trim()).filter(Boolean);
const joined = (items: readonly string[] | undefined): string => (items ?? []).join(', ');

/** What a rule decides by the command itself: the guardrails it refuses and whether reads skip review. */
const byCommand = (rule: Rule): string =>
  [rule.guardrails?.deny.length ? `refuses ${joined(rule.guardrails.deny)}` : '', rule.autoApprove === 'read-only' ? 'read-only runs without review' : '']
    .filter(Boolean)
    .join('; ') || '—';

const FIELDS = ['name', 'description', 'resources', 'requesterGroups', 'approvalGroups', 'approvalsRequired', 'forceApprovalGroups', 'reviewTimeoutSeconds', 'reasonRequired', 'slackChannel', 'guardrails', 'autoApprove'] as const;
type FieldName = (typeof FIELDS)[number];

export async function rulesPage(ctx: PageContext): Promise<Page> {
  const { api, me, signal } = ctx;
  const canWrite = !!me.isAdmin;
  const table = h('div', { class: 'rules-table' });
  const editor = h('section', { class: 'rule-editor', 'aria-live': 'polite' });
  const status = h('p', { role: 'status', class: 'status-line' });
  let rules: Rule[] = [];
  // Resources admins may bind: those any rule binds plus those the admin may use; free text beyond that.
  let knownResources: string[] = [];

  async function load(): Promise<void> {
    const [ruleReply, resourceReply] = await Promise.all([
      api.get<{ rules: Rule[] }>('/rules', signal),
      api.get<{ resources: ResourceView[] }>('/resources', signal).catch(() => ({ resources: [] as ResourceView[] })),
    ]);
    rules = ruleReply.rules;
    knownResources = [...new Set([...rules.flatMap((rule) => rule.resources), ...resourceReply.resources.map((resource) => resource.id)])].sort();
    render(table, rules.length
      ? h('div', { class: 'table-scroll' }, h('table', { class: 'rules' },
          h('thead', {}, h('tr', {}, ['Rule', 'Binds resources', 'Approvals', 'Force-approval groups', 'Requester groups', 'Review window', 'Reason', 'By command', ...(canWrite ? ['Actions'] : [])].map((name) => h('th', { scope: 'col' }, name)))),
          h('tbody', {}, rules.map((rule) => h('tr', { 'data-rule': rule.name },
            h('th', { scope: 'row' }, h('span', { class: 'rule-name' }, rule.name), rule.description ? h('p', { class: 'muted' }, rule.description) : null),
            h('td', {}, h('ul', { class: 'chips' }, rule.resources.map((resource) => h('li', {}, resource)))),
            h('td', { 'data-field': 'approvals' }, `${rule.approvalsRequired} from ${joined(rule.approvalGroups)}`),
            h('td', {}, joined(rule.forceApprovalGroups) || '—'),
            h('td', {}, joined(rule.requesterGroups) || 'everyone allowed on the resource'),
            h('td', {}, rule.reviewTimeoutSeconds ? `${Math.round(rule.reviewTimeoutSeconds / 60)} min` : '—'),
            h('td', {}, rule.reasonRequired ? 'required' : 'optional'),
            h('td', { 'data-field': 'by-command' }, byCommand(rule)),
            canWrite ? h('td', { class: 'actions' },
              h('button', { type: 'button', 'aria-label': `Edit rule ${rule.name}`, onclick: () => edit(rule) }, 'Edit'),
              h('button', { type: 'button', class: 'danger', 'aria-label': `Delete rule ${rule.name}`, onclick: () => confirmDelete(rule) }, 'Delete')) : null,
          )))))
      : h('p', { class: 'empty' }, 'No rules: every command runs at once (and is still recorded).'));
  }

  function confirmDelete(rule: Rule): void {
    const keep = h('button', { type: 'button', onclick: () => render(editor) }, 'Keep it');
    render(editor, h('div', { class: 'confirm', role: 'alertdialog', 'aria-label': `Delete rule ${rule.name}?` },
      h('p', {}, `Delete rule ${rule.name}? Commands on ${joined(rule.resources)} will then run without review (sessions already waiting keep the rule they were submitted under).`),
      h('div', { class: 'actions' },
        h('button', {
          type: 'button',
          class: 'danger',
          onclick: async () => {
            try {
              await api.delete(`/rules/${encodeURIComponent(rule.name)}`);
              render(editor);
              await load();
              status.textContent = `Rule ${rule.name} deleted.`;
            } catch (error) {
              status.textContent = (error as Error).message;
            }
          },
        }, `Delete ${rule.name}`),
        keep)));
    keep.focus();
  }

  function edit(rule: Rule | undefined): void {
    const errors = new Map<FieldName, HTMLElement>(FIELDS.map((name) => [name, h('p', { class: 'field-error', id: uid(`error-${name}`) })]));
    const input = (name: FieldName, props: Record<string, string | number | boolean | undefined>) =>
      h('input', { name, id: uid(name), 'aria-invalid': 'false', ...props });
    const controls = {
      name: input('name', { value: rule?.name ?? '', readonly: !!rule, autocomplete: 'off', spellcheck: 'false' }),
      description: h('textarea', { name: 'description', id: uid('description'), rows: 2, maxlength: 1000 }),
      resources: input('resources', { value: joined(rule?.resources), list: 'known-resources', autocomplete: 'off' }),
      requesterGroups: input('requesterGroups', { value: joined(rule?.requesterGroups), autocomplete: 'off' }),
      approvalGroups: input('approvalGroups', { value: joined(rule?.approvalGroups), autocomplete: 'off' }),
      approvalsRequired: input('approvalsRequired', { type: 'number', min: 1, max: 5, step: 1, value: rule?.approvalsRequired ?? 1, inputmode: 'numeric' }),
      forceApprovalGroups: input('forceApprovalGroups', { value: joined(rule?.forceApprovalGroups), autocomplete: 'off' }),
      reviewTimeoutSeconds: input('reviewTimeoutSeconds', { type: 'number', min: 1, step: 1, value: Math.round((rule?.reviewTimeoutSeconds ?? 3600) / 60), inputmode: 'numeric' }),
      reasonRequired: input('reasonRequired', { type: 'checkbox', checked: !!rule?.reasonRequired }),
      slackChannel: input('slackChannel', { value: rule?.slackChannel ?? '', autocomplete: 'off' }),
      guardrails: input('guardrails', { value: joined(rule?.guardrails?.deny), autocomplete: 'off' }),
      autoApprove: input('autoApprove', { type: 'checkbox', checked: rule?.autoApprove === 'read-only' }),
    };
    controls.description.value = rule?.description ?? '';
    const formError = h('p', { class: 'form-error', role: 'alert' });
    const f = (label: string, name: FieldName, hint?: string) => field(label, controls[name], { error: errors.get(name)!, ...(hint ? { hint } : {}) });

    const form = h('form', {
      class: 'rule-form',
      novalidate: true,
      'aria-label': rule ? `Edit rule ${rule.name}` : 'New rule',
      onsubmit: async (event: SubmitEvent) => {
        event.preventDefault();
        for (const [name, element] of errors) {
          element.textContent = '';
          controls[name].setAttribute('aria-invalid', 'false');
        }
        formError.textContent = '';
        const minutes = Number(controls.reviewTimeoutSeconds.value);
        const body = {
          name: controls.name.value.trim(),
          description: controls.description.value,
          mode: 'command',
          resources: list(controls.resources.value),
          requesterGroups: list(controls.requesterGroups.value),
          approvalGroups: list(controls.approvalGroups.value),
          approvalsRequired: Number(controls.approvalsRequired.value),
          forceApprovalGroups: list(controls.forceApprovalGroups.value),
          reviewTimeoutSeconds: Number.isFinite(minutes) ? Math.round(minutes * 60) : minutes,
          reasonRequired: controls.reasonRequired.checked,
          ...(controls.slackChannel.value.trim() ? { slackChannel: controls.slackChannel.value.trim() } : {}),
          ...(list(controls.guardrails.value).length ? { guardrails: { deny: list(controls.guardrails.value) } } : {}),
          ...(controls.autoApprove.checked ? { autoApprove: 'read-only' } : {}),
        };
        try {
          if (rule) await api.put(`/rules/${encodeURIComponent(rule.name)}`, body);
          else await api.post('/rules', body);
          render(editor);
          await load();
          status.textContent = `Rule ${body.name} ${rule ? 'saved' : 'created'}.`;
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          const byField = fieldErrors(error);
          let first: HTMLElement | undefined;
          for (const [name, message] of byField) {
            const slot = errors.get(name as FieldName);
            if (!slot) continue;
            slot.textContent = name === 'reviewTimeoutSeconds' ? `${message} (the API counts seconds; this field is minutes)` : message;
            controls[name as FieldName].setAttribute('aria-invalid', 'true');
            first ??= controls[name as FieldName];
          }
          formError.textContent = byField.size ? 'The rule was not saved: fix the fields marked below.' : error.message;
          first?.focus();
        }
      },
    },
      h('h2', {}, rule ? `Edit rule ${rule.name}` : 'New rule'),
      h('datalist', { id: 'known-resources' }, knownResources.map((id) => h('option', { value: id }))),
      formError,
      h('div', { class: 'form-grid' },
        f('Name', 'name', rule ? 'A rule keeps its name; create a new rule to rename.' : 'Lower-case letters, digits and dashes.'),
        f('Description', 'description'),
        f('Resources (comma-separated ids)', 'resources', knownResources.length ? `Known: ${knownResources.join(', ')}` : undefined),
        f('Requester groups (empty: everyone allowed on the resource)', 'requesterGroups'),
        f('Approval groups', 'approvalGroups'),
        f('Approvals required (distinct people, 1–5)', 'approvalsRequired'),
        f('Force-approval groups (break-glass)', 'forceApprovalGroups'),
        f('Review window (minutes)', 'reviewTimeoutSeconds'),
        h('div', { class: 'field checkbox' }, controls.reasonRequired, h('label', { for: controls.reasonRequired.id }, 'Requesters must give a reason'), errors.get('reasonRequired')!),
        f('Slack channel (optional)', 'slackChannel'),
        f('Guardrails: refuse commands that are (comma-separated)', 'guardrails', 'ddl, drop, truncate, delete-without-where, update-without-where, privilege, multi-statement'),
        h('div', { class: 'field checkbox' }, controls.autoApprove, h('label', { for: controls.autoApprove.id }, 'Run commands the parser proves read-only without review'), errors.get('autoApprove')!),
      ),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, rule ? 'Save rule' : 'Create rule'),
        h('button', { type: 'button', onclick: () => render(editor) }, 'Cancel')),
    );
    render(editor, form);
    (rule ? controls.description : controls.name).focus();
  }

  try {
    await load();
  } catch (error) {
    if (isAbort(error)) throw error;
    const denied = error instanceof ApiError && error.status === 403;
    return {
      title: 'Rules',
      element: h('section', { class: 'page' }, h('h1', {}, 'Rules'),
        h('p', { class: denied ? '' : 'form-error' }, denied ? 'Only admins and auditors can see rules.' : `Could not load the rules: ${(error as Error).message}`)),
    };
  }

  return {
    title: 'Rules',
    element: h('section', { class: 'page rules-page' },
      h('h1', {}, 'Rules'),
      h('div', { class: 'toolbar' },
        h('p', { class: 'muted' }, canWrite ? 'Changes apply to commands submitted from now on; every change is recorded.' : 'Read-only: only admins change rules.'),
        canWrite ? h('button', { type: 'button', class: 'primary', onclick: () => edit(undefined) }, 'New rule') : null),
      status,
      editor,
      table,
    ),
  };
}
