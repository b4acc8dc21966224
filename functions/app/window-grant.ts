/**
 * Which access window, if any, approves a command at submission (functions/domain/window.ts).
 */
import type { Identity } from '../domain/identity';
import type { Session } from '../domain/session';
import { grants } from '../domain/window';
import type { Deps } from './ports';

/** A person has few windows open on one resource at a time; more than this many is never needed. */
const MAX_ACTIVE_WINDOWS = 10;

/**
 * The requester's window that grants a command on this resource now, if any. The status alone is not
 * trusted: the time is checked against windowEndsAt here, at submission, with the composition's clock.
 */
export async function activeGrant(deps: Pick<Deps, 'sessions' | 'clock'>, who: Identity, resourceId: string): Promise<Session | undefined> {
  const now = deps.clock.now();
  const page = await deps.sessions.list({ kind: 'requester', sub: who.sub }, { status: 'active', resource: resourceId }, MAX_ACTIVE_WINDOWS);
  return page.items.find((window) => grants(window, who, resourceId, now));
}
