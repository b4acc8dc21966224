/**
 * A command no rule covers, run without the session workflow (see domain/command-run.ts): the same
 * Execute and Record work the workflow's states do, in one asynchronous invocation of the run function,
 * and the reconciler as that function's failure destination.
 *
 * Every delivery is safe to repeat. The session store's claim (approved → running) sends the command at
 * most once; a delivery that finds the claim taken by an invocation that may still be at work fails, so
 * Lambda delivers it again later; one that finds it taken by an invocation that has surely ended closes
 * the session as outcome_unknown, as Execute does. When Lambda gives up, the reconciler closes whatever
 * is still open, so no session stays non-final.
 */
import { claimMayBeHeld, RunInProgressError } from '../domain/command-run';
import type { Deps } from './ports';
import { executeAndRecord, type ExecuteOutcome, mustGet, reconcile } from './workflow-tasks';

/** One delivery of the run: Execute, then Record. Throws to be delivered again (RunInProgressError, TransientDatabaseError). */
export async function runCommand(deps: Deps, sessionId: string): Promise<ExecuteOutcome> {
  // A claim another delivery took between this one's read and its claim, and still holds or has since
  // finished, is that delivery's to record.
  return executeAndRecord(deps, sessionId, { claimSeconds: deps.runClaimSeconds });
}

/** Why Lambda gave up on a run: its destination record's condition, and the last attempt's error. */
export interface AbandonedRun {
  readonly condition: string;
  readonly error?: string;
}

/**
 * The run function's failure destination: Lambda gave up on a delivery. A session still open is closed
 * by the reconciler, outcome_unknown if it was claimed; a claim that may still be held is waited for
 * (this invocation fails and is retried), so a run still at work is never declared lost.
 */
export async function closeAbandonedRun(deps: Deps, sessionId: string, abandoned: AbandonedRun): Promise<ExecuteOutcome> {
  const session = await mustGet(deps, sessionId);
  if (claimMayBeHeld(session, deps.clock.now(), deps.runClaimSeconds)) throw new RunInProgressError(sessionId);
  return reconcile(deps, sessionId, { status: 'FAILED', error: abandoned.error ? `${abandoned.condition}: ${abandoned.error}` : abandoned.condition });
}
