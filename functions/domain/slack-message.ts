/**
 * What accessgate says in Slack, as Block Kit: the review request (and every later rendering of it as
 * the session moves on), the requester's direct messages, the deny and force-approve modals, and the
 * ephemeral answers to clicks. Everything is rendered from the session alone, so any process can redraw
 * the message at any time and the latest rendering always tells the truth.
 *
 * Slack refuses a message that breaks a Block Kit limit (`invalid_blocks`), so every piece of text that
 * comes from a person (names, reasons, the command) is escaped for mrkdwn and cut to its limit here, at
 * a grapheme boundary so no character or emoji is split. Lengths are counted in UTF-16 code units, the
 * stricter of the ways a limit can be counted. Pure: no I/O.
 */
import { stepProgressText } from './approval-steps';
import { reasonLinkOf } from './reason-format';
import { HIDDEN_TEXT_WARNING, hasHiddenText, revealHidden } from './hidden-text';
import { OUTCOME_UNKNOWN } from './execution';
import type { Session, SqlParameter } from './session';
import { previewLine } from './preview-line';
import { windowAsk, windowSection, windowStatus, windowSummary } from './slack-window';

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextText: 2000,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputMaxLength: 3000,
  /** Slack truncates a message's top-level text beyond 40,000 characters; notifications show far less. */
  notificationText: 3000,
} as const;

export const ACTION_APPROVE = 'approve';
export const ACTION_DENY = 'deny';
export const ACTION_OPEN = 'open';
export const VIEW_DENY = 'deny';
export const VIEW_FORCE = 'force';
export const VIEW_REFUSED = 'refused';
export const REASON_BLOCK = 'reason';
export const REASON_INPUT = 'reason';
/** The longest reason the API accepts (functions/api/reviews.ts); the modal asks for no more. */
export const MAX_REASON_LENGTH = 2000;

export interface TextObject {
  readonly type: 'mrkdwn' | 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

export type Block = { readonly type: string; readonly block_id?: string } & Readonly<Record<string, unknown>>;

export interface SlackMessage {
  /** Notification and accessibility text; the blocks are what people see. */
  readonly text: string;
  readonly blocks: readonly Block[];
}

export interface SlackView {
  readonly type: 'modal';
  readonly callback_id: string;
  readonly private_metadata: string;
  readonly title: TextObject;
  /** Absent on a modal that only tells something: Slack then shows the close button alone. */
  readonly submit?: TextObject;
  readonly close: TextObject;
  readonly blocks: readonly Block[];
}

/** A modal that asks for something, so it has a submit button. */
export interface SlackForm extends SlackView {
  readonly submit: TextObject;
}

/** Where links point: the web UI serves a session at this address (the API owns /sessions/{id}). */
export const sessionUrl = (webUrl: string, sessionId: string): string => `${webUrl.replace(/\/+$/, '')}/#/sessions/${sessionId}`;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** mrkdwn treats &, < and > as control characters (links, mentions such as <!channel>): escape them. */
export const escapeMrkdwn = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The longest prefix of `text` whose rendering (`render` of each grapheme, e.g. escaping) fits in
 * `limit` UTF-16 units. Returns the rendered prefix and how many characters of `text` it shows.
 */
export function cutRendered(text: string, limit: number, render: (grapheme: string) => string = (g) => g): { text: string; shown: number; cut: boolean } {
  let out = '';
  let shown = 0;
  for (const { segment } of graphemes.segment(text)) {
    const piece = render(segment);
    if (out.length + piece.length > limit) return { text: out, shown, cut: true };
    out += piece;
    shown += segment.length;
  }
  return { text: out, shown, cut: false };
}

/** Cuts plain text to `limit`, ending with an ellipsis when something was left out. */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${cutRendered(text, limit - 1).text}…`;
}

/** Escapes for mrkdwn and cuts to `limit`, never leaving half an entity behind. */
export const mrkdwnText = (text: string, limit: number): string => {
  const { text: out, cut } = cutRendered(revealHidden(text).text, limit - 1, escapeMrkdwn);
  return cut ? `${out}…` : out;
};

const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });
const plain = (text: string, limit: number): TextObject => ({ type: 'plain_text', text: cutText(text, limit), emoji: true });

/** Slack shows a date token in each reader's own time zone; the fallback is UTC. */
export function slackDate(iso: string): string {
  const date = new Date(iso);
  const fallback = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} at {time}|${fallback}>`;
}

