/**
 * The work behind each Task state of statemachines/session.asl.json. Every task is idempotent: Step
 * Functions may run a task twice, and the local runtime re-drives interrupted executions from the
 * start after a restart, so each one reads the session and acts only on the state it finds.
 */
import { claimMayBeHeld, RunInProgressError } from '../domain/command-run';
import { NotFoundError } from '../domain/errors';
import { OUTCOME_UNKNOWN, OutcomeUnknownError, outcomeUnknownMessage, recordedSqlError, RowLimitExceededError, SqlError, TransientDatabaseError } from '../domain/execution';
import { rowLimitOf } from '../domain/preview';
import { commandDigest, isFinal, type Session } from '../domain/session';
import { approvedRoute, type Route, routeOf } from '../domain/workflow-route';
import { recordSessionEvent, SYSTEM } from './audit-trail';
import { recordLostApprovals, recordLostOutcome } from './lost-events';
import { previewSession } from './preview';
import { postReviewRequest, recordNotificationFailure } from './notifications';
import type { CatalogStore, Deps, SessionStore } from './ports';
import { notifyQuietly } from './reviews';

export type { Route } from '../domain/workflow-route';

/** What running a command needs: narrower than Deps, so its tests can hand in small in-memory fakes. */
export interface ExecuteOptions {
  /**
   * Set by the run of a command no rule covers, whose deliveries may overlap: a session another
   * delivery claimed less than this many seconds ago throws RunInProgressError (delivered again later)
   * instead of being closed as outcome_unknown. The workflow's Execute leaves it unset: its retries
   * never overlap an attempt still at work.
   */
  readonly claimSeconds?: number;
}

export interface ExecuteDeps extends Pick<Deps, 'events' | 'results' | 'sql' | 'clock' | 'maxRows'> {
  readonly sessions: Pick<SessionStore, 'get' | 'startRunning' | 'returnToApproved' | 'finish'>;
  readonly catalog: Pick<CatalogStore, 'resource'>;
}

/** The session, or NotFoundError: every task starts from the session as it is. */
export async function mustGet(deps: { readonly sessions: Pick<SessionStore, 'get'> }, id: string): Promise<Session> {
  const session = await deps.sessions.get(id);
  if (!session) throw new NotFoundError(`Session ${id} does not exist.`);
  return session;
}

/** running or approved → failed, recorded once: the writer that loses the race records nothing. */
async function failSession(deps: Pick<ExecuteDeps, 'sessions' | 'events' | 'clock'>, sessionId: string, code: string, message: string): Promise<Executed> {
  const failed = await deps.sessions.finish(sessionId, deps.clock.now().toISOString(), { status: 'failed', error: { code, message } });
  if (failed) await recordSessionEvent(deps, sessionId, 'session.failed', SYSTEM, { error: failed.error });
  return failed ? { status: failed.status, finished: failed } : { status: (await mustGet(deps, sessionId)).status };
}

/**
 * Routes an execution started without its route (a re-drive) on the policy decision frozen on the
 * session at submission and on the state the session is in now.
 */
export async function evaluate(deps: Deps, sessionId: string): Promise<Route> {
  const session = await mustGet(deps, sessionId);
  switch (session.status) {
    case 'pending_review':
      await deps.sessions.ensureReviewQueue(session);
      return routeOf(session, deps.clock.now());
    case 'approved':
    case 'active':
      return routeOf(session, deps.clock.now());
    case 'running':
      // Only a re-driven execution finds a session running at its start: the command may or may not
      // have been committed, and running it again could apply a change twice, so it is failed instead.
      await failSession(deps, sessionId, OUTCOME_UNKNOWN, outcomeUnknownMessage('interrupted'));
      return { next: 'record' };
    default:
      return { next: 'record' };
  }
}

/** Stores the task token, then tells approvers. A decision made before the token was stored is handed over here. */
export async function awaitReview(deps: Deps, sessionId: string, taskToken: string): Promise<void> {
  await deps.sessions.saveTaskToken(sessionId, taskToken);
  const session = await mustGet(deps, sessionId);
  if (session.status !== 'pending_review') {
    const decision = session.status === 'cancelled' ? 'cancel' : session.status === 'denied' ? 'deny' : 'approve';
    await deps.workflow.resume(taskToken, { decision });
    return;
  }
  // The preview comes before the review request, so the request shows it (functions/app/preview.ts).
  const previewed = await previewSession(deps, session);
  if (previewed.notification) return;
  try {
    await postReviewRequest(deps, previewed);
  } catch (error) {
    // The review stays open through the web UI and the API; the failure is on the record, and the
    // post is retried in the background until it goes through or the queue gives up.
    await recordNotificationFailure(deps, sessionId, 'review', error);
    await deps.notifications.enqueue({ kind: 'review', sessionId }).catch((queueError: unknown) => {
      // The wait for a decision must begin whatever happens to the notification.
      deps.log.error('could not queue the review request retry', { sessionId, error: (queueError as Error).message });
    });
  }
}

