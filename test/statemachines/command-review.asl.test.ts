/**
 * Runs the real statemachines/command-review.asl.json (a command waiting for its review, as submission
 * starts it) on the local runner with every Task's result scripted, asserting which states each path
 * enters: two transitions for a decided review, and the rare branches (the review window passing, an
 * approval racing it, a Task failing, Record failing) ending where the session machine's do.
 */
import { describe, expect, it } from 'vitest';
import { TaskFailure, type WorkflowRunner } from '../../infra/local/workflow-runner';
import { failing, reviewedBy, run, script, SESSION } from './scripted-runner';

const REVIEW = { next: 'review', reviewSeconds: 30 };

/** A runner whose reviewer answers `decision` once AwaitReview holds its token. */
function decidedBy(decision: 'approve' | 'deny' | 'cancel', more: Parameters<typeof script>[0] = {}) {
  let runner!: WorkflowRunner;
  const scripted = script({ AwaitReview: reviewedBy(() => runner, decision), ...more });
  runner = scripted.runner;
  return scripted;
}

describe('command-review.asl.json', () => {
  it('waits for the review and runs the approved command in two transitions, without Evaluate or Route', async () => {
    const { runner, calls } = decidedBy('approve');
    const execution = await run(runner, REVIEW, 'command-review');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(['AwaitReview', 'Execute']);
    expect(execution.stateMachineArn).toMatch(/:stateMachine:test-command-review$/);
    expect(calls.AwaitReview).toEqual([{ sessionId: SESSION, reviewSeconds: 30, taskToken: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) }]);
    expect(calls.Execute).toEqual([{ sessionId: SESSION }]);
    expect(calls.Evaluate).toBeUndefined();
    expect(calls.Record).toBeUndefined();
  });

  for (const decision of ['deny', 'cancel'] as const) {
    it(`hands a ${decision} to Execute, which records it, in the same two transitions`, async () => {
      const { runner, calls } = decidedBy(decision);
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Execute']);
      expect(calls.Execute).toEqual([{ sessionId: SESSION }]);
    });
  }

  it('expires a review nobody decided within the window its route carries, and records it', async () => {
    const { runner, calls } = script({});
    const execution = await run(runner, { next: 'review', reviewSeconds: 1 }, 'command-review');
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(['AwaitReview', 'Expire', 'Route', 'Record']);
    expect(calls.Execute).toBeUndefined();
    expect(calls.Record[0]).not.toHaveProperty('failure');
  });

  it('still executes when an approval raced the timeout', async () => {
    const { runner, calls } = script({ Expire: async () => ({ next: 'execute' }) });
    const execution = await run(runner, { next: 'review', reviewSeconds: 1 }, 'command-review');
    expect(execution.statesEntered).toEqual(['AwaitReview', 'Expire', 'Route', 'Execute']);
    expect(calls.Record).toBeUndefined();
  });

  describe('Lambda faults', () => {
    const throttle = () => new TaskFailure('Lambda.TooManyRequestsException', 'Rate Exceeded.');
    const permanent = () => new TaskFailure('Error', 'the function failed');
    const failure = { Error: 'Error', Cause: 'the function failed' };

    it('AwaitReview: a throttle is retried, then the review goes on', async () => {
      let runner!: WorkflowRunner;
      const scripted = script({ AwaitReview: failing(1, throttle, reviewedBy(() => runner, 'approve')) });
      runner = scripted.runner;
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Execute']);
      expect(scripted.calls.AwaitReview).toHaveLength(2);
    });

    it('AwaitReview: a permanent error reaches Record as the session\'s failure', async () => {
      const { runner, calls } = script({ AwaitReview: failing(Infinity, permanent, async () => undefined) });
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Record']);
      expect(calls.Execute).toBeUndefined();
      expect(calls.Record).toEqual([expect.objectContaining({ sessionId: SESSION, failure })]);
    });

    it('AwaitReview: a SendTaskFailure on the token is recorded, not left waiting', async () => {
      let runner!: WorkflowRunner;
      const scripted = script({
        AwaitReview: async (event) => {
          setTimeout(() => runner.fail((event as { taskToken: string }).taskToken, 'ReviewAbandoned', 'nobody can decide'), 5);
          return undefined;
        },
      });
      runner = scripted.runner;
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Record']);
      expect(scripted.calls.Record[0]).toMatchObject({ failure: { Error: 'ReviewAbandoned', Cause: 'nobody can decide' } });
    });

    it('Expire: a permanent error reaches Record as the session\'s failure', async () => {
      const { runner, calls } = script({ Expire: failing(Infinity, permanent, async () => undefined) });
      const execution = await run(runner, { next: 'review', reviewSeconds: 1 }, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Expire', 'Record']);
      expect(calls.Record).toEqual([expect.objectContaining({ failure })]);
    });

    it('Execute: a transient database error is retried, then the command runs', async () => {
      const resuming = () => new TaskFailure('TransientDatabaseError', 'DatabaseResumingException: the database is resuming');
      const { runner, calls } = decidedBy('approve', { Execute: failing(2, resuming, async () => ({ status: 'done' })) });
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Execute']);
      expect(calls.Execute).toHaveLength(3);
      expect(calls.Record).toBeUndefined();
    });

    it('Execute: a permanent error reaches Record as the session\'s failure', async () => {
      const { runner, calls } = decidedBy('approve', { Execute: failing(Infinity, permanent, async () => undefined) });
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Execute', 'Record']);
      expect(calls.Execute).toHaveLength(1);
      expect(calls.Record).toEqual([expect.objectContaining({ sessionId: SESSION, failure })]);
    });

    it('Record: a permanent error ends the execution in SessionNotRecorded, for the reconciler to close the session', async () => {
      const { runner, calls } = decidedBy('approve', { Execute: failing(Infinity, permanent, async () => undefined), Record: failing(Infinity, permanent, async () => undefined) });
      const execution = await run(runner, REVIEW, 'command-review');
      expect(execution.statesEntered).toEqual(['AwaitReview', 'Execute', 'Record', 'SessionNotRecorded']);
      expect(calls.Record).toHaveLength(1);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('SessionNotRecorded');
    });
  });

  it('is its own machine: the same session id may name an execution on each, and a repeated start on one is the same execution', async () => {
    const { runner } = decidedBy('approve');
    const input = JSON.stringify({ sessionId: SESSION, Payload: REVIEW });
    const first = runner.start(SESSION, input, 'command-review');
    expect(runner.start(SESSION, input, 'command-review')).toBe(first);
    await first.done;
    const onSession = runner.start(SESSION, JSON.stringify({ sessionId: SESSION, Payload: { next: 'record' } }), 'session');
    await onSession.done;
    expect(onSession.arn).not.toBe(first.arn);
    expect(runner.execution(first.arn)).toBe(first);
    expect(runner.execution(onSession.arn)).toBe(onSession);
  });
});