/** A URL as Slack's `<url|label>` can carry it: `|`, `<` and `>` percent-encoded. */
const slackUrl = (url: string | undefined) => url?.replace(/[|<>]/g, (c) => encodeURIComponent(c));
const link = (url: string, label: string) => `<${url}|${escapeMrkdwn(label)}>`;
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function reviewers(session: Session): string {
  return session.rule?.approvalGroups.join(', ') ?? '';
}

/** One line per thing that happened to the review, in order; what readers of the channel need to know. */
export function statusLines(session: Session): string[] {
  const lines: string[] = [];
  const required = session.approvalsRequired;
  session.approvals.forEach((approval, index) => {
    const who = mrkdwnText(approval.name, 100);
    if (approval.forced) {
      lines.push(`:zap: force-approved by ${who} at ${slackDate(approval.at)}: ${mrkdwnText(approval.reason ?? '', 1000)}`);
    } else {
      lines.push(`:white_check_mark: approved by ${who} at ${slackDate(approval.at)} (${index + 1} of ${required})`);
    }
  });
  if (session.denial) {
    const reason = session.denial.reason ? `: ${mrkdwnText(session.denial.reason, 1500)}` : '';
    lines.push(`:no_entry: denied by ${mrkdwnText(session.denial.name, 100)}${reason}`);
  }
  switch (session.status) {
    case 'expired':
      lines.push(`:hourglass: expired at ${slackDate(session.finishedAt ?? session.expiresAt ?? session.updatedAt)} with ${session.approvals.length} of ${required} approvals`);
      break;
    case 'cancelled':
      lines.push(':leftwards_arrow_with_hook: cancelled by the requester');
      break;
    case 'running':
      lines.push(':arrow_forward: running');
      break;
    case 'done': {
      const result = session.result;
      if (result) {
        const updated = result.recordsUpdated !== undefined ? `, ${plural(result.recordsUpdated, 'row')} changed` : '';
        const truncated = result.truncated ? ' (truncated)' : '';
        lines.push(`:checkered_flag: executed: ${plural(result.rowCount, 'row')} in ${result.durationMs} ms${updated}${truncated}`);
      } else {
        lines.push(':checkered_flag: executed');
      }
      break;
    }
    case 'active':
    case 'ended':
    case 'revoked':
      lines.push(windowStatus(session));
      break;
    case 'failed':
      // An unknown outcome gets its own mark: reviewers must not read it as "nothing happened".
      lines.push(`${session.error?.code === OUTCOME_UNKNOWN ? ':warning: outcome unknown, not re-run' : ':x: failed'}: ${mrkdwnText(session.error?.message ?? 'unknown error', 1000)}`);
      break;
    default:
      break;
  }
  return lines;
}

/** A one-line summary of where the session stands, for notification text. */
export function statusSummary(session: Session): string {
  switch (session.status) {
    case 'pending_review':
      return `waiting for review (${session.approvals.length} of ${session.approvalsRequired} approvals)`;
    case 'approved':
      return session.forced ? 'force-approved' : `approved (${session.approvals.length} of ${session.approvalsRequired})`;
    case 'running':
      return 'approved, running';
    case 'done':
      return `executed: ${plural(session.result?.rowCount ?? 0, 'row')} in ${session.result?.durationMs ?? 0} ms`;
    case 'failed':
      return session.error?.code === OUTCOME_UNKNOWN ? session.error.message : `failed: ${session.error?.message ?? 'unknown error'}`;
    case 'denied':
      return `denied by ${session.denial?.name ?? 'an approver'}`;
    case 'expired':
      return 'expired';
    case 'cancelled':
      return 'cancelled by the requester';
    case 'active':
    case 'ended':
    case 'revoked':
      return windowSummary(session);
  }
}

