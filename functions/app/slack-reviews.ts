/**
 * Reviews decided in Slack: a click on Approve or Deny, and the modals they open. The clicking Slack
 * user becomes an identity through their profile email and the directory, as an API reviewer does
 * (functions/app/people.ts), then the decision goes through reviewSession like any other, recorded `via: slack`.
 *
 * Slack wants an answer within 3 seconds, counted from the request's arrival at API Gateway (a cold
 * start counts). An Approve is acknowledged without waiting on Slack: the click is handed to the notify
 * Lambda as an `approve_click` job and answered; that job asks Slack who clicked, reads the directory
 * and decides exactly as before (distinct approvers, never the requester, groups from the directory),
 * and the outcome follows through chat.update (the redraw) or the click's response_url. A Deny opens a
 * modal, whose trigger expires after 3 seconds, so it is decided before the answer; every Slack call
 * of that path stops being waited for SLACK_WAIT_MS after the request arrived.
 *
 * A click refused because of who made it (their own command, or not an approver) changes nothing about
 * the session, but it is a security event, recorded as the same request through the API is
 * (functions/app/reviews.ts), `via: slack`.
 */
import { STEP_REFUSALS } from '../domain/approval-steps';
import { AppError, ConflictError } from '../domain/errors';
import { actorOf, type Identity } from '../domain/identity';
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
  type SlackView,
  VIEW_DENY,
  VIEW_FORCE,
} from '../domain/slack-message';
import { recordSecurityEvent } from './audit-trail';
import { personByEmail } from './people';
import type { ApproveClick, ChatGateway, Deps, OpenedView } from './ports';
import { reviewSession } from './reviews';

/**
 * How long after the request arrived the click path may still wait on Slack's API. Slack gives up on
 * the acknowledgement 3 s after sending the request; the rest is for the way through API Gateway and
 * the AWS calls around the Slack ones. A Slack call still running then is no longer waited for,
 * whatever SLACK_TIMEOUT_MS says, and the person is asked to click again.
 */
export const SLACK_WAIT_MS = 2_000;

export interface InteractionContext {
  /**
   * When the request arrived at API Gateway (`requestContext.timeEpoch`), in ms since the epoch (real
   * time: the deadline is Slack's, not the business clock's).
   */
  readonly receivedAt: number;
}

/** The body of the acknowledgement: nothing, or errors to show beside a modal's fields. */
export type InteractionAnswer = undefined | { readonly response_action: 'errors'; readonly errors: Record<string, string> };

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Who = { readonly who: Identity } | { readonly refusal: ClickRefusal };

/** The clicking Slack user as accessgate knows them: profile email (cached), then the directory. */
async function identify(deps: Deps, chat: ChatGateway, slackUserId: string, deadline: number | undefined): Promise<Who> {
  let email: string | undefined;
  try {
    email = await chat.emailOf(slackUserId, deadline);
  } catch (error) {
    deps.log.warn('Slack users.info failed', { user: slackUserId, error: (error as Error).message });
    return { refusal: { kind: 'lookup_failed' } };
  }
  if (!email) return { refusal: { kind: 'unknown_user' } };
  const who = await personByEmail(deps, email);
  return who ? { who } : { refusal: { kind: 'unknown_user', email } };
}

/** Opens a modal; a failure (Slack's error, or the deadline) is logged and answers undefined, for the caller to explain. */
async function open(deps: Deps, chat: ChatGateway, trigger: string, view: SlackView, deadline: number): Promise<OpenedView | undefined> {
  try {
    return await chat.openView(trigger, view, deadline);
  } catch (error) {
    deps.log.warn('Slack views.open failed', { view: view.callback_id, error: (error as Error).message });
    return undefined;
  }
}

/**
 * Records a refusal that the API would have answered 403 as a security event, in the same shape, plus
 * the Slack user who clicked. Misclicks of another kind (a closed review, an approval already counted)
 * are not attempts to do anything not allowed, and are not recorded.
 */
