/**
 * Reviews decided in Slack: a click on Approve or Deny, and the modals they open. The clicking Slack
 * user becomes an identity through their profile email and the directory (the same identity source as
 * the API's tokens), then the decision goes through reviewSession like any other, recorded `via: slack`.
 *
 * Slack wants an answer within 3 seconds, so only fast work happens here: the directory read, the
 * conditional writes, resuming the workflow, and views.open (whose trigger expires after 3 seconds).
 * Redrawing the message and answering the clicker privately are background jobs.
 */
import { AppError, ConflictError } from '../domain/errors';
import type { Identity } from '../domain/identity';
import type { ReviewRequest } from '../domain/session';
import { type BlockActions, decideClick, type Interaction, viewInput, type ViewSubmission } from '../domain/slack-interaction';
import {
  ACTION_APPROVE,
  ACTION_DENY,
  type ClickRefusal,
  denyModal,
  forceModal,
  REASON_BLOCK,
  REASON_INPUT,
  refusalText,
  sessionIdOfView,
  VIEW_DENY,
  VIEW_FORCE,
} from '../domain/slack-message';
import type { ChatGateway, Deps } from './ports';
import { reviewSession } from './reviews';

/** The body of the acknowledgement: nothing, or errors to show beside a modal's fields. */
export type InteractionAnswer = undefined | { readonly response_action: 'errors'; readonly errors: Record<string, string> };

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Who = { readonly who: Identity } | { readonly refusal: ClickRefusal };

/** The clicking Slack user as accessgate knows them: profile email (cached), then the directory. */
async function identify(deps: Deps, chat: ChatGateway, slackUserId: string): Promise<Who> {
  let email: string | undefined;
  try {
    email = await chat.emailOf(slackUserId);
  } catch (error) {
    console.warn(JSON.stringify({ message: 'Slack users.info failed', user: slackUserId, error: (error as Error).message }));
    return { refusal: { kind: 'lookup_failed' } };
  }
  if (!email) return { refusal: { kind: 'unknown_user' } };
  const who = await deps.directory.lookup(email);
  return who ? { who } : { refusal: { kind: 'unknown_user', email } };
}

export async function handleInteraction(deps: Deps, interaction: Interaction): Promise<InteractionAnswer> {
  if (!deps.chat) throw new Error('Slack is not configured: set SLACK_BOT_TOKEN_SECRET_ARN and SLACK_SIGNING_SECRET_ARN.');
  switch (interaction.type) {
    case 'block_actions':
      await onClick(deps, deps.chat, interaction);
      return undefined;
    case 'view_submission':
      return onSubmit(deps, deps.chat, interaction);
    default:
      return undefined;
  }
}

async function onClick(deps: Deps, chat: ChatGateway, interaction: BlockActions): Promise<void> {
  const action = interaction.actions[0];
  // The "Open in accessgate" link button reports its clicks too; they need nothing from us.
  if (action.action_id !== ACTION_APPROVE && action.action_id !== ACTION_DENY) return;
  const replyTo = interaction.response_url;
  const refuse = async (refusal: ClickRefusal) => {
    if (replyTo) await deps.notifications.enqueue({ kind: 'reply', replyTo, text: refusalText(refusal) });
  };

  const sessionId = action.value ?? '';
  if (!SESSION_ID.test(sessionId)) return refuse({ kind: 'no_session', sessionId });
  const found = await identify(deps, chat, interaction.user.id);
  if ('refusal' in found) return refuse(found.refusal);
  const session = await deps.sessions.get(sessionId);
  if (!session) return refuse({ kind: 'no_session', sessionId });

  const decision = decideClick(session, found.who, action.action_id);
  switch (decision.kind) {
    case 'refuse':
      // Buttons on a closed review mean the message missed an update: draw it again.
      if (decision.refusal.kind === 'review_closed') await deps.notifications.enqueue({ kind: 'session', sessionId });
      return refuse(decision.refusal);
    case 'open_deny_modal':
      return chat.openView(interaction.trigger_id, denyModal(session));
    case 'open_force_modal':
      return chat.openView(interaction.trigger_id, forceModal(session));
    case 'approve':
      try {
        const after = await reviewSession(deps, found.who, sessionId, { decision: 'approve', via: 'slack' });
        // Another click of the same person got there first (a double click, or Slack's retry).
        const before = session.approvals.length;
        if (after.status === 'pending_review' && after.approvals.length === before) {
          return refuse({ kind: 'already_approved', approvals: after.approvals.length, required: after.approvalsRequired });
        }
      } catch (error) {
        if (error instanceof ConflictError) return refuse({ kind: 'review_closed', status: String(error.details?.status ?? 'decided') });
        throw error;
      }
  }
}

async function onSubmit(deps: Deps, chat: ChatGateway, interaction: ViewSubmission): Promise<InteractionAnswer> {
  const { view } = interaction;
  if (view.callback_id !== VIEW_DENY && view.callback_id !== VIEW_FORCE) return undefined;
  const errors = (message: string): InteractionAnswer => ({ response_action: 'errors', errors: { [REASON_BLOCK]: message } });

  const sessionId = sessionIdOfView(view.private_metadata) ?? '';
  if (!SESSION_ID.test(sessionId)) return errors(refusalText({ kind: 'no_session', sessionId }));
  const found = await identify(deps, chat, interaction.user.id);
  if ('refusal' in found) return errors(refusalText(found.refusal));
  const session = await deps.sessions.get(sessionId);
  if (!session) return errors(refusalText({ kind: 'no_session', sessionId }));

  // Checked again on submit: the review may have closed, or the person's groups changed, since the click.
  const expected = view.callback_id === VIEW_DENY ? 'open_deny_modal' : 'open_force_modal';
  const decision = decideClick(session, found.who, view.callback_id === VIEW_DENY ? 'deny' : 'approve');
  if (decision.kind === 'refuse') return errors(refusalText(decision.refusal));
  if (decision.kind !== expected) return errors('You can now approve this command with the Approve button; nothing was recorded.');

  const reason = viewInput(view, REASON_BLOCK, REASON_INPUT);
  const request: ReviewRequest =
    view.callback_id === VIEW_DENY
      ? { decision: 'deny', via: 'slack', ...(reason ? { reason } : {}) }
      : { decision: 'approve', force: true, via: 'slack', ...(reason ? { reason } : {}) };
  try {
    await reviewSession(deps, found.who, sessionId, request);
    return undefined;
  } catch (error) {
    // A missing reason, or a review that closed meanwhile: said beside the field, in the modal.
    if (error instanceof AppError) return errors(error.message);
    throw error;
  }
}
