/**
 * Break-glass follow-up use cases (functions/domain/follow-up.ts): approvers list the open follow-ups
 * of sessions they review, and one other than the forcer closes each. The store's conditional write
 * on `followUp.status = open` decides a race between two closers: the first wins, the other gets 409.
 */
import { ConflictError, NotFoundError } from '../domain/errors';
import { closeFollowUp, type FollowUp, type FollowUpOutcome, isOverdue } from '../domain/follow-up';
import { actorOf, type Identity } from '../domain/identity';
import { isApprover, type Session } from '../domain/session';
import { recordSessionEvent } from './audit-trail';
import type { FollowUpItem } from './api-views';
import type { Deps } from './ports';

/** Open follow-ups of forced sessions under rules the caller approves for, oldest due first. */
export async function listFollowUps(deps: Deps, who: Identity, limit: number): Promise<FollowUpItem[]> {
  const now = deps.clock.now();
  const open: Session[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.sessions.list({ kind: 'review_group', groups: who.groups }, { forced: true }, 100, cursor);
    open.push(...page.items.filter((session) => session.followUp?.status === 'open' && isApprover(who, session)));
    cursor = page.cursor;
  } while (cursor && open.length < limit);
  return open
    .sort((a, b) => a.followUp!.dueAt.localeCompare(b.followUp!.dueAt))
    .slice(0, limit)
    .map((session) => ({ session, overdue: isOverdue(session.followUp, now) }));
}

export async function followUpSession(
  deps: Deps,
  who: Identity,
  id: string,
  request: { readonly outcome: FollowUpOutcome; readonly note?: string },
): Promise<Session> {
  const current = await deps.sessions.get(id);
  if (!current) throw new NotFoundError(`Session ${id} does not exist.`);
  const followUp: FollowUp = closeFollowUp(current, who, request, isApprover(who, current), deps.clock.now());
  const closed = await deps.sessions.closeFollowUp(id, followUp);
  if (!closed) {
    const status = (await deps.sessions.get(id))?.followUp?.status;
    throw new ConflictError(`The follow-up of session ${id} is already ${status ?? 'closed'}.`, 'follow_up_closed', { status });
  }
  await recordSessionEvent(deps, id, 'follow_up.closed', actorOf(who), { followUp });
  return closed;
}
