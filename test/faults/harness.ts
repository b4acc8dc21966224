/**
 * The fault-injection suite's harness: one local runtime (the same handlers and ASL file as on AWS)
 * with a Task fault queue and a DynamoDB fault queue at its composition root, and what every fault
 * test asserts, each read from the source of truth rather than from our own record of it:
 *
 * - how many times the command ran: every test command inserts a row tagged with a fresh value into
 *   `fault_runs`, and `runs(tag)` counts those rows with a query straight to the embedded database,
 *   past the Data API and past the session record;
 * - that the session ended in a final state: `settle(id)` polls the session store (bounded, no sleeps
 *   as synchronisation) until the session is final and its execution has ended;
 * - that every event chain verifies: `chainProblems(id)` runs the domain's verifier over the session's
 *   stream, the configuration stream and today's security stream, read from the event table;
 * - that the session's stream holds the event of its final status exactly once, so the record never ends
 *   short of what the session store says happened.
 *
 * Other fault tests (the Data API's and the killed process's) reuse it: pass `LocalStackOptions` to
 * `startFaultRuntime` (a Data API fault queue in `faults`, a `dataDir` for a restart).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { type ChainProblem, verifyChain } from '../../functions/domain/audit-chain';
import { isFinal, outcomeEventType, type Session, type SessionStatus } from '../../functions/domain/session';
import { CONFIG_STREAM, securityStream, sessionStream } from '../../functions/app/audit-trail';
import { localClusterArn } from '../../infra/local/demo-config';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack';
import { createTaskFaultQueue, type TaskFaultQueue } from '../../infra/local/task-faults';
import { createDynamoFaultQueue, type DynamoFaultQueue } from '../../infra/local/dynamo-faults';
import type { TaskState } from '../../infra/local/workflow-runner';
import { ApiClient } from '../e2e/client';

/** Governed by the demo rule: one approval from dba-approvers. */
export const REVIEWED = 'postgres-demo';
/** No rule covers it: its commands run at once. */
export const UNREVIEWED = 'postgres-staging';

/** Bounds for polling: generous, because the suite must pass on 2 busy cores; a pass never depends on speed. */
const SETTLE_MS = 60_000;
const POLL_MS = 20;

export interface Submitted {
  readonly id: string;
  /** The value the command's row carries; count it with `runs`. */
  readonly tag: string;
  readonly status: number;
}

export interface FaultRuntime {
  readonly stack: LocalStack;
  readonly taskFaults: TaskFaultQueue;
  /** Deaths staged between two DynamoDB writes of one invocation. */
  readonly dynamoFaults: DynamoFaultQueue;
  /** A signed-in demo user by first name (alice, bob, grace, henry, carol, dana, erin, frank). */
  as(name: string): Promise<ApiClient>;
  /** Submits a command that inserts one tagged row into `fault_runs`. */
  submit(who: string, resource: string): Promise<Submitted>;
  /** Rows the command with this tag inserted, counted in the database itself. */
  runs(tag: string): Promise<number>;
  session(id: string): Promise<Session | undefined>;
  /** Waits until `check` holds for the session, polling within a bound. */
  until(id: string, what: string, check: (session: Session) => boolean): Promise<Session>;
  /** Waits until the session is final and its execution has ended (the reconciler included). */
  settle(id: string): Promise<Session>;
  /** Waits until the session's execution waits on a review (its token handed out). */
  reviewWaiting(id: string): Promise<void>;
  chainProblems(id: string): Promise<Record<string, ChainProblem[]>>;
  /** The three assertions every fault test makes, in one call. */
  expectTruth(submitted: Submitted, expected: { readonly runs: 0 | 1; readonly status: SessionStatus; readonly errorCode?: string | RegExp }): Promise<Session>;
  close(): Promise<void>;
}