export async function expire(deps: Deps, sessionId: string): Promise<Route> {
  // A retried Expire finds the review already ended: it routes on, but records and counts nothing again.
  const before = await deps.sessions.get(sessionId);
  const session = before && before.status !== 'pending_review' ? before : await deps.sessions.expire(sessionId, deps.clock.now().toISOString());
  if (session.status === 'expired' && session !== before) {
    await recordSessionEvent(deps, sessionId, 'session.expired', SYSTEM, { expiresAt: session.expiresAt, approvals: session.approvals.length });
    deps.metrics.count('SessionsExpired');
  } else if (session === before) {
    // Closed by someone else (a denial whose request died before its event, an earlier Expire).
    await recordLostOutcome(deps, session);
  }
  return session.status === 'approved' ? approvedRoute(session) : { next: 'record' };
}

export interface ExecuteOutcome {
  readonly status: Session['status'];
}

/** An outcome, and the session as Execute's own final write left it, when Execute made that write. */
interface Executed extends ExecuteOutcome {
  readonly finished?: Session;
}

/**
 * Runs an approved command at most once. The session goes approved → running before the command is
 * sent, so a re-driven execution finds it running and never sends it again (see evaluate). Only a
 * TransientDatabaseError, which proves the command never started, hands it back for the Retry.
 */
export async function execute(deps: ExecuteDeps, sessionId: string, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const { status } = await executeOnce(deps, sessionId, options);
  return { status };
}

async function executeOnce(deps: ExecuteDeps, sessionId: string, options: ExecuteOptions): Promise<Executed> {
  const session = await mustGet(deps, sessionId);
  const fail = (code: string, message: string) => failSession(deps, sessionId, code, message);
  // A claim another delivery may still hold is waited for, never taken for a dead one.
  const waitForHeldClaim = (current: Session) => {
    if (options.claimSeconds !== undefined && claimMayBeHeld(current, deps.clock.now(), options.claimSeconds)) throw new RunInProgressError(sessionId);
  };
  if (session.status === 'running') {
    waitForHeldClaim(session);
    // Running already: an earlier attempt of this task sent the command and stopped before reporting
    // back (the workflow retries a task whose Lambda failed). Sending it again could apply it twice.
    return fail(OUTCOME_UNKNOWN, outcomeUnknownMessage('interrupted'));
  }
  if (session.status !== 'approved') {
    // Closed before this attempt: by one that died before appending its outcome's event, or by a denial.
    await recordLostOutcome(deps, session, options.claimSeconds);
    return { status: session.status };
  }
  // The command that runs must be the command that was approved, byte for byte, parameters included.
  if (commandDigest(session.command, session.parameters) !== session.commandSha256) {
    return fail('command_integrity', 'The stored command no longer matches the SHA-256 recorded when it was approved; it was not run.');
  }
  const resource = await deps.catalog.resource(session.resource.id);
  if (!resource) return fail('resource_missing', `Resource "${session.resource.id}" no longer exists; the command was not run.`);

  await recordLostApprovals(deps, session);
  const running = await deps.sessions.startRunning(sessionId, deps.clock.now().toISOString());
  if (!running) {
    const now = await mustGet(deps, sessionId);
    waitForHeldClaim(now);
    return { status: now.status };
  }
  await recordSessionEvent(deps, sessionId, 'session.running', SYSTEM, { commandSha256: session.commandSha256 });

  const started = performance.now();
  let result;
  try {
    result = await deps.sql.run(resource, session.command, deps.maxRows, session.parameters, { rowLimit: rowLimitOf(session) });
  } catch (error) {
    if (error instanceof TransientDatabaseError) {
      // The command never started: hand the session back so the workflow's Retry can run it.
      await deps.sessions.returnToApproved(sessionId);
      await recordSessionEvent(deps, sessionId, 'execution.retrying', SYSTEM, { error: error.message });
      throw error;
    }
    if (error instanceof OutcomeUnknownError) {
      if (error.databaseError) await deps.results.putFailure(sessionId, { code: error.databaseError.code, message: error.databaseError.message });
      return fail(OUTCOME_UNKNOWN, outcomeUnknownMessage(error.because));
    }
    // Counts only: the message says how many rows changed and the ceiling, never which rows.
    if (error instanceof RowLimitExceededError) return fail(error.code, error.message);
    if (error instanceof SqlError) {
      // The database's words may quote row data: they go to the requester, the record keeps the SQLSTATE.
      await deps.results.putFailure(sessionId, { code: error.code, message: error.message });
      return fail(error.code, recordedSqlError(error.code));
    }
    throw error;
  }
  const durationMs = Math.round(performance.now() - started);
  await deps.results.put(sessionId, result);
  const summary = {
    rowCount: result.rowCount,
    durationMs,
    truncated: result.truncated,
    ...(result.recordsUpdated !== undefined ? { recordsUpdated: result.recordsUpdated } : {}),
  };
  const done = await deps.sessions.finish(sessionId, deps.clock.now().toISOString(), { status: 'done', result: summary });
  if (done) await recordSessionEvent(deps, sessionId, 'session.done', SYSTEM, { result: summary });
  return { status: 'done', ...(done ? { finished: done } : {}) };
}

