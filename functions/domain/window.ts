/**
 * Access windows: a reviewed grant to run commands on one resource, for a bounded time, without a
 * review per command. A window is a session of `kind: "window"` with no command; it is reviewed like
 * a command, then lives as
 *
 *   approved ──open──▶ active ──time──▶ ended
 *                         └──revoke──▶ revoked
 *
 * While it is active and before `windowEndsAt`, each command its requester submits on its resource
 * is still its own session, approved by the grant (`grant: <window session id>`). Time is checked at
 * every submission: a window whose end has passed grants nothing even if its status still says
 * active (the workflow's End task may run late). Pure: no I/O.
 */
import { ConflictError, ForbiddenError, InvalidInputError } from './errors';
import { type Identity, type RoleGroups, inAnyGroup, isAdmin } from './identity';
import type { Rule } from './rule';
import type { Session } from './session';

export const isWindow = (session: Session): boolean => session.kind === 'window';

/**
 * Checks a window request against the rule that governs the requester on the resource (the same
 * strictest rule a command would meet, so a lenient rule cannot open a window around a strict one).
 * Returns the checked duration, or throws a 400 naming the field at fault.
 */
export function checkWindowRequest(rule: Rule | undefined, resourceId: string, durationSeconds: number | undefined): number {
  if (!rule?.maxWindowSeconds) {
    throw new InvalidInputError(
      `kind: no rule that covers you on "${resourceId}" allows access windows${rule ? ` (rule "${rule.name}" sets no maxWindowSeconds)` : ''}; submit single commands instead.`,
      { fields: ['kind'] },
    );
  }
  if (durationSeconds === undefined) throw new InvalidInputError('durationSeconds: a window needs its length in seconds', { fields: ['durationSeconds'] });
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1) {
    throw new InvalidInputError('durationSeconds: must be a whole number of seconds, at least 1', { fields: ['durationSeconds'] });
  }
  if (durationSeconds > rule.maxWindowSeconds) {
    throw new InvalidInputError(`durationSeconds: rule "${rule.name}" allows windows of at most ${rule.maxWindowSeconds} seconds`, {
      fields: ['durationSeconds'],
    });
  }
  return durationSeconds;
}

/** When a window approved now closes. */
export const windowEnd = (session: Session, now: Date): string => new Date(now.getTime() + (session.durationSeconds ?? 0) * 1000).toISOString();

/**
 * Whether this window lets this person run a command on this resource at `now`: only its requester,
 * only its resource, only while active, and only before windowEndsAt.
 */
export function grants(window: Session, who: Identity, resourceId: string, now: Date): boolean {
  return (
    isWindow(window) &&
    window.status === 'active' &&
    window.requester.sub === who.sub &&
    window.resource.id === resourceId &&
    !!window.windowEndsAt &&
    now.getTime() < Date.parse(window.windowEndsAt)
  );
}

/** Seconds a window has left at `now` (0 once it has passed). */
export const windowSecondsLeft = (window: Session, now: Date): number =>
  window.windowEndsAt ? Math.max(0, Math.ceil((Date.parse(window.windowEndsAt) - now.getTime()) / 1000)) : 0;

/**
 * Whether this person may revoke this session now, or why not: its requester, an approver of its
 * rule or an admin may (others 403); only a window can be revoked (400), only while active (409).
 */
export function assertRevocable(session: Session, who: Identity, roles: RoleGroups): void {
  const approver = !!session.rule && inAnyGroup(who, session.rule.approvalGroups);
  if (who.sub !== session.requester.sub && !approver && !isAdmin(who, roles)) {
    throw new ForbiddenError(`Only the requester, an approver of its rule or an admin can revoke session ${session.id}.`, 'not_revoker');
  }
  if (!isWindow(session)) throw new InvalidInputError(`id: session ${session.id} is a command, not an access window; only a window can be revoked`, { fields: ['id'] });
  if (session.status !== 'active') {
    throw new ConflictError(`Window ${session.id} is ${session.status}; only an active window can be revoked.`, 'window_not_active', { status: session.status });
  }
}

/** A window's length in people's words: "45 s", "30 min", "2 h", "1 h 30 min". */
export function describeDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  if (!hours) return `${minutes} min`;
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
}
