/**
 * Runs the real statemachines/session.asl.json on the local runner with every Task's result scripted,
 * asserting which states each path enters and what reaches the Record state.
 *
 * Which path runs where: reviewed commands and access windows run in this workflow; a command no rule
 * covers (or an auto-approved read) runs without it, in one asynchronous invocation of the Run function
 * (test/functions/app/command-run.test.ts, test/faults/command-run-faults.test.ts). The execute route
 * here serves an approved session whose execution is re-driven (Evaluate answers it).
 *
 * Every Task state is put through the two Lambda faults Step Functions can surface: a throttle
 * (retried, then the path goes on as if nothing happened) and a permanent error (caught, and Record
 * closes the session with it). A failing Record ends the execution in SessionNotRecorded, which the
 * execution-status reconciler answers.
 */
import { describe, expect, it } from 'vitest';
import { TaskFailure, type TaskHandler, type TaskState, type WorkflowRunner } from '../../infra/local/workflow-runner';
import { failing, reviewedBy, run, script, SESSION } from './scripted-runner';

describe('session.asl.json, with the route frozen at submission as its input', () => {
  it('runs an approved session on the execute route in two transitions, without Evaluate (a command no rule covers is no longer started here)', async () => {
    const { runner, calls } = script({});
    const execution = await run(runner, { next: 'execute' });
    expect(execution.statesEntered).toEqual(['Route', 'Execute']);
    // Execute records its own outcome: Record is only for a failure caught on the way.
    expect(calls.Record).toBeUndefined();
    expect(calls.Evaluate).toBeUndefined();
    expect(calls.Execute).toEqual([{ sessionId: SESSION }]);
  });

  it('given a command\'s review route, waits and runs the approved command in three transitions, without Evaluate (submission starts this route on command-review.asl.json instead)', async () => {
    let runner!: WorkflowRunner;
    let calls!: Record<string, unknown[]>;
    ({ runner, calls } = script({ AwaitReview: reviewedBy(() => runner, 'approve') }));
    const execution = await run(runner, { next: 'review', reviewSeconds: 30 });
    expect(execution.statesEntered).toEqual(['Route', 'AwaitReview', 'Execute']);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.Evaluate).toBeUndefined();
    expect(calls.AwaitReview[0]).toMatchObject({ sessionId: SESSION, reviewSeconds: 30 });
  });

  it('expires a review on the window the route carries', async () => {
    const { runner } = script({});
    const execution = await run(runner, { next: 'review', reviewSeconds: 1 });
    expect(execution.statesEntered).toEqual(['Route', 'AwaitReview', 'Expire', 'Route', 'Record']);
  });

  it('records a session submitted already final', async () => {
    const { runner } = script({});
    const execution = await run(runner, { next: 'record' });
    expect(execution.statesEntered).toEqual(['Route', 'Record']);
  });
});

