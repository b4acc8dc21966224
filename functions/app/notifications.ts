/**
 * Notification work: posting the review request, redrawing it after every change, the requester's
 * direct messages and the private answers to clicks (in the channel, or in a modal). None of it may hold up or undo a decision, so
 * after the workflow's first post it all runs as background jobs (NotificationQueue): the caller
 * answers at once, and a job that fails records Slack's error on the session and fails, so the queue
 * runs it again. Jobs read the session afresh and draw it as it is, so jobs that run late or out of
 * order still leave the message telling the truth.
 */
import type { Session } from '../domain/session';
import { refusalModal } from '../domain/slack-message';
import { recordSessionEvent, SYSTEM } from './audit-trail';
import type { Deps, NotificationJob } from './ports';
import { decideApproveClick } from './slack-reviews';

/** How many times a redraw follows a session that keeps changing while it is drawn. */
const MAX_REDRAWS = 3;

/** Records a failed notification with the chat platform's own error code; the session is untouched. */
export async function recordNotificationFailure(deps: Deps, sessionId: string, work: NotificationJob['kind'], error: unknown): Promise<void> {
  const { message, code } = error as { message?: string; code?: string };
  await recordSessionEvent(deps, sessionId, 'notification.failed', { system: 'notifier' }, {
    work,
    error: message ?? String(error),
    ...(code ? { code } : {}),
  });
}

/** Posts the review request for a session still waiting for one, and keeps where it went on the session. */
export async function postReviewRequest(deps: Deps, session: Session): Promise<void> {
  const notification = await deps.notifier.reviewRequested(session);
  if (notification) await deps.sessions.saveNotification(session.id, notification);
  await recordSessionEvent(deps, session.id, 'review.requested', SYSTEM, {
    approvalGroups: session.rule?.approvalGroups,
    forceApprovalGroups: session.rule?.forceApprovalGroups,
    expiresAt: session.expiresAt,
    notification: notification ?? null,
  });
  if (!notification) return;
  // A decision taken while the message was on its way was drawn without it: draw the session as it is now.
  const now = await deps.sessions.get(session.id);
  if (now && now.updatedAt !== session.updatedAt) await deps.notifications.enqueue({ kind: 'session', sessionId: session.id });
}

/** Redraws the message from the session as it is now, and sends the requester what they have not had yet. */
async function redraw(deps: Deps, sessionId: string): Promise<void> {
  for (let pass = 0; pass < MAX_REDRAWS; pass++) {
    const session = await deps.sessions.get(sessionId);
    if (!session) return;
    await deps.notifier.sessionChanged(session, session.notification);
    // Another job may have drawn an older state after ours; whoever sees a change draws again, so the
    // last drawing is always of the latest state.
    const after = await deps.sessions.get(sessionId);
    if (!after || after.updatedAt === session.updatedAt) return;
  }
}

/** Runs one job; a failure is recorded and rethrown so the queue retries it. */
export async function runNotificationJob(deps: Deps, job: NotificationJob): Promise<void> {
  switch (job.kind) {
    case 'review': {
      const session = await deps.sessions.get(job.sessionId);
      // Decided meanwhile (nobody needs the request now), or posted by an earlier attempt.
      if (!session || session.status !== 'pending_review' || session.notification) return;
      try {
        await postReviewRequest(deps, session);
      } catch (error) {
        await recordNotificationFailure(deps, job.sessionId, job.kind, error);
        throw error;
      }
      return;
    }
    case 'session':
      try {
        await redraw(deps, job.sessionId);
      } catch (error) {
        await recordNotificationFailure(deps, job.sessionId, job.kind, error);
        throw error;
      }
      return;
    case 'reply':
      // Answers to clicks belong to no session and are recorded nowhere: the click changed nothing.
      await deps.chat?.reply(job.replyTo, job.text);
      return;
    case 'view':
      // The same answer, in the modal that opened before accessgate knew who clicked. A modal closed
      // or submitted meanwhile needs no explanation any more (a submission was refused on its own).
      await deps.chat?.updateView(job.viewId, refusalModal(job.text), job.hash);
      return;
    case 'approve_click':
      // The decision itself, after Slack had its acknowledgement; its outcome is drawn like any other.
      await decideApproveClick(deps, job);
      return;
  }
}