async function recordRefusal(
  deps: Deps,
  who: Identity,
  sessionId: string,
  refusal: ClickRefusal,
  request: { readonly decision: 'approve' | 'deny'; readonly force: boolean },
  slackUser: string,
): Promise<void> {
  if (refusal.kind !== 'self_review' && refusal.kind !== 'not_approver') return;
  const code = refusal.kind === 'not_approver' && request.force ? 'not_force_approver' : refusal.kind;
  try {
    await recordSecurityEvent(deps, 'security.review_refused', actorOf(who), {
      sessionId,
      code,
      decision: request.decision,
      force: request.force,
      via: 'slack',
      groups: who.groups,
      slackUser,
    });
  } catch (error) {
    // The person still hears why nothing happened; the record that could not be written is in the log.
    deps.log.error('security event not recorded', { type: 'security.review_refused', sessionId, code, email: who.email, error: (error as Error).message });
  }
}

export async function handleInteraction(deps: Deps, interaction: Interaction, context: InteractionContext = { receivedAt: Date.now() }): Promise<InteractionAnswer> {
  if (!deps.chat) throw new Error('Slack is not configured: set SLACK_BOT_TOKEN_SECRET_ARN and SLACK_SIGNING_SECRET_ARN.');
  const deadline = context.receivedAt + SLACK_WAIT_MS;
  switch (interaction.type) {
    case 'block_actions':
      await onClick(deps, deps.chat, interaction, deadline);
      return undefined;
    case 'view_submission':
      return onSubmit(deps, deps.chat, interaction, deadline);
    default:
      return undefined;
  }
}

/** A button click as the decision needs it, from the interaction or from an `approve_click` job. */
interface Click {
  readonly action: typeof ACTION_APPROVE | typeof ACTION_DENY;
  readonly sessionId: string;
  readonly slackUser: string;
  readonly triggerId: string;
  readonly replyTo?: string;
}

async function onClick(deps: Deps, chat: ChatGateway, interaction: BlockActions, deadline: number): Promise<void> {
  const action = interaction.actions[0];
  // The "Open in accessgate" link button reports its clicks too; they need nothing from us.
  if (action.action_id !== ACTION_APPROVE && action.action_id !== ACTION_DENY) return;
  const click: Click = {
    action: action.action_id,
    sessionId: action.value ?? '',
    slackUser: interaction.user.id,
    triggerId: interaction.trigger_id,
    ...(interaction.response_url ? { replyTo: interaction.response_url } : {}),
  };
  if (!SESSION_ID.test(click.sessionId)) return refuser(deps, click.replyTo)({ kind: 'no_session', sessionId: click.sessionId });
  if (click.action === ACTION_APPROVE) {
    const { action: _approve, ...rest } = click;
    await deps.notifications.enqueue({ kind: 'approve_click', ...rest, deadline });
    return;
  }
  await decideClickOf(deps, chat, click, { lookup: deadline, view: deadline });
}

/**
 * Decides an Approve click after Slack had its acknowledgement (the notify Lambda runs this). A failure
 * other than a refusal throws, so Lambda runs the job again; a second run finds the approval counted
 * (one per person, by the store's conditional write) and says so.
 */
export async function decideApproveClick(deps: Deps, job: ApproveClick): Promise<void> {
  if (!deps.chat) throw new Error('Slack is not configured: set SLACK_BOT_TOKEN_SECRET_ARN and SLACK_SIGNING_SECRET_ARN.');
  const { kind: _kind, deadline, ...click } = job;
  // Nobody waits for users.info now (a retry may run minutes later); only the trigger still expires.
  await decideClickOf(deps, deps.chat, { action: ACTION_APPROVE, ...click }, { view: deadline });
}

/** Answers the person who clicked privately, through the click's response_url (a background job). */
const refuser = (deps: Deps, replyTo: string | undefined) => async (refusal: ClickRefusal) => {
  if (replyTo) await deps.notifications.enqueue({ kind: 'reply', replyTo, text: refusalText(refusal) });
};

/** Until when a click may wait for Slack to say who clicked (unbounded once Slack has its answer), and for views.open. */
interface ClickDeadlines {
  readonly lookup?: number;
  readonly view: number;
}

