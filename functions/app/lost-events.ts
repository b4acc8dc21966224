/**
 * Repairs the record of a session whose writer died between storing the session and appending the event
 * that records the change (domain/session-outcome.ts): an outcome, or an approval.
 *
 * An outcome is repaired only where a task meets the session already closed by someone else: Execute
 * (and the run) delivered again or after a denial, Expire after a decision, Record with a caught failure,
 * the reconciler, EndWindow. A task that closes the session itself appends the event in the same
 * invocation, so a command's common path reads nothing more for it. Approvals are checked once, before
 * an approved command runs or a window opens: one read of a reviewed session's events.
 */
import { closerMayBeAtWork, RunInProgressError } from '../domain/command-run';
import type { Session } from '../domain/session';
import { lostApprovalEvents, outcomeEventOf } from '../domain/session-outcome';
import { recordSessionEvent, sessionStream } from './audit-trail';
import type { Deps } from './ports';

/**
 * Appends the outcome event of a closed session when its stream lacks it. Given `claimSeconds` (a caller
 * that may overlap the invocation that closed the session: the run's deliveries, the reconciler of a
 * stopped execution), a session closed less than that ago may belong to an invocation still appending
 * it: this one throws RunInProgressError and is delivered again later, so the event is never appended
 * twice. Without it, the caller never overlaps that invocation.
 */
export async function recordLostOutcome(deps: Pick<Deps, 'events' | 'clock'>, session: Session, claimSeconds?: number): Promise<void> {
  const outcome = outcomeEventOf(session, deps.clock.now());
  if (!outcome) return;
  const events = await deps.events.list(sessionStream(session.id));
  if (events.some((event) => event.type === outcome.type)) return;
  if (claimSeconds !== undefined && closerMayBeAtWork(session, deps.clock.now(), claimSeconds)) throw new RunInProgressError(session.id);
  await recordSessionEvent(deps, session.id, outcome.type, outcome.actor, outcome.details);
}

/**
 * Appends the approval events the record lacks, before an approved command runs or a window opens: the
 * record shows every approval the rule required ahead of `session.running`, even when an approver's
 * request died between storing the approval and appending its event. Reads the events of reviewed
 * sessions only; a command no rule covers, or approved by a window or as read-only, has no approvals.
 */
export async function recordLostApprovals(deps: Pick<Deps, 'events' | 'clock'>, session: Session): Promise<void> {
  if (!session.approvals.length) return;
  const lost = lostApprovalEvents(session, await deps.events.list(sessionStream(session.id)), deps.clock.now());
  for (const event of lost) await recordSessionEvent(deps, session.id, event.type, event.actor, event.details);
}