describe('session.asl.json, re-driven without a route', () => {
  it('runs an approved session straight away', async () => {
    const { runner, calls } = script({});
    const execution = await run(runner);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'Execute']);
    expect(calls.Execute).toEqual([{ sessionId: SESSION }]);
  });

  it('waits on a task token, then executes once approved', async () => {
    let runner!: WorkflowRunner;
    ({ runner } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }), AwaitReview: reviewedBy(() => runner, 'approve') }));
    const execution = await run(runner);
    expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitReview', 'Execute']);
  });

  it('hands the handler the session id and a fresh token per wait', async () => {
    let runner!: WorkflowRunner;
    let calls!: Record<string, unknown[]>;
    ({ runner, calls } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }), AwaitReview: reviewedBy(() => runner, 'approve') }));
    await run(runner);
    expect(calls.AwaitReview[0]).toEqual({ sessionId: SESSION, reviewSeconds: 30, taskToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) });
  });

  for (const decision of ['deny', 'cancel'] as const) {
    it(`hands a ${decision} to Execute, which records it (the session's status is its gate)`, async () => {
      let runner!: WorkflowRunner;
      let calls!: Record<string, unknown[]>;
      ({ runner, calls } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }), AwaitReview: reviewedBy(() => runner, decision) }));
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitReview', 'Execute']);
      expect(calls.Execute).toEqual([{ sessionId: SESSION }]);
    });
  }

  it('expires a review nobody decided within its window', async () => {
    const { runner, calls } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 1 }) });
    const execution = await run(runner);
    expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitReview', 'Expire', 'Route', 'Record']);
    expect(calls.Execute).toBeUndefined();
  });

  it('still executes when an approval raced the timeout', async () => {
    const { runner } = script({ Evaluate: async () => ({ next: 'review', reviewSeconds: 1 }), Expire: async () => ({ next: 'execute' }) });
    const execution = await run(runner);
    expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitReview', 'Expire', 'Route', 'Execute']);
  });

  it('retries a transient database error, then succeeds', async () => {
    const resuming = () => new TaskFailure('TransientDatabaseError', 'DatabaseResumingException: the database is resuming');
    const { runner, calls } = script({ Execute: failing(2, resuming, async () => ({ status: 'done' })) });
    const execution = await run(runner);
    expect(calls.Execute).toHaveLength(3);
    expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'Execute']);
    expect(calls.Record).toBeUndefined();
  });

  it('does not retry other errors: they reach Record as a failure', async () => {
    const notFound = () => new TaskFailure('NotFoundError', 'Session does not exist.');
    const { runner, calls } = script({ Execute: failing(Infinity, notFound, async () => undefined) });
    const execution = await run(runner);
    expect(calls.Execute).toHaveLength(1);
    expect(execution.status).toBe('SUCCEEDED');
    expect(calls.Record[0]).toMatchObject({ sessionId: SESSION, failure: { Error: 'NotFoundError' } });
  });

  it('gives up on a transient error after the retry budget and records the failure', async () => {
    const stillResuming = () => new TaskFailure('TransientDatabaseError', 'still resuming');
    const { runner, calls } = script({ Execute: failing(Infinity, stillResuming, async () => undefined) });
    await run(runner);
    expect(calls.Execute).toHaveLength(6);
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

  describe('an access window', () => {
    const windowReview = { Evaluate: async () => ({ next: 'review', reviewSeconds: 30, window: true }) };

    it('opens once approved instead of executing, waits until its end, then ends and records', async () => {
      let runner!: WorkflowRunner;
      const endsAt = new Date(Date.now() + 300).toISOString();
      let endedAt = 0;
      let calls: Record<string, unknown[]>;
      ({ runner, calls } = script({
        ...windowReview,
        AwaitReview: reviewedBy(() => runner, 'approve'),
        OpenWindow: async () => ({ windowEndsAt: endsAt }),
        EndWindow: async () => {
          endedAt = Date.now();
          return { status: 'ended' };
        },
      }));
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitWindowReview', 'WindowReviewed', 'OpenWindow', 'WindowOpen', 'EndWindow', 'Record']);
      expect(calls.Execute ?? []).toHaveLength(0);
      expect(calls.OpenWindow).toEqual([{ sessionId: SESSION }]);
      // The Wait holds until the timestamp OpenWindow returned, not a moment less.
      expect(endedAt).toBeGreaterThanOrEqual(Date.parse(endsAt));
    });

    it('a denied window never opens', async () => {
      let runner!: WorkflowRunner;
      let calls: Record<string, unknown[]>;
      ({ runner, calls } = script({ ...windowReview, AwaitReview: reviewedBy(() => runner, 'deny') }));
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitWindowReview', 'WindowReviewed', 'Record']);
      expect(calls.OpenWindow ?? []).toHaveLength(0);
      expect(calls.Execute ?? []).toHaveLength(0);
    });

    it('a re-driven execution of an open window goes back to waiting for its end', async () => {
      const { runner } = script({ Evaluate: async () => ({ next: 'window' }) });
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'OpenWindow', 'WindowOpen', 'EndWindow', 'Record']);
    });
  });

  describe('Lambda faults in each Task state', () => {
    const throttle = () => new TaskFailure('Lambda.TooManyRequestsException', 'Rate Exceeded.');
    const permanent = () => new TaskFailure('Error', 'the function failed');

    interface Path {
      /** The state, when it runs another state's function (AwaitWindowReview runs AwaitReview's). */
      readonly name?: string;
      readonly state: TaskState;
      readonly handlers: (runner: () => WorkflowRunner) => Partial<Record<TaskState, TaskHandler>>;
      /** States entered when the Task succeeds (after a throttle, the same). */
      readonly ok: string[];
      /** States entered when the Task fails for good. */
      readonly failed: string[];
      readonly then: TaskHandler;
    }
    const review = { Evaluate: async () => ({ next: 'review', reviewSeconds: 30 }) };
    const paths: Path[] = [
      { state: 'Evaluate', handlers: () => ({}), then: async () => ({ next: 'execute' }), ok: ['Route', 'Evaluate', 'Route', 'Execute'], failed: ['Route', 'Evaluate', 'Record'] },
      {
        state: 'AwaitReview',
        handlers: () => review,
        then: async () => undefined,
        ok: ['Route', 'Evaluate', 'Route', 'AwaitReview', 'Execute'],
        failed: ['Route', 'Evaluate', 'Route', 'AwaitReview', 'Record'],
      },
      {
        name: 'AwaitWindowReview',
        state: 'AwaitReview',
        handlers: () => ({ Evaluate: async () => ({ next: 'review', reviewSeconds: 30, window: true }) }),
        then: async () => undefined,
        ok: ['Route', 'Evaluate', 'Route', 'AwaitWindowReview', 'WindowReviewed', 'OpenWindow', 'WindowOpen', 'EndWindow', 'Record'],
        failed: ['Route', 'Evaluate', 'Route', 'AwaitWindowReview', 'Record'],
      },
      {
        state: 'Expire',
        handlers: () => ({ Evaluate: async () => ({ next: 'review', reviewSeconds: 1 }) }),
        then: async () => ({ next: 'record' }),
        ok: ['Route', 'Evaluate', 'Route', 'AwaitReview', 'Expire', 'Route', 'Record'],
        failed: ['Route', 'Evaluate', 'Route', 'AwaitReview', 'Expire', 'Record'],
      },
      { state: 'Execute', handlers: () => ({}), then: async () => ({ status: 'done' }), ok: ['Route', 'Evaluate', 'Route', 'Execute'], failed: ['Route', 'Evaluate', 'Route', 'Execute', 'Record'] },
      {
        state: 'OpenWindow',
        handlers: () => ({ Evaluate: async () => ({ next: 'window' }) }),
        then: async () => ({ windowEndsAt: new Date().toISOString() }),
        ok: ['Route', 'Evaluate', 'Route', 'OpenWindow', 'WindowOpen', 'EndWindow', 'Record'],
        failed: ['Route', 'Evaluate', 'Route', 'OpenWindow', 'Record'],
      },
      {
        state: 'EndWindow',
        handlers: () => ({ Evaluate: async () => ({ next: 'window' }) }),
        then: async () => ({ status: 'ended' }),
        ok: ['Route', 'Evaluate', 'Route', 'OpenWindow', 'WindowOpen', 'EndWindow', 'Record'],
        failed: ['Route', 'Evaluate', 'Route', 'OpenWindow', 'WindowOpen', 'EndWindow', 'Record'],
      },
    ];

    for (const path of paths) {
      const build = (error: () => Error, times: number) => {
        let runner!: WorkflowRunner;
        let then = path.then;
        // The reviewer acts only once the AwaitReview handler has really run with its token.
        if (path.state === 'AwaitReview') then = reviewedBy(() => runner, 'approve');
        const scripted = script({ ...path.handlers(() => runner), [path.state]: failing(times, error, then) });
        runner = scripted.runner;
        return scripted;
      };

      it(`${path.name ?? path.state}: a throttle is retried, then the path goes on`, async () => {
        const { runner, calls } = build(throttle, 1);
        const execution = await run(runner);
        expect(execution.status).toBe('SUCCEEDED');
        expect(execution.statesEntered).toEqual(path.ok);
        expect(calls[path.state]).toHaveLength(2);
        // Record runs on a path that ends there; Execute records its own outcome.
        expect(calls.Record ?? []).toHaveLength(path.ok.at(-1) === 'Record' ? 1 : 0);
        for (const call of calls.Record ?? []) expect(call).not.toHaveProperty('failure');
      });

      it(`${path.name ?? path.state}: a permanent error reaches Record as the session's failure`, async () => {
        const { runner, calls } = build(permanent, Infinity);
        const execution = await run(runner);
        expect(execution.status).toBe('SUCCEEDED');
        expect(execution.statesEntered).toEqual(path.failed);
        expect(calls[path.state]).toHaveLength(1);
        expect(calls.Execute ?? []).toHaveLength(path.state === 'Execute' ? 1 : 0);
        expect(calls.Record).toEqual([expect.objectContaining({ sessionId: SESSION, failure: { Error: 'Error', Cause: 'the function failed' } })]);
      });
    }

    it('AwaitReview: throttled past the retry budget, the session is still recorded as failed', async () => {
      const { runner, calls } = script({ ...review, AwaitReview: failing(Infinity, throttle, async () => undefined) });
      const execution = await run(runner);
      expect(calls.AwaitReview).toHaveLength(7);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitReview', 'Record']);
      expect(calls.Record[0]).toMatchObject({ failure: { Error: 'Lambda.TooManyRequestsException' } });
    });

    it('AwaitReview: a SendTaskFailure on the token is recorded, not left waiting', async () => {
      let runner!: WorkflowRunner;
      let calls!: Record<string, unknown[]>;
      ({ runner, calls } = script({
        ...review,
        AwaitReview: async (event) => {
          setTimeout(() => runner.fail((event as { taskToken: string }).taskToken, 'ReviewAbandoned', 'nobody can decide'), 5);
          return undefined;
        },
      }));
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'AwaitReview', 'Record']);
      expect(calls.Record[0]).toMatchObject({ failure: { Error: 'ReviewAbandoned', Cause: 'nobody can decide' } });
    });

    // Record runs where no Execute records: a session already final (here), an expired review, a window's end, a caught failure.
    const recordOnly = { Evaluate: async () => ({ next: 'record' }) };

    it('Record: a throttle is retried, then the execution succeeds', async () => {
      const { runner, calls } = script({ ...recordOnly, Record: failing(1, throttle, async () => ({ status: 'done' })) });
      const execution = await run(runner);
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'Record']);
      expect(calls.Record).toHaveLength(2);
    });

    it('Record: a permanent error ends the execution in SessionNotRecorded, for the reconciler to close the session', async () => {
      const { runner, calls } = script({ Execute: failing(Infinity, permanent, async () => undefined), Record: failing(Infinity, permanent, async () => undefined) });
      const execution = await run(runner);
      expect(execution.statesEntered).toEqual(['Route', 'Evaluate', 'Route', 'Execute', 'Record', 'SessionNotRecorded']);
      expect(calls.Record).toHaveLength(1);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('SessionNotRecorded');
    });
  });
});
