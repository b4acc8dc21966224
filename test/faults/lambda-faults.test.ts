/**
 * One Lambda fault per test in each Task state of a reviewed command's workflow (command-review.asl.json), on the local runtime: a
 * throttle (Step Functions retries it, and the session ends as if nothing happened) and a permanent
 * error (caught, and the session is closed as failed, never left open). Each test counts the
 * command's rows in the database, checks the final state, and verifies every event chain.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_STATE_MACHINE_ARNS } from '../../infra/local/stack';
import { type FaultRuntime, PERMANENT, REVIEWED, faultRuntimePerFile, THROTTLE } from './harness';

let runtime: FaultRuntime;
faultRuntimePerFile((started) => (runtime = started));

afterEach(() => {
  runtime.taskFaults.clear();
});

const approve = async (id: string) => (await runtime.as('bob')).post(`/sessions/${id}/review`, { decision: 'approve' });

/** A reviewed command whose review is open and waiting for a decision. */
async function reviewWaiting() {
  const submitted = await runtime.submit('alice', REVIEWED);
  await runtime.reviewWaiting(submitted.id);
  return submitted;
}

/**
 * A reviewed command, approved: the workflow's Execute runs and records it (a command no rule covers runs
 * without the workflow; its faults are in command-run-faults.test.ts).
 */
async function approved() {
  const submitted = await reviewWaiting();
  expect((await approve(submitted.id)).status).toBe(200);
  return submitted;
}

// Evaluate runs only when an execution starts without its route (a re-drive after a restart, see
// killed-process.test.ts); its Retry and Catch are exercised by test/statemachines/session.asl.test.ts.
/** A reviewed command nobody decides: its review window passes, and Expire, then Record, close it. */
async function expired() {
  const submitted = await reviewWaiting();
  expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
  return submitted;
}

describe('a Lambda throttle in a Task state is retried, and the command runs once', () => {
  const throttled = [
    { title: 'Execute', state: 'Execute', reach: approved, truth: { runs: 1, status: 'done' } },
    { title: 'Record (reached by an expired review: an approved command is recorded by Execute)', state: 'Record', reach: expired, truth: { runs: 0, status: 'expired' } },
    { title: 'AwaitReview', state: 'AwaitReview', reach: approved, truth: { runs: 1, status: 'done' } },
  ] as const;
  for (const { title, state, reach, truth } of throttled) {
    it(title, async () => {
      runtime.taskFaults.push(state, THROTTLE);
      const submitted = await reach();
      await runtime.expectTruth(submitted, truth);
      expect(runtime.taskFaults.met[state]).toBe(1);
    });
  }

  it('Execute, after a denial: the denial is recorded and nothing runs', async () => {
    const submitted = await reviewWaiting();
    runtime.taskFaults.push('Execute', THROTTLE, 1, submitted.id);
    expect((await (await runtime.as('bob')).post(`/sessions/${submitted.id}/review`, { decision: 'deny', reason: 'not today' })).status).toBe(200);
    await runtime.expectTruth(submitted, { runs: 0, status: 'denied' });
    expect(runtime.taskFaults.met.Execute).toBe(1);
  });

  it('Expire', async () => {
    const submitted = await reviewWaiting();
    runtime.taskFaults.push('Expire', THROTTLE, 1, submitted.id);
    expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
    await runtime.expectTruth(submitted, { runs: 0, status: 'expired' });
    expect(runtime.taskFaults.met.Expire).toBe(1);
  });
});

describe('a permanent error in a Task state closes the session as failed, and nothing runs', () => {
  it('Execute', async () => {
    runtime.taskFaults.push('Execute', PERMANENT);
    const submitted = await approved();
    await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'Lambda.Unknown' });
  });

  it('AwaitReview: the review is closed, and a later approval is refused', async () => {
    runtime.taskFaults.push('AwaitReview', PERMANENT);
    const submitted = await runtime.submit('alice', REVIEWED);
    await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'Lambda.Unknown' });
    expect((await approve(submitted.id)).status).toBe(409);
    expect(((await (await runtime.as('bob')).get('/reviews')).body.reviews as { session: { id: string } }[]).map((r) => r.session.id)).not.toContain(submitted.id);
  });

  it('Expire', async () => {
    const submitted = await reviewWaiting();
    runtime.taskFaults.push('Expire', PERMANENT, 1, submitted.id);
    expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
    await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'Lambda.Unknown' });
    expect((await approve(submitted.id)).status).toBe(409);
  });

  it('Record: the expired review stays expired; the execution fails and the reconciler leaves the truth alone', async () => {
    runtime.taskFaults.push('Record', PERMANENT);
    const submitted = await expired();
    await runtime.expectTruth(submitted, { runs: 0, status: 'expired' });
    expect(runtime.stack.runner.executions.get(submitted.id)).toMatchObject({ status: 'FAILED', error: 'SessionNotRecorded' });
  });
});

describe('the reconciler closes what the workflow could not', () => {
  // A reviewed command's execution runs on the command-review machine, which the reconciler hears as well.
  const onCommandReview = { stateMachineArn: LOCAL_STATE_MACHINE_ARNS['command-review'] };

  it('Execute and then Record fail for good: the session is closed as failed by the reconciler', async () => {
    runtime.taskFaults.push('Execute', PERMANENT);
    runtime.taskFaults.push('Record', PERMANENT);
    const submitted = await approved();
    await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'execution_failed' });
    expect(runtime.stack.runner.executions.get(submitted.id)).toMatchObject({ ...onCommandReview, status: 'FAILED', error: 'SessionNotRecorded' });
  });

  it('an execution stopped while its review waits: the session is closed as failed, and a later approval is refused', async () => {
    const submitted = await reviewWaiting();
    expect(runtime.stack.runner.executions.get(submitted.id)).toMatchObject(onCommandReview);
    runtime.stack.runner.executions.get(submitted.id)!.abort();
    const session = await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'execution_aborted' });
    expect(session.error?.message).toMatch(/stopped.*not run/);
    expect((await approve(submitted.id)).status).toBe(409);
  });
});