async function decideClickOf(deps: Deps, chat: ChatGateway, click: Click, deadlines: ClickDeadlines): Promise<void> {
  const { action: clicked, sessionId, slackUser, triggerId } = click;
  const refuse = refuser(deps, click.replyTo);

  // users.info is the slow part of a person's first click, and a Deny needs views.open too. Every
  // approver's Deny opens the deny modal, and views.open needs only the trigger and the session, so
  // while Slack has yet to say who clicked, the modal opens at the same time: the click waits for the
  // slower of the two calls, not for both in a row. Once Slack has answered for this person (cached),
  // the click is decided first, as an Approve (handed over to the notify Lambda) always is.
  const early = clicked === ACTION_DENY && !chat.knowsEmailOf(slackUser);
  const reading = deps.sessions.get(sessionId);
  const [found, session, opened] = await Promise.all([
    identify(deps, chat, slackUser, deadlines.lookup),
    reading,
    early ? reading.then((read) => (read?.status === 'pending_review' ? open(deps, chat, triggerId, denyModal(read), deadlines.view) : undefined)) : undefined,
  ]);
  // Someone the modal should not have opened for finds the explanation in it (a background views.update:
  // the answer to Slack does not wait for it), instead of privately in the channel. Submitting it
  // meanwhile is refused all the same (onSubmit decides again).
  const explain = async (refusal: ClickRefusal) => {
    if (!opened) return refuse(refusal);
    await deps.notifications.enqueue({ kind: 'view', viewId: opened.id, ...(opened.hash ? { hash: opened.hash } : {}), text: refusalText(refusal) });
  };
  if ('refusal' in found) return explain(found.refusal);
  if (!session) return refuse({ kind: 'no_session', sessionId });

  const decision = decideClick(session, found.who, clicked);
  switch (decision.kind) {
    case 'refuse':
      await recordRefusal(deps, found.who, sessionId, decision.refusal, { decision: clicked, force: false }, slackUser);
      // Buttons on a closed review mean the message missed an update: draw it again.
      if (decision.refusal.kind === 'review_closed') await deps.notifications.enqueue({ kind: 'session', sessionId });
      return explain(decision.refusal);
    case 'open_deny_modal':
      // Opened already when the click was early; only its failure is left to answer.
      if (early ? opened : await open(deps, chat, triggerId, denyModal(session), deadlines.view)) return;
      return refuse({ kind: 'view_failed' });
    case 'open_force_modal':
      if (await open(deps, chat, triggerId, forceModal(session), deadlines.view)) return;
      return refuse({ kind: 'view_failed' });
    case 'approve':
      try {
        const after = await reviewSession(deps, found.who, sessionId, { decision: 'approve', via: 'slack' });
        // Another click of the same person got there first (a double click, or Slack's retry).
        const before = session.approvals.length;
        if (after.status === 'pending_review' && after.approvals.length === before) {
          return refuse({ kind: 'already_approved', approvals: after.approvals.length, required: after.approvalsRequired });
        }
      } catch (error) {
        // An approval no step can take now (its step is met, or an earlier step comes first): the review stays open.
        if (error instanceof ConflictError && STEP_REFUSALS.includes(error.code)) return refuse({ kind: 'step_refused', message: error.message });
        if (error instanceof ConflictError) return refuse({ kind: 'review_closed', status: String(error.details?.status ?? 'decided') });
        throw error;
      }
  }
}

async function onSubmit(deps: Deps, chat: ChatGateway, interaction: ViewSubmission, deadline: number): Promise<InteractionAnswer> {
  const { view } = interaction;
  if (view.callback_id !== VIEW_DENY && view.callback_id !== VIEW_FORCE) return undefined;
  const errors = (message: string): InteractionAnswer => ({ response_action: 'errors', errors: { [REASON_BLOCK]: message } });

  const sessionId = sessionIdOfView(view.private_metadata) ?? '';
  if (!SESSION_ID.test(sessionId)) return errors(refusalText({ kind: 'no_session', sessionId }));
  const found = await identify(deps, chat, interaction.user.id, deadline);
  if ('refusal' in found) return errors(refusalText(found.refusal));
  const session = await deps.sessions.get(sessionId);
  if (!session) return errors(refusalText({ kind: 'no_session', sessionId }));

  // Checked again on submit: the review may have closed, or the person's groups changed, since the click.
  const expected = view.callback_id === VIEW_DENY ? 'open_deny_modal' : 'open_force_modal';
  const submitted = { decision: view.callback_id === VIEW_DENY ? 'deny' : 'approve', force: view.callback_id === VIEW_FORCE } as const;
  const decision = decideClick(session, found.who, submitted.decision);
  if (decision.kind === 'refuse') {
    await recordRefusal(deps, found.who, sessionId, decision.refusal, submitted, interaction.user.id);
    return errors(refusalText(decision.refusal));
  }
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
