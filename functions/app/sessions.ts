/**
 * Use cases around a session for its requester and its readers: submit, read, list, wait, cancel.
 */
import { type Identity, actorOf, canReadEverything } from '../domain/identity';
import { ForbiddenError, NotFoundError } from '../domain/errors';
import { evaluateCommand } from '../domain/policy';
import { resourceSummary } from '../domain/resource';
import { ruleSnapshot } from '../domain/rule';
import { assertCancellable, isApprover, isSettled, mayReview, newSession, outcomeRecorded, type Session, type SqlParameter, validateCommand } from '../domain/session';
import { recordSessionEvent, sessionStream, SYSTEM } from './audit-trail';
import { judgeCommand } from './command-rules';
import { launchSession, recordRequest } from './session-start';
import { activeGrant } from './window-grant';
import type { SessionView } from './api-views';
import type { Deps, Page, SessionFilters, SessionScope } from './ports';

export interface SubmitInput {
  readonly resource: string;
  readonly command: string;
  readonly parameters?: readonly SqlParameter[];
  readonly reason?: string;
}

export async function submitSession(deps: Deps, who: Identity, input: SubmitInput): Promise<Session> {
  validateCommand(input.command, input.parameters);
  // Two independent reads: one round trip's wait, not two.
  const [resource, rules] = await Promise.all([deps.catalog.resource(input.resource), deps.catalog.rules()]);
  if (!resource) throw new NotFoundError(`Resource "${input.resource}" does not exist.`);
  const { rule } = evaluateCommand(who, resource, rules, input.reason);
  const judgement = await judgeCommand(deps, who, resource, rule, input);
  // Inside an active window of this requester on this resource, the command is approved by that
  // grant; every check above (access, reason, guardrails) has applied to it all the same.
  const grant = rule && !judgement.autoApproved ? await activeGrant(deps, who, resource.id) : undefined;
  const session = newSession({
    id: deps.newId(),
    now: deps.clock.now(),
    requester: who,
    resource: resourceSummary(resource),
    command: input.command,
    parameters: input.parameters,
    reason: input.reason,
    rule: rule && ruleSnapshot(rule),
    autoApproved: judgement.autoApproved,
    ...(grant ? { grant: grant.id } : {}),
  });
  await recordRequest(deps, who, session);
  if (judgement.autoApproved) {
    await recordSessionEvent(deps, session.id, 'session.auto_approved', SYSTEM, { autoApprove: 'read-only', rule: session.rule?.name, statements: judgement.classification });
  }
  return launchSession(deps, session);
}

/** Who may read a session: its requester, admins and auditors, and the people asked to review it. */
export function assertMayRead(deps: Pick<Deps, 'roles'>, who: Identity, session: Session): void {
  if (who.sub === session.requester.sub || canReadEverything(who, deps.roles) || mayReview(who, session) || isApprover(who, session)) return;
  throw new ForbiddenError(`You may not read session ${session.id}.`, 'session_not_visible');
}

export async function readSession(deps: Deps, who: Identity, id: string): Promise<SessionView> {
  const session = await deps.sessions.get(id);
  if (!session) throw new NotFoundError(`Session ${id} does not exist.`);
  assertMayRead(deps, who, session);
  return viewOf(deps, who, session);
}

/** The view of a session just read and allowed to `who`: its events, read after it, and its result. */
async function viewOf(deps: Deps, who: Identity, session: Session): Promise<SessionView> {
  const id = session.id;
  const requester = who.sub === session.requester.sub;
  const [events, result, databaseError] = await Promise.all([
    deps.events.list(sessionStream(id)),
    // Rows are production data, and a database's error message can quote them: only the person who
    // ran the command gets either back.
    session.status === 'done' && requester ? deps.results.get(id) : undefined,
    session.status === 'failed' && requester ? deps.results.failure(id) : undefined,
  ]);
  return { session, events, ...(result ? { result } : {}), ...(databaseError ? { databaseError } : {}) };
}

/** Polls start fast (a command with no review finishes in tens of ms) and back off to spare reads. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;

/**
 * Holds until the session needs nobody's action (or, given `after`, until it changed since that
 * updatedAt), or `seconds` pass. API Gateway's 30 s limit keeps `seconds` at 25 or less.
 */
export async function waitForSession(deps: Deps, who: Identity, id: string, seconds: number, after?: string): Promise<SessionView> {
  const deadline = Date.now() + seconds * 1000;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(MAX_POLL_MS, pause * 1.5)) {
    const session = await deps.sessions.get(id);
    if (!session) throw new NotFoundError(`Session ${id} does not exist.`);
    assertMayRead(deps, who, session);
    const ready = after ? session.updatedAt !== after : isSettled(session.status);
    if (ready || Date.now() >= deadline) {
      // The outcome's event is appended just after the status it records: a view read between the two
      // would show `done` without `session.done`, so it is read again until it holds both. Its events
      // are read after the session, so the session just polled is the view's.
      const view = await viewOf(deps, who, session);
      if (Date.now() >= deadline || outcomeRecorded(view.session.status, view.events.map((event) => event.type))) return view;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
  }
}

export type ListScope = 'mine' | 'reviewable' | 'all';

export async function listSessions(
  deps: Deps,
  who: Identity,
  request: { scope?: ListScope; filters: SessionFilters; limit: number; cursor?: string },
): Promise<Page<Session>> {
  const everything = canReadEverything(who, deps.roles);
  const scopeName = request.scope ?? (everything ? 'all' : 'mine');
  let scope: SessionScope;
  if (scopeName === 'all') {
    if (!everything) throw new ForbiddenError('Only admins and auditors can list every session.', 'scope_not_allowed');
    scope = { kind: 'all' };
  } else if (scopeName === 'reviewable') {
    scope = { kind: 'review_group', groups: who.groups };
  } else {
    scope = { kind: 'requester', sub: who.sub };
  }
  return deps.sessions.list(scope, request.filters, request.limit, request.cursor);
}

export async function cancelSession(deps: Deps, who: Identity, id: string): Promise<Session> {
  const current = await deps.sessions.get(id);
  if (!current) throw new NotFoundError(`Session ${id} does not exist.`);
  assertCancellable(current, who);
  const session = await deps.sessions.cancel(id, deps.clock.now().toISOString());
  await recordSessionEvent(deps, id, 'session.cancelled', actorOf(who));
  await resumeWorkflow(deps, id, 'cancel');
  return session;
}

/** Resumes a waiting review. No token yet means the wait has not begun; its task will see the decision. */
export async function resumeWorkflow(deps: Deps, id: string, decision: 'approve' | 'deny' | 'cancel'): Promise<void> {
  const token = await deps.sessions.taskToken(id);
  if (token) await deps.workflow.resume(token, { decision });
}
