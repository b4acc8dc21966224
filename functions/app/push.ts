/**
 * Use cases of the push to waiting clients. A client that waits on a session (the requester for the
 * outcome, a reviewer for the decision of others) opens a WebSocket connection, watches the session,
 * and is told each time it changes; nothing is held open on the server while nobody decides. The
 * watch is refused exactly where GET /sessions/{id} would refuse the read, and each push is checked
 * again against the person who opened the connection.
 */
import { NotFoundError } from '../domain/errors';
import type { Identity } from '../domain/identity';
import type { Session } from '../domain/session';
import type { PushDeps, SessionChange } from './push-ports';
import { assertMayRead } from './sessions';

/** API Gateway ends a WebSocket connection after two hours at most: no watch needs to outlive that. */
export const CONNECTION_LIFETIME_MS = 2 * 60 * 60 * 1000;

export const sessionChange = (session: Session): SessionChange => ({
  type: 'session',
  sessionId: session.id,
  status: session.status,
  updatedAt: session.updatedAt,
});

/**
 * Starts pushing changes of the session to the connection. Answers the session's state now, so a client
 * that read the session before watching it can tell whether it missed a change in between.
 */
export async function watchSession(deps: PushDeps, who: Identity, connectionId: string, sessionId: string): Promise<SessionChange> {
  const session = await deps.sessions.get(sessionId);
  if (!session) throw new NotFoundError(`Session ${sessionId} does not exist.`);
  assertMayRead(deps, who, session);
  await deps.watchers.watch(sessionId, { connectionId, who }, new Date(deps.clock.now().getTime() + CONNECTION_LIFETIME_MS));
  return sessionChange(session);
}

export interface PushOutcome {
  readonly sent: number;
  /** Connections that had ended; they are forgotten. */
  readonly gone: number;
  /** Watchers who may not read the session (none unless access changed since they watched). */
  readonly refused: number;
}

/** Tells every connection watching the session that it changed; forgets those that have ended. */
export async function pushSessionChange(deps: PushDeps, session: Session): Promise<PushOutcome> {
  const watchers = await deps.watchers.watchers(session.id);
  const message = sessionChange(session);
  const outcomes = await Promise.all(
    watchers.map(async (watcher) => {
      try {
        assertMayRead(deps, watcher.who, session);
      } catch {
        return 'refused' as const;
      }
      const outcome = await deps.channel.send(watcher.connectionId, message);
      if (outcome === 'gone') await deps.watchers.forget(session.id, watcher.connectionId);
      return outcome;
    }),
  );
  const count = (kind: string) => outcomes.filter((outcome) => outcome === kind).length;
  return { sent: count('sent'), gone: count('gone'), refused: count('refused') };
}
