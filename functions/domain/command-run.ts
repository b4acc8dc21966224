/**
 * A command no rule covers runs outside the session workflow: its session is approved at submission,
 * and an asynchronous Lambda invocation of the run function executes and records it (functions/app/
 * command-run.ts). Lambda delivers such an invocation at least once and runs it again after a failure,
 * so a delivery can find the session already claimed (running). Whether the invocation that claimed it
 * may still be at work decides what the delivery does: wait for it (fail, to be retried later) or close
 * the session as outcome_unknown, as Execute does for a run cut short. Pure: no I/O.
 */
import type { Session } from './session';

/**
 * The run function's timeout (infra/constructs/workflow.ts sets it from here): above the Data API's
 * 45 s statement limit and the 60 s SDK timeout.
 */
export const RUN_TIMEOUT_SECONDS = 90;

/**
 * How long a claim may belong to an invocation still at work: the run function's timeout, which no
 * invocation outlives, plus clock skew between the Lambda that claimed and the one that reads.
 */
export const RUN_CLAIM_SECONDS = RUN_TIMEOUT_SECONDS + 10;

/**
 * Lambda's retries of a failed asynchronous invocation (infra/constructs/workflow.ts sets them from
 * here), a minute and then two apart: the last one comes after RUN_CLAIM_SECONDS, so it never meets a
 * claim that may still be held.
 */
export const RUN_RETRY_ATTEMPTS = 2;

/** True while the invocation that moved the session to running may still be running the command. */
export function claimMayBeHeld(session: Pick<Session, 'status' | 'startedAt'>, now: Date, claimSeconds: number): boolean {
  if (session.status !== 'running' || !session.startedAt) return false;
  return now.getTime() - Date.parse(session.startedAt) < claimSeconds * 1000;
}

/**
 * True while the invocation that closed the session may still be at work appending the event of its
 * outcome (domain/session-outcome.ts): no invocation outlives the claim's length after it wrote.
 */
export function closerMayBeAtWork(session: Pick<Session, 'finishedAt'>, now: Date, claimSeconds: number): boolean {
  return session.finishedAt !== undefined && now.getTime() - Date.parse(session.finishedAt) < claimSeconds * 1000;
}

/**
 * A delivery met a session another invocation is running: it fails, so Lambda delivers it again later,
 * by when that invocation has finished the session or is known to have died.
 */
export class RunInProgressError extends Error {
  override readonly name = 'RunInProgressError';
  constructor(sessionId: string) {
    super(`Session ${sessionId} is being run by another invocation; this delivery will be retried.`);
  }
}
