/**
 * The Step Functions workflow adapter against the local Step Functions stand-in (infra/local/workflow-server.ts
 * over the WorkflowRunner and the real ASL files): a command waiting for its review starts the
 * command-review machine, every other route and a re-drive the session machine; a repeated start is one
 * execution; an unknown state machine is refused as Step Functions refuses it.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepFunctionsWorkflow } from '../../../functions/adapters/workflow';
import type { Route } from '../../../functions/domain/workflow-route';
import { type TaskHandler, type TaskState, WorkflowRunner } from '../../../infra/local/workflow-runner';
import { startWorkflowServer } from '../../../infra/local/workflow-server';

const ARNS = {
  session: 'arn:aws:states:us-east-1:000000000000:stateMachine:adapter-session',
  'command-review': 'arn:aws:states:us-east-1:000000000000:stateMachine:adapter-command-review',
};
// Every Task returns at once and no review is ever decided: the executions under test stay where they start.
const idle: TaskHandler = async () => ({ next: 'record' });
const handlers = Object.fromEntries(['Evaluate', 'AwaitReview', 'Expire', 'Execute', 'Record', 'OpenWindow', 'EndWindow'].map((state) => [state, idle])) as Record<TaskState, TaskHandler>;

let runner: WorkflowRunner;
let server: { url: string; close(): Promise<void> };
let client: SFNClient;
let workflow: StepFunctionsWorkflow;

beforeAll(async () => {
  runner = new WorkflowRunner({ handlers, stateMachineArns: ARNS });
  server = await startWorkflowServer(runner);
  client = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  workflow = new StepFunctionsWorkflow(client, ARNS);
});

afterAll(async () => {
  await runner.stop();
  await server.close();
  client.destroy();
});

let counter = 0;
const nextSession = () => `00000000-0000-4000-a000-${String(++counter).padStart(12, '0')}`;

describe('StepFunctionsWorkflow', () => {
  const routes: Array<[string, Route | undefined, string]> = [
    ['a command waiting for its review', { next: 'review', reviewSeconds: 3600 }, ARNS['command-review']],
    ['an access window waiting for its review', { next: 'review', reviewSeconds: 3600, window: true }, ARNS.session],
    ['an approved command', { next: 'execute' }, ARNS.session],
    ['a session already final', { next: 'record' }, ARNS.session],
    ['a re-drive, without a route', undefined, ARNS.session],
  ];

  it.each(routes)('starts %s on its machine, with the route as input', async (_, route, stateMachineArn) => {
    const sessionId = nextSession();
    await workflow.start(sessionId, route);
    const execution = runner.executions.get(sessionId)!;
    const described = await client.send(new DescribeExecutionCommand({ executionArn: execution.arn }));
    expect(described).toMatchObject({ stateMachineArn, name: sessionId });
    expect(JSON.parse(described.input!)).toEqual(route ? { sessionId, Payload: route } : { sessionId });
  });

  it('enters AwaitReview first on the command-review machine: no Route Choice before the wait', async () => {
    const sessionId = nextSession();
    await workflow.start(sessionId, { next: 'review', reviewSeconds: 3600 });
    const execution = runner.executions.get(sessionId)!;
    await expect.poll(() => runner.isReviewWaiting(sessionId)).toBe(true);
    expect(execution.statesEntered).toEqual(['AwaitReview']);
  });

  it('starts a session twice with the same route as one execution', async () => {
    const sessionId = nextSession();
    const route: Route = { next: 'review', reviewSeconds: 3600 };
    await workflow.start(sessionId, route);
    const first = runner.executions.get(sessionId);
    await workflow.start(sessionId, route);
    expect(runner.executions.get(sessionId)).toBe(first);
  });

  it('is refused a state machine that does not exist, as Step Functions refuses it', async () => {
    const unknown = 'arn:aws:states:us-east-1:000000000000:stateMachine:no-such-machine';
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: unknown, name: nextSession(), input: '{}' }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(new StepFunctionsWorkflow(client, { ...ARNS, 'command-review': unknown }).start(nextSession(), { next: 'review', reviewSeconds: 60 })).rejects.toBeInstanceOf(
      StateMachineDoesNotExist,
    );
  });
});