export async function poll<T>(what: string, read: () => Promise<T | undefined>, limitMs = SETTLE_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up after ${limitMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

export async function startFaultRuntime(options: LocalStackOptions = {}): Promise<FaultRuntime> {
  const taskFaults = createTaskFaultQueue();
  const dynamoFaults = createDynamoFaultQueue();
  const stack = await startLocalStack({
    port: 0,
    retryIntervalMs: 1,
    sharedDatabase: true,
    web: false,
    slack: { retryDelaysMs: [10, 20] },
    // A run that fails before its claim is retried at once; claims keep their length (tests that need a
    // claim to lapse start their own runtime with a shorter one).
    runs: { retryDelaysMs: [10, 20] },
    taskFaults,
    dynamoFaults,
    ...options,
  });
  const database = stack.backends.get(localClusterArn(REVIEWED));
  if (!database || database !== stack.backends.get(localClusterArn(UNREVIEWED))) throw new Error('The fault suite needs one shared embedded database.');
  await database.query('CREATE TABLE IF NOT EXISTS fault_runs (tag text NOT NULL, at timestamptz NOT NULL DEFAULT now())', []);
  const deps = () => stack.deps;
  const clients = new Map<string, ApiClient>();

  const runtime: FaultRuntime = {
    stack,
    taskFaults,
    dynamoFaults,
    async as(name) {
      if (!clients.has(name)) clients.set(name, await ApiClient.as(stack, `${name}@example.com`));
      return clients.get(name)!;
    },
    async submit(who, resource) {
      const tag = randomUUID();
      const reply = await (await runtime.as(who)).post('/sessions', { resource, command: `insert into fault_runs (tag) values ('${tag}')` });
      if (reply.status !== 202) throw new Error(`Submitting failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
      return { id: reply.body.session.id as string, tag, status: reply.status };
    },
    async runs(tag) {
      const result = await database.query('SELECT count(*)::int AS n FROM fault_runs WHERE tag = $1', [tag]);
      return Number(result.rows[0][0]);
    },
    session: (id) => deps().sessions.get(id),
    until: (id, what, check) =>
      poll(`session ${id} to be ${what}`, async () => {
        const session = await deps().sessions.get(id);
        return session && check(session) ? session : undefined;
      }),
    async settle(id) {
      const session = await runtime.until(id, 'final', (s) => isFinal(s.status));
      await poll(`the execution of ${id} to end`, async () => (stack.runner.executions.get(id)?.status === 'RUNNING' ? undefined : true));
      await stack.runner.executions.get(id)?.done;
      // The reconciler may have closed it after the execution ended: read it again.
      return (await deps().sessions.get(id)) ?? session;
    },
    async reviewWaiting(id) {
      await poll(`the review of ${id} to wait on its token`, async () => {
        const token = await deps().sessions.taskToken(id);
        return token && stack.runner.isWaiting(token) ? true : undefined;
      });
    },
    async chainProblems(id) {
      const streams = [sessionStream(id), CONFIG_STREAM, securityStream(new Date().toISOString())];
      const problems: Record<string, ChainProblem[]> = {};
      for (const stream of streams) problems[stream] = verifyChain(stream, await deps().events.list(stream));
      return problems;
    },
    async expectTruth(submitted, expected) {
      const session = await runtime.settle(submitted.id);
      expect(await runtime.runs(submitted.tag), 'rows the command inserted').toBe(expected.runs);
      expect(session.status).toBe(expected.status);
      if (expected.errorCode !== undefined) expect(session.error?.code).toMatch(expected.errorCode);
      // A command that ran is recorded as run, and one recorded as done really ran.
      if (session.status === 'done') expect(expected.runs).toBe(1);
      const problems = await runtime.chainProblems(submitted.id);
      for (const [stream, found] of Object.entries(problems)) expect(found, stream).toEqual([]);
      // The record ends as the session does: the event of its outcome, once.
      const types = (await deps().events.list(sessionStream(submitted.id))).map((event) => event.type);
      expect(types.length).toBeGreaterThan(0);
      const outcome = outcomeEventType(session.status);
      if (outcome) expect(types.filter((type) => type === outcome), 'the event of its outcome').toEqual([outcome]);
      return session;
    },
    async close() {
      await stack.stop();
    },
  };
  return runtime;
}

/**
 * Starts one fault runtime for the calling test file before its tests and closes it after them, handing
 * it to `started`. Bounds, not targets: on two busy cores starting a stack can take minutes and one test
 * many seconds; only a hang should fail them.
 */
export function faultRuntimePerFile(started: (runtime: FaultRuntime) => void, options: LocalStackOptions = {}): void {
  vi.setConfig({ testTimeout: 300_000, hookTimeout: 600_000 });
  let runtime: FaultRuntime | undefined;
  beforeAll(async () => {
    runtime = await startFaultRuntime(options);
    started(runtime);
  });
  afterAll(async () => {
    await runtime?.close();
  });
}

/** What Step Functions surfaces when Lambda throttles the invocation: the function never ran. */
export const THROTTLE = { kind: 'error', error: 'Lambda.TooManyRequestsException', message: 'Rate Exceeded.' } as const;
/** A permanent error: one the ASL does not retry (the function could not run at all). */
export const PERMANENT = { kind: 'error', error: 'Lambda.Unknown', message: 'The function could not run.' } as const;

export type { TaskState };