/** A code block holding `command`, escaped, cut to `limit` with backtick fences kept intact. */
function commandBlock(command: string, limit: number): { text: string; shown: number; cut: boolean } {
  const fence = '```';
  // Hidden characters are shown as their code points, e.g. <U+202E> (functions/domain/hidden-text.ts).
  // A run of three backticks inside the command would close the code block early: a zero-width space,
  // added after that, keeps it visible and inert (the SHA-256 beside it identifies the exact command).
  const inert = revealHidden(command).text.replace(/```/g, '``\u200b`');
  const body = cutRendered(inert, limit - fence.length * 2 - 1, escapeMrkdwn);
  return { text: `${fence}${body.text}${body.cut ? '…' : ''}${fence}`, shown: Math.min(command.length, body.shown), cut: body.cut };
}

function parameterText(value: SqlParameter['value']): string {
  if ('isNull' in value) return 'NULL';
  if ('stringValue' in value) return JSON.stringify(value.stringValue);
  if ('longValue' in value) return String(value.longValue);
  if ('doubleValue' in value) return String(value.doubleValue);
  if ('booleanValue' in value) return String(value.booleanValue);
  return `<${Math.floor((value.blobValue.length * 3) / 4)} bytes of binary>`;
}

export interface ReviewMessageContext {
  readonly webUrl: string;
}

/** The review request as posted to the channel, and every later rendering of it. */
export function reviewMessage(session: Session, context: ReviewMessageContext): SlackMessage {
  const url = sessionUrl(context.webUrl, session.id);
  const requester = session.requester;
  const rule = session.rule;
  const blocks: Block[] = [];

  blocks.push({ type: 'header', text: plain(`Review requested: ${session.resource.name}`, SLACK_LIMITS.headerText) });

  // Each value is cut to leave room for its title, so a field never exceeds its limit.
  const field = (title: string, value: string) => mrkdwn(`*${title}*\n${value}`);
  const fieldValue = (text: string, room = SLACK_LIMITS.fieldText - 40) => mrkdwnText(text, room);
  blocks.push({
    type: 'section',
    block_id: 'facts',
    fields: [
      field('Requester', `${fieldValue(requester.name, 500)}\n${fieldValue(requester.email, 500)}`),
      field('Groups', fieldValue(requester.groups.join(', ') || 'none')),
      field('Resource', `${fieldValue(session.resource.name, 500)}\n\`${fieldValue(session.resource.id, 200)}\` · ${fieldValue(session.resource.type, 50)}`),
      field('Rule', fieldValue(rule?.name ?? 'none')),
      // With approval steps, each step's progress: "dba-approvers 1/1 · sre 0/1".
      field('Approvals', rule?.approvalSteps ? fieldValue(stepProgressText(session), 1500) : `${session.approvals.length} of ${session.approvalsRequired}${rule ? ` from ${fieldValue(reviewers(session), 1500)}` : ''}`),
      field('Expires', session.expiresAt ? slackDate(session.expiresAt) : 'never'),
    ],
  });

  const code = commandBlock(session.command, SLACK_LIMITS.sectionText - '*Command*\n'.length);
  blocks.push(session.kind === 'window' ? windowSection(session) : { type: 'section', block_id: 'command', text: mrkdwn(`*Command*\n${code.text}`) });
  if (session.preview) blocks.push({ type: 'context', block_id: 'preview', elements: [mrkdwn(`:mag: ${mrkdwnText(previewLine(session.preview), 1500)}`)] });
  if (code.cut) {
    blocks.push({
      type: 'context',
      block_id: 'command_cut',
      elements: [
        mrkdwn(
          `:scissors: Command cut to fit Slack: showing ${code.shown.toLocaleString('en-US')} of ${session.command.length.toLocaleString('en-US')} characters. ${link(url, 'Read the full command in accessgate')} before you decide.`,
        ),
      ],
    });
  }

  if (session.parameters?.length) {
    const list = session.parameters.map((p) => `:${p.name} = ${parameterText(p.value)}${p.typeHint ? ` (${p.typeHint})` : ''}`).join('\n');
    const params = commandBlock(list, SLACK_LIMITS.sectionText - '*Parameters*\n'.length);
    blocks.push({ type: 'section', block_id: 'parameters', text: mrkdwn(`*Parameters*\n${params.text}`) });
    if (params.cut) {
      blocks.push({
        type: 'context',
        block_id: 'parameters_cut',
        elements: [mrkdwn(`:scissors: Parameters cut to fit Slack. ${link(url, 'Read every value in accessgate')} before you decide.`)],
      });
    }
  }

  let reason = '_none given_';
  if (session.reason) {
    // Quoted line by line; the quoting counts against the limit too.
    const quoted = cutRendered(revealHidden(session.reason).text, SLACK_LIMITS.sectionText - 20, (g) => escapeMrkdwn(g).replace(/\n/g, '\n>'));
    reason = `>${quoted.text}${quoted.cut ? '…' : ''}`;
  }
  blocks.push({ type: 'section', block_id: 'reason', text: mrkdwn(`*Reason*\n${reason}`) });
  const reasonUrl = slackUrl(reasonLinkOf(session));
  if (reasonUrl && reasonUrl.length < SLACK_LIMITS.sectionText - 40) blocks.push({ type: 'section', block_id: 'reason-link', text: mrkdwn(`<${reasonUrl}|Open the reason in the tracker>`) });
  if (carriesHiddenText(session)) blocks.push(hiddenTextWarning());

  const notes = [`Session ${link(url, session.id)}`, `SHA-256 \`${session.commandSha256.slice(0, 16)}…\``];
  if (rule?.forceApprovalGroups.length) {
    notes.push(`Members of ${escapeMrkdwn(rule.forceApprovalGroups.join(', '))} may force-approve alone; a forced approval needs a reason`);
  }
  if (rule?.reasonRequired) notes.push('A denial needs a reason');
  blocks.push({ type: 'context', block_id: 'about', elements: [mrkdwn(cutText(notes.join(' · '), SLACK_LIMITS.contextText))] });

  const lines = statusLines(session);
  if (lines.length) {
    blocks.push({ type: 'section', block_id: 'status', text: mrkdwn(cutText(lines.join('\n'), SLACK_LIMITS.sectionText)) });
  }

  if (session.status === 'pending_review') {
    blocks.push({
      type: 'actions',
      block_id: 'decide',
      elements: [
        { type: 'button', action_id: ACTION_APPROVE, style: 'primary', text: plain('Approve', SLACK_LIMITS.buttonText), value: session.id },
        { type: 'button', action_id: ACTION_DENY, style: 'danger', text: plain('Deny', SLACK_LIMITS.buttonText), value: session.id },
        { type: 'button', action_id: ACTION_OPEN, text: plain('Open in accessgate', SLACK_LIMITS.buttonText), url },
      ],
    });
  }

  const ask = session.kind === 'window' ? `asks for an access window on ${session.resource.name} (${windowAsk(session)})` : `asks to run a command on ${session.resource.name}`;
  const text = mrkdwnText(`${requester.name} (${requester.email}) ${ask}: ${statusSummary(session)}`, SLACK_LIMITS.notificationText);
  return { text, blocks };
}

/** Moments the requester hears about in a direct message, in the order they happen. */
export type Milestone = 'approved' | 'denied' | 'expired' | 'done' | 'failed';

/**
 * The milestones this session has reached. Only reviewed sessions have any: a command no rule covers
 * returned its rows in the API response already, and a DM for each would be noise.
 */
export function milestonesReached(session: Session): Milestone[] {
  if (!session.rule) return [];
  const reached: Milestone[] = [];
  if (session.decidedAt && ['approved', 'running', 'done', 'failed', 'active', 'ended', 'revoked'].includes(session.status)) reached.push('approved');
  if (session.status === 'denied' || session.status === 'expired' || session.status === 'done' || session.status === 'failed') {
    reached.push(session.status);
  }
  return reached;
}

/** The requester's direct message for one milestone. */
export function requesterMessage(session: Session, milestone: Milestone, context: ReviewMessageContext): SlackMessage {
  const url = sessionUrl(context.webUrl, session.id);
  const on = `*${mrkdwnText(session.resource.name, 300)}*`;
  const last = session.approvals.at(-1);
  let line: string;
  switch (milestone) {
    case 'approved':
      line = session.forced
        ? `:zap: Your command on ${on} was force-approved by ${mrkdwnText(last?.name ?? 'a break-glass member', 300)}: ${mrkdwnText(last?.reason ?? '', 1000)}`
        : `:white_check_mark: Your ${session.kind === 'window' ? 'access window' : 'command'} on ${on} was approved by ${mrkdwnText(session.approvals.map((a) => a.name).join(', '), 1000)} (${session.approvals.length} of ${session.approvalsRequired}). ${session.kind === 'window' ? 'It opens now.' : 'It runs now.'}`;
      break;
    case 'denied':
      line = `:no_entry: Your command on ${on} was denied by ${mrkdwnText(session.denial?.name ?? 'an approver', 300)}${session.denial?.reason ? `: ${mrkdwnText(session.denial.reason, MAX_REASON_LENGTH)}` : '.'}`;
      break;
    case 'expired':
      line = `:hourglass: Your review request for a command on ${on} expired with ${session.approvals.length} of ${session.approvalsRequired} approvals; nothing ran.`;
      break;
    case 'done':
      line = `:checkered_flag: Your command on ${on} executed: ${plural(session.result?.rowCount ?? 0, 'row')} in ${session.result?.durationMs ?? 0} ms.`;
      break;
    case 'failed':
      line = session.error?.code === OUTCOME_UNKNOWN
        ? `:warning: Your command on ${on}: ${mrkdwnText(session.error.message, 1500)}`
        : `:x: Your command on ${on} failed: ${mrkdwnText(session.error?.message ?? 'unknown error', 1500)}`;
      break;
  }
  const text = `${line} ${link(url, milestone === 'done' ? 'See the rows' : 'Open the session')}`;
  return {
    text: cutText(text.replace(/<[^|>]+\|([^>]+)>/g, '$1').replace(/[*]/g, ''), SLACK_LIMITS.notificationText),
    blocks: [{ type: 'section', text: mrkdwn(cutText(text, SLACK_LIMITS.sectionText)) }],
  };
}

const metadata = (sessionId: string) => JSON.stringify({ sessionId });

/** Reads the session id back from a modal's private_metadata; undefined when it is not ours. */
export function sessionIdOfView(privateMetadata: string): string | undefined {
  try {
    const value = JSON.parse(privateMetadata) as { sessionId?: unknown };
    return typeof value.sessionId === 'string' ? value.sessionId : undefined;
  } catch {
    return undefined;
  }
}

function summary(session: Session): Block {
  const preview = commandBlock(session.command, 600).text;
  const warning = carriesHiddenText(session) ? `\n:warning: ${HIDDEN_TEXT_WARNING}` : '';
  return {
    type: 'section',
    text: mrkdwn(`${mrkdwnText(session.requester.name, 200)} wants to run on *${mrkdwnText(session.resource.name, 200)}*:\n${preview}${warning}`),
  };
}

/** Whether what a reviewer reads of this session (command, parameter values, reason) hides characters. */
function carriesHiddenText(session: Session): boolean {
  const values = (session.parameters ?? []).map((p) => ('stringValue' in p.value ? p.value.stringValue : ''));
  return [session.command, session.reason, ...values].some(hasHiddenText);
}

const hiddenTextWarning = (): Block => ({ type: 'context', block_id: 'hidden_text', elements: [mrkdwn(`:warning: *${HIDDEN_TEXT_WARNING}*`)] });

function reasonInput(label: string, optional: boolean, hint: string): Block {
  return {
    type: 'input',
    block_id: REASON_BLOCK,
    optional,
    label: plain(label, 2000),
    hint: plain(hint, 2000),
    element: { type: 'plain_text_input', action_id: REASON_INPUT, multiline: true, max_length: MAX_REASON_LENGTH },
  };
}

/** Asked of an approver who clicked Deny: the reason is optional unless the rule requires one. */
export function denyModal(session: Session): SlackForm {
  const required = !!session.rule?.reasonRequired;
  return {
    type: 'modal',
    callback_id: VIEW_DENY,
    private_metadata: metadata(session.id),
    title: plain('Deny command', SLACK_LIMITS.modalTitle),
    submit: plain('Deny', SLACK_LIMITS.modalButton),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    blocks: [
      summary(session),
      reasonInput(required ? 'Reason (required by the rule)' : 'Reason (optional)', !required, `${session.requester.name} sees this reason.`),
    ],
  };
}

/** Shown to a break-glass member who clicked Approve but is no regular approver of this command. */
export function forceModal(session: Session): SlackForm {
  const groups = session.rule?.forceApprovalGroups.join(', ') ?? '';
  return {
    type: 'modal',
    callback_id: VIEW_FORCE,
    private_metadata: metadata(session.id),
    title: plain('Force-approve', SLACK_LIMITS.modalTitle),
    submit: plain('Force-approve', SLACK_LIMITS.modalButton),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    blocks: [
      summary(session),
      {
        type: 'context',
        elements: [
          mrkdwn(
            cutText(
              `You are not a regular approver of this command. As a member of ${escapeMrkdwn(groups)} you may approve it alone: a forced approval needs a reason, and the session is flagged as forced for auditors.`,
              SLACK_LIMITS.contextText,
            ),
          ),
        ],
      },
      reasonInput('Reason (required for a forced approval)', false, 'Recorded with your approval and shown to auditors.'),
    ],
  };
}

/**
 * What a deny modal turns into when it was opened before accessgate knew who clicked (so that the
 * click waited for one Slack call, not two) and the person may not deny: the explanation, and nothing
 * to submit.
 */
export function refusalModal(text: string): SlackView {
  return {
    type: 'modal',
    callback_id: VIEW_REFUSED,
    private_metadata: '',
    title: plain('Deny command', SLACK_LIMITS.modalTitle),
    close: plain('Close', SLACK_LIMITS.modalButton),
    blocks: [{ type: 'section', block_id: 'refusal', text: plain(text, SLACK_LIMITS.sectionText) }],
  };
}

/** Why a click changed nothing, said only to the person who clicked. */
export type ClickRefusal =
  | { readonly kind: 'unknown_user'; readonly email?: string }
  | { readonly kind: 'self_review' }
  | { readonly kind: 'not_approver'; readonly groups: readonly string[] }
  | { readonly kind: 'review_closed'; readonly status: string }
  | { readonly kind: 'already_approved'; readonly approvals: number; readonly required: number }
  | { readonly kind: 'no_session'; readonly sessionId: string }
  | { readonly kind: 'lookup_failed' }
  | { readonly kind: 'view_failed' }
  | { readonly kind: 'step_refused'; readonly message: string };

export function refusalText(refusal: ClickRefusal): string {
  switch (refusal.kind) {
    case 'unknown_user':
      return refusal.email
        ? `accessgate does not know ${refusal.email}, so it cannot count your decision. Ask an admin to add you to the directory.`
        : 'Your Slack profile shows no email address, so accessgate cannot tell who you are. Ask a Slack admin to show emails to apps.';
    case 'self_review':
      return 'You cannot approve or deny your own command; another approver has to.';
    case 'not_approver':
      return `Only members of ${refusal.groups.join(', ') || 'the approval groups'} can review this command; nothing was recorded.`;
    case 'review_closed':
      return `Already decided: this session is ${refusal.status.replace('_', ' ')}.`;
    case 'already_approved':
      return `Your approval is already counted (${refusal.approvals} of ${refusal.required}); it is waiting for ${refusal.required - refusal.approvals} more.`;
    case 'no_session':
      return `Session ${refusal.sessionId} does not exist.`;
    case 'lookup_failed':
      return 'Slack did not tell accessgate who you are in time; nothing was recorded. Please click again.';
    case 'view_failed':
      return 'Slack did not open the form in time; nothing was recorded. Please click again.';
    case 'step_refused':
      return `${refusal.message} Nothing was recorded.`;
  }
}
