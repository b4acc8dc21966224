/**
 * The state machines' path tests' common part: a WorkflowRunner over the real ASL files with every Task's
 * result scripted and every call kept, a Task that fails a number of times, and a reviewer that answers
 * the task token.
 */
import { type TaskHandler, type TaskState, WorkflowRunner } from '../../infra/local/workflow-runner';
import type { WorkflowMachine } from '../../functions/domain/workflow-route';

const TEST_MACHINES = {
  session: 'arn:aws:states:us-east-1:000000000000:stateMachine:test-session',
  'command-review': 'arn:aws:states:us-east-1:000000000000:stateMachine:test-command-review',
};

export const SESSION = '9b2f3c1e-0d4a-4e8b-9a51-2f7c8d6e5a10';

export function script(overrides: Partial<Record<TaskState, TaskHandler>>) {
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
    OpenWindow: record('OpenWindow', overrides.OpenWindow ?? (async () => ({ windowEndsAt: new Date().toISOString() }))),
    EndWindow: record('EndWindow', overrides.EndWindow ?? (async () => ({ status: 'ended' }))),
  };
  const runner = new WorkflowRunner({ handlers, stateMachineArns: TEST_MACHINES, retryIntervalMs: 1 });
  return { runner, calls };
}

/** Fails the first `times` invocations with `error`, then behaves as `then`. */
export function failing(times: number, error: () => Error, then: TaskHandler): TaskHandler {
  let calls = 0;
  return async (event) => {
    calls += 1;
    if (calls <= times) throw error();
    return then(event);
  };
}

/** Makes AwaitReview hand its token to the test, which plays the review API. */
export function reviewedBy(runner: () => WorkflowRunner, decision: 'approve' | 'deny' | 'cancel'): TaskHandler {
  return async (event) => {
    const { taskToken } = event as { taskToken: string };
    setTimeout(() => runner().succeed(taskToken, { decision }), 5);
    return undefined;
  };
}

/**
 * Runs the session's execution on a machine (the session machine unless named). Without a route the
 * execution is a re-drive and asks Evaluate; with one, it is as submission starts it.
 */
export async function run(runner: WorkflowRunner, route?: object, machine: WorkflowMachine = 'session') {
  const execution = runner.start(SESSION, JSON.stringify(route ? { sessionId: SESSION, Payload: route } : { sessionId: SESSION }), machine);
  await execution.done;
  return execution;
}