/**
 * Execute, then Record, in one invocation: the workflow's Execute state (after a review, whatever was
 * decided) and the Run function of a command no rule covers share this one code path. A session found
 * still running after Execute was claimed by another attempt: it is handed back as RunInProgressError
 * (the Run function is delivered again; in the workflow, Record closes it as outcome_unknown), never
 * left open behind an execution that ended.
 */
export async function executeAndRecord(deps: Deps, sessionId: string, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const { status, finished } = await executeOnce(deps, sessionId, options);
  if (status === 'running') throw new RunInProgressError(sessionId);
  await record(deps, { sessionId }, finished);
  return { status };
}

export interface RecordInput {
  readonly sessionId: string;
  readonly failure?: { readonly Error?: string; readonly Cause?: string };
}

/**
 * The last state: turns a failure the workflow caught into a recorded one, then tells people.
 * `finished` is the session as the caller's own final write left it: a final session changes no more,
 * so it is not read again.
 */
export async function record(deps: Deps, input: RecordInput, finished?: Session): Promise<ExecuteOutcome> {
  let session = finished && isFinal(finished.status) ? finished : await mustGet(deps, input.sessionId);
  if (input.failure && !isFinal(session.status)) {
    const caught = input.failure.Error ?? 'workflow_error';
    // Caught while running (a Lambda timeout or crash mid-run): the command was sent and may have
    // been committed, so its outcome is unknown, whatever the workflow's error was.
    const error =
      session.status === 'running'
        ? { code: OUTCOME_UNKNOWN, message: `${outcomeUnknownMessage('interrupted')} (${caught})` }
        : { code: caught, message: causeMessage(input.failure.Cause) };
    const failed = await deps.sessions.finish(input.sessionId, deps.clock.now().toISOString(), { status: 'failed', error });
    if (failed) {
      session = failed;
      await recordSessionEvent(deps, input.sessionId, 'session.failed', SYSTEM, { error: failed.error });
    }
  } else if (input.failure) {
    // The failure caught may be the death of the task that closed the session, before its event.
    await recordLostOutcome(deps, session);
  }
  await notifyQuietly(deps, session);
  return { status: session.status };
}

/** Lambda errors reach the workflow as a JSON Cause; people should see only its message. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return 'The workflow failed without a cause.';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** How an execution can end without its Record state having closed the session. */
export type UnfinishedEnd = { readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; readonly error?: string; readonly cause?: string };

const END_MESSAGES: Record<UnfinishedEnd['status'], string> = {
  FAILED: 'The workflow failed before it could record an outcome',
  TIMED_OUT: 'The workflow ran past its time limit before it could record an outcome',
  ABORTED: 'The workflow was stopped before it could record an outcome',
};

/**
 * The reconciler: an execution ended FAILED, TIMED_OUT or ABORTED (reported by EventBridge on AWS,
 * by the runner locally). A session still open is closed as failed: with code `execution_<status>`
 * when its command was never sent, and as `outcome_unknown` when it was caught running, since the
 * command may have been committed; it is never run again. A session already final is left as it is,
 * since whoever finished it first told the truth.
 */
export async function reconcile(deps: Deps, sessionId: string, end: UnfinishedEnd): Promise<ExecuteOutcome> {
  const session = await mustGet(deps, sessionId);
  if (isFinal(session.status)) {
    // Stopping or timing out an execution does not stop a Lambda at work in it: one that has just closed
    // the session may still be appending its event. A failed execution's tasks have all ended.
    await recordLostOutcome(deps, session, end.status === 'FAILED' ? undefined : deps.runClaimSeconds);
    return { status: session.status };
  }
  const why = `${end.status}${end.error ? `: ${end.error}` : ''}`;
  const error =
    session.status === 'running'
      ? { code: OUTCOME_UNKNOWN, message: `${outcomeUnknownMessage('interrupted')} (${why})` }
      : { code: `execution_${end.status.toLowerCase()}`, message: `${END_MESSAGES[end.status]}; the command was not run. (${why})` };
  const failed = await deps.sessions.finish(sessionId, deps.clock.now().toISOString(), { status: 'failed', error });
  if (!failed) return { status: (await mustGet(deps, sessionId)).status };
  await recordSessionEvent(deps, sessionId, 'session.failed', SYSTEM, { error: failed.error, execution: { status: end.status, ...(end.error ? { error: end.error } : {}) } });
  await notifyQuietly(deps, failed);
  return { status: failed.status };
}
