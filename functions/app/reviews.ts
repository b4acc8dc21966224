/**
 * The approver's use cases: decide on a session, and list what waits for the caller's decision.
 * The domain decides what a request means; the store applies it with conditional writes; exactly the
 * writer whose approval completes the count (or the one who denies) resumes the workflow.
 */
import { actorOf, type Identity, samePerson } from '../domain/identity';
import { ConflictError, NotFoundError } from '../domain/errors';
import { openFollowUp } from '../domain/follow-up';
import { type Approval, canForce, decideReview, isApprover, mayReview, ReviewRefusedError, type ReviewRequest, type Session } from '../domain/session';
import { recordSecurityEvent, recordSessionEvent } from './audit-trail';
import type { ReviewItem } from './api-views';
import type { Deps } from './ports';
import { resumeWorkflow } from './sessions';

/**
 * Decides on a session for `who`, a reviewer resolved through the directory (functions/app/people.ts),
 * whichever path the decision came by. Concurrent approvals of one person count once (the store's
 * conditional write on the person key decides); the writer that completes the count resumes the workflow.
 */
export async function reviewSession(deps: Deps, who: Identity, id: string, request: ReviewRequest): Promise<Session> {
  const current = await deps.sessions.get(id);
  if (!current) throw new NotFoundError(`Session ${id} does not exist.`);
  let action;
  try {
    action = decideReview(current, who, request, deps.clock.now());
  } catch (error) {
    if (error instanceof ReviewRefusedError) {
      await recordSecurityEvent(deps, 'security.review_refused', actorOf(who), {
        sessionId: id,
        code: error.code,
        decision: request.decision,
        force: request.force ?? false,
        via: request.via,
        groups: who.groups,
      });
    }
    throw error;
  }

  let session: Session;
  switch (action.kind) {
    case 'already_approved':
      return current;
    case 'deny':
      session = await deps.sessions.deny(id, action.denial);
      await recordSessionEvent(deps, id, 'review.denied', actorOf(who), { denial: action.denial });
      deps.metrics.count('SessionsDenied');
      await resumeWorkflow(deps, id, 'deny');
      break;
    case 'force':
      session = await deps.sessions.forceApprove(id, action.approval, openFollowUp(new Date(action.approval.at), current.rule?.followUpHours));
      await recordSessionEvent(deps, id, 'review.forced', actorOf(who), { approval: action.approval, followUp: session.followUp });
      await recordSessionEvent(deps, id, 'session.approved', actorOf(who), { forced: true, approvals: session.approvals.length });
      deps.metrics.count('SessionsForced');
      countApproval(deps, session);
      await resumeWorkflow(deps, id, 'approve');
      break;
    case 'approve': {
      const { outcome, approval } = await addApproval(deps, who, current, request, action.approval);
      session = outcome.session;
      const mine = session.approvals.some((given) => samePerson(given, who));
      if (outcome.counted) {
        await recordSessionEvent(deps, id, 'review.approved', actorOf(who), {
          approval,
          approvals: session.approvals.length,
          required: session.approvalsRequired,
        });
      } else if (mine && session.approvals.length < session.approvalsRequired) {
        return session;
      }
      // Whoever finds the count met closes the review (this approval's own write may have: see
      // addApproval); this also finishes the job of a writer that met it and crashed before closing.
      // Only the one conditional write that succeeds resumes the workflow.
      if (session.approvals.length >= session.approvalsRequired) {
        const closedByThisApproval = outcome.counted && session.status === 'approved';
        const approved = closedByThisApproval ? session : await deps.sessions.markApproved(id, approval.at);
        if (approved) {
          session = approved;
          await recordSessionEvent(deps, id, 'session.approved', actorOf(who), {
            forced: false,
            approvals: approved.approvals.length,
            approvers: approved.approvals.map((a) => a.email),
          });
          countApproval(deps, approved);
          await resumeWorkflow(deps, id, 'approve');
        } else if (!outcome.counted) {
          session = (await deps.sessions.get(id)) ?? session;
        }
      }
      if (!outcome.counted && !mine) {
        throw new ConflictError(`Session ${id} already has the ${session.approvalsRequired} approval(s) it needs; its review is closed.`, 'review_closed', {
          status: session.status,
        });
      }
      break;
    }
  }
  await notifyQuietly(deps, session);
  return session;
}

/**
 * Adds an approval through the store's conditional write. An approval toward an approval step that
 * lost a race for that step (another approver filled it since `current` was read) is decided again
 * against the session as it now is: it counts toward the next step the person qualifies for, or is
 * refused (409 step_met / step_not_open). Each retry follows a step filling up, so there are at most
 * as many as there are steps.
 */
async function addApproval(deps: Deps, who: Identity, current: Session, request: ReviewRequest, first: Approval) {
  let approval = first;
  let outcome = await deps.sessions.addApproval(current.id, approval, meetingCount(current));
  for (let tries = current.rule?.approvalSteps?.length ?? 0; tries > 0 && approval.step !== undefined && !outcome.counted; tries--) {
    const after = outcome.session;
    // Closed, met (whoever finds it met closes it, below), or this person's own approval counted meanwhile.
    if (after.status !== 'pending_review' || after.approvals.length >= after.approvalsRequired || after.approvals.some((given) => samePerson(given, who))) break;
    const again = decideReview(after, who, request, deps.clock.now());
    if (again.kind !== 'approve') break;
    approval = again.approval;
    outcome = await deps.sessions.addApproval(current.id, approval, meetingCount(after));
  }
  return { outcome, approval };
}

/** The count a session was read with, when one more approval meets its requirement: that approval's write closes the review too. */
const meetingCount = (session: Session): number | undefined =>
  session.approvals.length + 1 === session.approvalsRequired ? session.approvals.length : undefined;

/** Counts an approval and how long the review took, once, by the writer that opened the session. */
function countApproval(deps: Deps, session: Session): void {
  deps.metrics.count('SessionsApproved');
  if (session.decidedAt) deps.metrics.approvalLatency(Date.parse(session.decidedAt) - Date.parse(session.createdAt));
}

/**
 * Tells people about a change in the background (functions/app/notifications.ts): the caller, a Slack
 * click among them, answers without waiting for chat APIs, and a notification failure never undoes or
 * fails a decision that is already recorded.
 */
export async function notifyQuietly(deps: Deps, session: Session): Promise<void> {
  // A command no rule covers has no review message to redraw and tells its requester nothing
  // (domain/slack-message.ts milestonesReached): its outcome is in the API's answer. No job to queue.
  if (!session.rule && !session.notification) return;
  try {
    await deps.notifications.enqueue({ kind: 'session', sessionId: session.id });
  } catch (error) {
    await recordSessionEvent(deps, session.id, 'notification.failed', { system: 'notifier' }, {
      error: (error as Error).message,
      status: session.status,
    });
  }
}

export async function listReviews(deps: Deps, who: Identity, limit: number): Promise<ReviewItem[]> {
  const pending = await deps.sessions.pendingFor(who.groups, limit);
  return pending
    .filter((session) => mayReview(who, session))
    .map((session) => ({
      session,
      canApprove: !samePerson(session.requester, who) && isApprover(who, session),
      canForce: canForce(who, session),
      approvedByYou: session.approvals.some((a) => samePerson(a, who)),
    }));
}
