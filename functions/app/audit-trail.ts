/**
 * Where each kind of event is chained: one stream per session, one for configuration changes, and
 * one per day for security events (refused reviews, forged requests).
 */
import type { EventActor } from '../domain/audit-chain';
import type { Deps } from './ports';

export const sessionStream = (sessionId: string) => `SESSION#${sessionId}`;
export const CONFIG_STREAM = 'CONFIG';
export const securityStream = (at: string) => `SECURITY#${at.slice(0, 10)}`;

export { SYSTEM } from '../domain/identity';

export function recordSessionEvent(
  deps: Pick<Deps, 'events' | 'clock'>,
  sessionId: string,
  type: string,
  actor: EventActor,
  details: Record<string, unknown> = {},
) {
  return deps.events.append(sessionStream(sessionId), { type, actor, details, at: deps.clock.now().toISOString() });
}

/** The first event of a session the caller has just created: its stream is new (EventLog's AppendOptions.newStream). */
export function openSessionStream(deps: Pick<Deps, 'events' | 'clock'>, sessionId: string, type: string, actor: EventActor, details: Record<string, unknown>) {
  return deps.events.append(sessionStream(sessionId), { type, actor, details, at: deps.clock.now().toISOString() }, { newStream: true });
}

export function recordSecurityEvent(deps: Pick<Deps, 'events' | 'clock'>, type: string, actor: EventActor, details: Record<string, unknown>) {
  const at = deps.clock.now().toISOString();
  return deps.events.append(securityStream(at), { type, actor, details, at });
}

export function recordConfigEvent(deps: Pick<Deps, 'events' | 'clock'>, type: string, actor: EventActor, details: Record<string, unknown>) {
  return deps.events.append(CONFIG_STREAM, { type, actor, details, at: deps.clock.now().toISOString() });
}
