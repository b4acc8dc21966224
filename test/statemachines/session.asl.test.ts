/**
 * Runs the real statemachines/session.asl.json on the local runner with every Task's result scripted,
 * asserting which states each path enters and what reaches the Record state.
 */
import { describe, expect, it } from 'vitest';
import { TaskFailure, type TaskHandler, type TaskState, WorkflowRunner } from '../../infra/local/workflow-runner';

const SESSION = '9b2f3c1e-0d4a-4e8b-9a51-2f7c8d6e5a10';

function script(overrides: Partial<Record<TaskState, TaskHandler>>) {
  const calls: Record<string, unknown[]> = {};
  const record = (state: string, fn: TaskHandler): TaskHandler => async (event) => {
    (calls[state] ??= []).push(event);
    return fn(event);
  };
  const handlers: Record<TaskState, TaskHandler> = {
    Evaluate: record('Evaluate', overrides.Evaluate ?? (async () => ({ next: 'execute' }))),
    AwaitReview: record('AwaitReview', overrides.AwaitReview ?? (async () => undefined)),
    Expire: record('Expire', overrides.Expire ?? (async () => ({ next: 'record' }))),
    Execute: record('Execute', overrides.Execute ?? (async () => ({ status: 'done' }))),
    Record: record('Record', overrides.Record ?? (async () => ({ status: 'done' }))),
  };
  const runner = new WorkflowRunner({ handlers, stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:test', retryIntervalMs: 1 });
  return { runner, calls };
}

/** Makes AwaitReview hand its token to the test, which plays the review API. */
function reviewedBy(runner: () => WorkflowRunner, decision: 'approve' | 'deny' | 'cancel'): TaskHandler {
  return async (event) => {
    const { taskToken } = event as { taskToken: string };
    setTimeout(() => runner().succeed(taskToken, { decision }), 5);
    return undefined;
  };
}

async function run(runner: WorkflowRunner) {
  const execution = runner.start(SESSION, JSON.stringify({ sessionId: SESSION }));
  await execution.done;
  return execution;
}

describe('session.asl.json', () => {
  it('runs a command no rule covers straight away', async () => {
    const { runner, calls } = script({});
    const execution = await run(runner);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(['Evaluate', 'Route', 'Execute', 'Record']);
    expect(calls.Execute).toEqual([{ sessionId: SESSION }]);
  });

  it('waits on a task token, then executes once approved', async () => {
    let runner!: WorkflowRunner;
    ({ runner } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }), AwaitReview: reviewedBy(() => runner, 'approve') }));
    const execution = await run(runner);
    expect(execution.statesEntered).toEqual(['Evaluate', 'Route', 'AwaitReview', 'Reviewed', 'Execute', 'Record']);
  });

  it('hands the handler the session id and a fresh token per wait', async () => {
    let runner!: WorkflowRunner;
    let calls!: Record<string, unknown[]>;
    ({ runner, calls } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }), AwaitReview: reviewedBy(() => runner, 'approve') }));
    await run(runner);
    expect(calls.AwaitReview[0]).toEqual({ sessionId: SESSION, reviewSeconds: 30, taskToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) });
  });

  for (const decision of ['deny', 'cancel'] as const) {
    it(`records without executing after a ${decision}`, async () => {
      let runner!: WorkflowRunner;
      ({ runner } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }), AwaitReview: reviewedBy(() => runner, decision) }));
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Evaluate', 'Route', 'AwaitReview', 'Reviewed', 'Record']);
    });
  }

  it('expires a review nobody decided within its window', async () => {
    const { runner, calls } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 1 }) });
    const execution = await run(runner);
    expect(execution.statesEntered).toEqual(['Evaluate', 'Route', 'AwaitReview', 'Expire', 'Route', 'Record']);
    expect(calls.Execute).toBeUndefined();
  });

  it('still executes when an approval raced the timeout', async () => {
    const { runner } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 1 }), Expire: async () => ({ next: 'execute' }) });
    const execution = await run(runner);
    expect(execution.statesEntered).toEqual(['Evaluate', 'Route', 'AwaitReview', 'Expire', 'Route', 'Execute', 'Record']);
  });

  it('retries a transient database error, then succeeds', async () => {
    let attempts = 0;
    const { runner, calls } = script({
      Execute: async () => {
        attempts += 1;
        if (attempts < 3) throw new TaskFailure('TransientDatabaseError', 'DatabaseResumingException: the database is resuming');
        return { status: 'done' };
      },
    });
    const execution = await run(runner);
    expect(attempts).toBe(3);
    expect(execution.statesEntered).toEqual(['Evaluate', 'Route', 'Execute', 'Record']);
    expect(calls.Record[0]).not.toHaveProperty('failure');
  });

  it('does not retry other errors: they reach Record as a failure', async () => {
    let attempts = 0;
    const { runner, calls } = script({
      Execute: async () => {
        attempts += 1;
        throw new TaskFailure('NotFoundError', 'Session does not exist.');
      },
    });
    const execution = await run(runner);
    expect(attempts).toBe(1);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.Record[0]).toMatchObject({ sessionId: SESSION, failure: { Error: 'NotFoundError' } });
  });

  it('gives up on a transient error after the retry budget and records the failure', async () => {
    let attempts = 0;
    const { runner, calls } = script({
      Execute: async () => {
        attempts += 1;
        throw new TaskFailure('TransientDatabaseError', 'still resuming');
      },
    });
    await run(runner);
    expect(attempts).toBe(6);
    expect(calls.Record[0]).toMatchObject({ failure: { Error: 'TransientDatabaseError' } });
  });

  it('answers a late SendTaskSuccess as already decided', async () => {
    let token = '';
    let runner!: WorkflowRunner;
    ({ runner } = script({
      Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }),
      AwaitReview: async (event) => {
        token = (event as { taskToken: string }).taskToken;
        setTimeout(() => runner.succeed(token, { decision: 'deny' }), 5);
        return undefined;
      },
    }));
    await run(runner);
    expect(runner.succeed(token, { decision: 'approve' })).toBe(false);
  });
});
