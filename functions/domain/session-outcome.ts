/**
 * The events appended just after a session is closed or approved, rebuilt from the session. Their writer
 * stores the session first and the event second, and can die between the two (a Lambda killed or timed
 * out): the next task to meet the session appends what is missing, so the record never ends at
 * `session.running` behind a session that is done, nor shows a command running without its approvals.
 * Pure: no I/O.
 */
import type { AuditEvent } from './audit-event';
import { actorOf, type EventActor, SYSTEM } from './identity';
import type { Approval, Session } from './session';

/**
 * How long the request that stored a person's decision may still be at work appending its event: longer
 * than any function that stores one may run (the sessions API 29 s: cancel, revoke; the reviews API 10 s;
 * Slack's interactions 5 s; a stack test holds them to it), plus clock skew. Younger, a missing event may
 * only be late.
 */
export const DECISION_REQUEST_SECONDS = 60;

/** True once the request that decided at `at` can no longer be at work. */
const decidedLongAgo = (at: string, now: Date) => now.getTime() - Date.parse(at) >= DECISION_REQUEST_SECONDS * 1000;

export interface OutcomeEvent {
  readonly type: string;
  readonly actor: EventActor;
  readonly details: Record<string, unknown>;
}

/**
 * The outcome event of a closed session, with the actor and details its writer gives it: done, failed,
 * expired and a window ended (accessgate's own), denied (the denial names its reviewer), cancelled (only
 * its requester cancels) and revoked (the window keeps who revoked it). Undefined for every open status,
 * and for a person's decision younger than DECISION_REQUEST_SECONDS at `now`, whose request may still
 * append it (a denial at the moment the review's window ends meets Expire).
 */
export function outcomeEventOf(session: Session, now: Date): OutcomeEvent | undefined {
  switch (session.status) {
    case 'done':
      return session.result && { type: 'session.done', actor: SYSTEM, details: { result: session.result } };
    case 'failed':
      return session.error && { type: 'session.failed', actor: SYSTEM, details: { error: session.error } };
    case 'expired':
      return { type: 'session.expired', actor: SYSTEM, details: { expiresAt: session.expiresAt, approvals: session.approvals.length } };
    case 'denied':
      if (!session.denial || !decidedLongAgo(session.denial.at, now)) return undefined;
      return { type: 'review.denied', actor: actorOf(session.denial), details: { denial: session.denial } };
    case 'cancelled':
      if (!session.finishedAt || !decidedLongAgo(session.finishedAt, now)) return undefined;
      return { type: 'session.cancelled', actor: actorOf(session.requester), details: {} };
    case 'revoked':
      if (!session.revokedBy || !decidedLongAgo(session.revokedBy.at, now)) return undefined;
      return { type: 'window.revoked', actor: actorOf(session.revokedBy), details: { windowEndsAt: session.windowEndsAt } };
    case 'ended':
      return { type: 'window.ended', actor: SYSTEM, details: { windowEndsAt: session.windowEndsAt } };
    default:
      return undefined;
  }
}

const recordsApproval = (event: AuditEvent, approval: Approval) => {
  const recorded = event.details.approval as Partial<Approval> | undefined;
  return (event.type === 'review.approved' || event.type === 'review.forced') && recorded?.sub === approval.sub && recorded.at === approval.at;
};

/**
 * The approval events a session's record lacks, in the order their writers append them: each approval
 * stored on the session has its `review.approved` (`review.forced`), and a session whose approvals met
 * its rule has its `session.approved`, in the name of the approver who met it. An approval younger than
 * DECISION_REQUEST_SECONDS at `now` is left to its own request, which may still append it.
 */
export function lostApprovalEvents(session: Session, recorded: readonly AuditEvent[], now: Date): OutcomeEvent[] {
  const lost: OutcomeEvent[] = [];
  session.approvals.forEach((approval, index) => {
    if (!decidedLongAgo(approval.at, now) || recorded.some((event) => recordsApproval(event, approval))) return;
    const actor = actorOf(approval);
    lost.push(
      approval.forced
        ? { type: 'review.forced', actor, details: { approval, followUp: session.followUp } }
        : { type: 'review.approved', actor, details: { approval, approvals: index + 1, required: session.approvalsRequired } },
    );
  });
  const closing = session.forced ? session.approvals.find((approval) => approval.forced) : session.approvals[session.approvalsRequired - 1];
  if (closing && decidedLongAgo(closing.at, now) && !recorded.some((event) => event.type === 'session.approved')) {
    lost.push({
      type: 'session.approved',
      actor: actorOf(closing),
      details: session.forced
        ? { forced: true, approvals: session.approvals.length }
        : { forced: false, approvals: session.approvals.length, approvers: session.approvals.map((approval) => approval.email) },
    });
  }
  return lost;
}
