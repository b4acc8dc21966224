/**
 * Use cases of an access window (functions/domain/window.ts): its request, its revocation, and the
 * workflow tasks that open it once approved and end it when its time is up. Each workflow task is
 * idempotent, like those in workflow-tasks.ts: it reads the session and acts only on what it finds.
 */
import { NotFoundError, ConflictError } from '../domain/errors';
import { actorOf, type Identity } from '../domain/identity';
import { evaluateCommand } from '../domain/policy';
import { resourceSummary } from '../domain/resource';
import { ruleSnapshot } from '../domain/rule';
import { newSession, type Session } from '../domain/session';
import { assertRevocable, checkWindowRequest, isWindow, windowEnd } from '../domain/window';
import { recordSessionEvent, SYSTEM } from './audit-trail';
import { recordLostApprovals, recordLostOutcome } from './lost-events';
import type { Deps } from './ports';
import { notifyQuietly } from './reviews';
import { launchSession, recordRequest } from './session-start';

export interface WindowRequest {
  readonly resource: string;
  readonly durationSeconds?: number;
  readonly reason?: string;
}

/** Asks for an access window: checked against the rule that governs the requester there, then reviewed like a command. */
export async function requestWindow(deps: Deps, who: Identity, input: WindowRequest): Promise<Session> {
  const resource = await deps.catalog.resource(input.resource);
  if (!resource) throw new NotFoundError(`Resource "${input.resource}" does not exist.`);
  const { rule } = evaluateCommand(who, resource, await deps.catalog.rules(), input.reason);
  const durationSeconds = checkWindowRequest(rule, resource.id, input.durationSeconds);
  const session: Session = {
    ...newSession({
      id: deps.newId(),
      now: deps.clock.now(),
      requester: who,
      resource: resourceSummary(resource),
      command: '',
      reason: input.reason,
      rule: rule && ruleSnapshot(rule),
    }),
    kind: 'window',
    durationSeconds,
  };
  await recordRequest(deps, who, session);
  return launchSession(deps, session);
}

/** Ends an active window early; the next command on its resource waits for review again. */
export async function revokeWindow(deps: Deps, who: Identity, id: string): Promise<Session> {
  const current = await deps.sessions.get(id);
  if (!current) throw new NotFoundError(`Session ${id} does not exist.`);
  assertRevocable(current, who, deps.roles);
  const revoked = await deps.windows.revoke(id, { ...actorOf(who), at: deps.clock.now().toISOString() });
  if (!revoked) {
    // Its end (or another revoke) was written between the read and this write, and wins.
    const status = (await deps.sessions.get(id))?.status;
    throw new ConflictError(`Window ${id} is ${status}; only an active window can be revoked.`, 'window_not_active', { status });
  }
  await recordSessionEvent(deps, id, 'window.revoked', actorOf(who), { windowEndsAt: revoked.windowEndsAt });
  await notifyQuietly(deps, revoked);
  return revoked;
}

/** Where the workflow waits until: the window's end, or now for a window that is not (or no longer) open. */
export interface WindowWait {
  readonly windowEndsAt: string;
}

/** Task "OpenWindow": an approved window becomes active until now + its duration. */
export async function openWindow(deps: Deps, sessionId: string): Promise<WindowWait> {
  const session = await deps.sessions.get(sessionId);
  if (!session) throw new NotFoundError(`Session ${sessionId} does not exist.`);
  const now = deps.clock.now();
  if (isWindow(session) && session.status === 'approved') {
    await recordLostApprovals(deps, session);
    const opened = await deps.windows.open(sessionId, now.toISOString(), windowEnd(session, now));
    if (opened?.windowEndsAt) {
      await recordSessionEvent(deps, sessionId, 'window.active', SYSTEM, { windowEndsAt: opened.windowEndsAt, durationSeconds: opened.durationSeconds });
      await notifyQuietly(deps, opened);
      return { windowEndsAt: opened.windowEndsAt };
    }
  }
  // A re-driven execution finds the window open already: wait for the same end. Anything else
  // (revoked, ended, or a session that is no window) has nothing to wait for.
  const current = (await deps.sessions.get(sessionId)) ?? session;
  return { windowEndsAt: current.status === 'active' && current.windowEndsAt ? current.windowEndsAt : now.toISOString() };
}

/** Task "EndWindow": after the workflow's wait, an active window ends; a revoked one stays revoked. */
export async function endWindow(deps: Deps, sessionId: string): Promise<{ readonly status: Session['status'] }> {
  const ended = await deps.windows.end(sessionId, deps.clock.now().toISOString());
  if (ended) {
    await recordSessionEvent(deps, sessionId, 'window.ended', SYSTEM, { windowEndsAt: ended.windowEndsAt });
    return { status: ended.status };
  }
  const session = await deps.sessions.get(sessionId);
  if (!session) throw new NotFoundError(`Session ${sessionId} does not exist.`);
  await recordLostOutcome(deps, session);
  return { status: session.status };
}
