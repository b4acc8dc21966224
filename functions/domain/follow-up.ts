/**
 * Break-glass follow-up: every forced approval opens a follow-up on its session, due `followUpHours`
 * (48 by default) later, which an approver of the rule other than the person who forced it closes as
 * `acknowledged` or `flagged`, with a note. Auditors ask that every break-glass be reviewed within 48 h;
 * the follow-up is that review, recorded in the session's chain (`follow_up.closed`).
 */
import { ConflictError, ForbiddenError } from './errors';
import { type Actor, actorOf, type Identity, samePerson } from './identity';
import type { Session } from './session-shape';

export const DEFAULT_FOLLOW_UP_HOURS = 48;
export const MAX_FOLLOW_UP_HOURS = 30 * 24;
export const FOLLOW_UP_OUTCOMES = ['acknowledged', 'flagged'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];

export interface FollowUp {
  readonly status: 'open' | FollowUpOutcome;
  readonly dueAt: string;
  readonly closedBy?: Actor;
  readonly closedAt?: string;
  readonly note?: string;
}

/** The follow-up a forced approval at `at` opens under a rule with `followUpHours` (48 when absent). */
export const openFollowUp = (at: Date, followUpHours: number | undefined): FollowUp => ({
  status: 'open',
  dueAt: new Date(at.getTime() + (followUpHours ?? DEFAULT_FOLLOW_UP_HOURS) * 3600_000).toISOString(),
});

export const isOverdue = (followUp: FollowUp | undefined, now: Date): boolean =>
  followUp?.status === 'open' && Date.parse(followUp.dueAt) < now.getTime();

/** The person who forced the session's approval (the last forced approval on it). */
const forcerOf = (session: Session) => [...session.approvals].reverse().find((approval) => approval.forced);

/**
 * Closes a session's follow-up for `who`, or throws why not. Order: who may close it first, an
 * approver of the rule (403 `not_approver`), so that no one else learns whether a session was forced;
 * then a session with no open follow-up answers 409 (`no_follow_up`, `follow_up_closed`); then the
 * person who forced it may not close it (403 `follow_up_forcer`).
 */
export function closeFollowUp(
  session: Session,
  who: Identity,
  request: { readonly outcome: FollowUpOutcome; readonly note?: string },
  isApprover: boolean,
  now: Date,
): FollowUp {
  // Who may act is checked before what the session holds: a person who may not close follow-ups learns
  // nothing about whether this session was forced or closed.
  if (!isApprover) {
    throw new ForbiddenError(`Only approvers of rule ${session.rule?.name ?? ''} (${session.rule?.approvalGroups.join(', ') ?? ''}) can close this follow-up.`, 'not_approver');
  }
  const followUp = session.followUp;
  if (!followUp) throw new ConflictError(`Session ${session.id} was not force-approved; it has no follow-up.`, 'no_follow_up');
  if (followUp.status !== 'open') {
    throw new ConflictError(`The follow-up of session ${session.id} is already ${followUp.status}.`, 'follow_up_closed', { status: followUp.status });
  }
  const forcer = forcerOf(session);
  if (forcer && samePerson(forcer, who)) {
    throw new ForbiddenError('You forced this approval; another approver has to follow it up.', 'follow_up_forcer');
  }
  const note = request.note?.trim();
  return { ...followUp, status: request.outcome, closedBy: actorOf(who), closedAt: now.toISOString(), ...(note ? { note } : {}) };
}
