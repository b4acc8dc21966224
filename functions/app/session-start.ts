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
import { recordSessionEvent } from './audit-trail';
import type { Deps } from './ports';

export async function recordRequest(deps: Deps, who: Identity, session: Session): Promise<void> {
  await deps.sessions.create(session);
  await recordSessionEvent(deps, session.id, 'session.requested', actorOf(who), {
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
  // The frozen decision travels as the execution's input: no Task has to look it up.
  await deps.workflow.start(session.id, routeOf(session, deps.clock.now()));
  return session;
}
