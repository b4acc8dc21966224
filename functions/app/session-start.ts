/**
 * What every new session goes through, a command or an access window: it is stored and its request
 * is the first event of its chain (recordRequest); then, once any further submission events are on
 * the chain, it is counted and its workflow starts (launchSession), so no workflow event can come
 * before them.
 */
import { actorOf, type Identity } from '../domain/identity';
import { reasonLinkOf } from '../domain/reason-format';
import type { Session } from '../domain/session';
import { routeOf } from '../domain/workflow-route';
import { openSessionStream, recordSessionEvent, SYSTEM } from './audit-trail';
import type { Deps } from './ports';

export async function recordRequest(deps: Deps, who: Identity, session: Session): Promise<void> {
  await deps.sessions.create(session);
  await openSessionStream(deps, session.id, 'session.requested', actorOf(who), {
    requesterGroups: session.requester.groups,
    resource: session.resource,
    command: session.command,
    ...(session.parameters ? { parameters: session.parameters } : {}),
    commandSha256: session.commandSha256,
    reason: session.reason,
    rule: session.rule?.name ?? null,
    approvalsRequired: session.approvalsRequired,
    ...(session.rule?.approvalSteps ? { approvalSteps: session.rule.approvalSteps, ordered: session.rule.ordered } : {}),
    ...(session.rule?.reasonPattern ? { reasonPattern: session.rule.reasonPattern } : {}),
    ...(reasonLinkOf(session) ? { reasonLink: reasonLinkOf(session) } : {}),
    status: session.status,
    ...(session.kind ? { kind: session.kind, durationSeconds: session.durationSeconds } : {}),
    ...(session.grant ? { grant: session.grant } : {}),
  });
}

export async function launchSession(deps: Deps, session: Session): Promise<Session> {
  deps.metrics.count('SessionsRequested');
  const route = routeOf(session, deps.clock.now());
  // A command approved at submission waits for nobody: it runs without the Standard workflow.
  if (route.next === 'execute') return startRun(deps, session);
  // The frozen decision travels as the execution's input: no Task has to look it up.
  await deps.workflow.start(session.id, route);
  return session;
}

/**
 * Hands the approved command to its run. Should the hand-over be refused, the session is closed as
 * failed: the run, had it been accepted after all (a lost answer), then finds it failed and sends
 * nothing, since only an approved session can be claimed.
 */
async function startRun(deps: Deps, session: Session): Promise<Session> {
  try {
    await deps.runs.start(session.id);
    return session;
  } catch (refusal) {
    deps.log.error('could not start the run of an approved command', { sessionId: session.id, error: (refusal as Error).message });
    const error = { code: 'run_not_started', message: 'The command could not be handed to its run, so it was not run. Submit it again.' };
    const failed = await deps.sessions.finish(session.id, deps.clock.now().toISOString(), { status: 'failed', error });
    if (!failed) return (await deps.sessions.get(session.id)) ?? session;
    await recordSessionEvent(deps, session.id, 'session.failed', SYSTEM, { error: failed.error });
    return failed;
  }
}
