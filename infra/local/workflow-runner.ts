/**
 * Runs the two state machines, statemachines/session.asl.json and command-review.asl.json, on
 * aws-local-stepfunctions, the same files the AWS stack deploys, with each Task state mapped to the
 * Lambda handler module that Task runs on AWS. Execution names are unique per state machine, as on AWS.
 *
 * The `.waitForTaskToken` wait is a broker keyed by token: the AwaitReview override mints a token,
 * invokes the handler with it exactly as Step Functions would, and returns a promise that settles only
 * when SendTaskSuccess / SendTaskFailure name that token (served by workflow-server.ts), or when the
 * state's TimeoutSecondsPath fires inside the library.
 *
 * When an execution ends other than SUCCEEDED, `onExecutionEnd` hears of it, as EventBridge's
 * "Step Functions Execution Status Change" rule does on AWS; executions the runner itself aborts on
 * shutdown are not reported (their sessions are re-driven at the next start). `taskFaults` is the
 * fault-injection suite's hook into each Task invocation (see task-faults.ts).
 */
import './polyfills';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type RunOptions, StateMachine } from 'aws-local-stepfunctions';
import type { TaskFaultInjector } from './task-faults';
import type { WorkflowMachine } from '../../functions/domain/workflow-route';

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/** Each state machine's definition, as infra/constructs/workflow.ts deploys it. */
export const ASL_FILES: Readonly<Record<WorkflowMachine, string>> = {
  session: fileURLToPath(new URL('../../statemachines/session.asl.json', import.meta.url)),
  'command-review': fileURLToPath(new URL('../../statemachines/command-review.asl.json', import.meta.url)),
};

/** The Lambda-backed Task states and the substitution that names each one's function in the ASL. */
export const TASK_FUNCTIONS = {
  Evaluate: 'EvaluateFunctionArn',
  AwaitReview: 'AwaitReviewFunctionArn',
  Expire: 'ExpireFunctionArn',
  Execute: 'ExecuteFunctionArn',
  Record: 'RecordFunctionArn',
  OpenWindow: 'OpenWindowFunctionArn',
  EndWindow: 'EndWindowFunctionArn',
} as const;
export type TaskState = keyof typeof TASK_FUNCTIONS;

/**
 * Task states that run another state's function: an access window's review waits on the same
 * AwaitReview Lambda as a command's. Faults injected into a function reach every state that runs it.
 */
const SHARED_FUNCTION_STATES = { AwaitWindowReview: 'AwaitReview' } as const satisfies Record<string, TaskState>;

export type TaskHandler = (event: unknown) => Promise<unknown>;

/** Resolves `${Name}` placeholders as CDK's definitionSubstitutions does; an unknown name is an error. */
export function substitute(definition: string, values: Record<string, string>): string {
  return definition.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`The ASL names \${${name}} but no substitution was given for it.`);
    return value;
  });
}

export function localDefinition(machine: WorkflowMachine): object {
  const placeholders = Object.fromEntries(
    Object.values(TASK_FUNCTIONS).map((name) => [name, `arn:aws:lambda:us-east-1:000000000000:function:accessgate-${name.replace(/FunctionArn$/, '')}`]),
  );
  return JSON.parse(substitute(readFileSync(ASL_FILES[machine], 'utf8'), placeholders)) as object;
}

export class TaskFailure extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

interface Waiter {
  readonly sessionId: string | undefined;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface Execution {
  readonly name: string;
  readonly arn: string;
  readonly stateMachineArn: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order: what the ASL path tests assert on. */
  readonly statesEntered: string[];
  readonly done: Promise<void>;
  readonly abort: () => void;
}

export interface WorkflowRunnerOptions {
  readonly handlers: Record<TaskState, TaskHandler>;
  /** Each machine's ARN: StartExecution names one of these. */
  readonly stateMachineArns: Readonly<Record<WorkflowMachine, string>>;
  /** Milliseconds between retries instead of the ASL's IntervalSeconds, so tests need not wait. */
  readonly retryIntervalMs?: number;
  /** Hears of every execution that ends FAILED or ABORTED (not those aborted by stop()). */
  readonly onExecutionEnd?: (execution: Execution) => Promise<void>;
  readonly taskFaults?: TaskFaultInjector;
  /** Hears the type of every execution history event, as the state machine's log group would. */
  readonly onHistoryEvent?: (type: string) => void;
}

export class WorkflowRunner {
  private readonly machines = {
    session: new StateMachine(localDefinition('session') as never, { validationOptions: { checkArn: true, checkPaths: true } }),
    'command-review': new StateMachine(localDefinition('command-review') as never, { validationOptions: { checkArn: true, checkPaths: true } }),
  };
  private readonly waiters = new Map<string, Waiter>();
  /** Every execution by its ARN (which holds the machine's name and the execution's). */
  private readonly byArn = new Map<string, Execution>();
  /** The latest execution of each name, on whichever machine (a session's, by its id). */
  readonly executions = new Map<string, Execution>();
  private stopping = false;

  constructor(private readonly options: WorkflowRunnerOptions) {}

  /** The machine an ARN names; undefined for any other ARN (Step Functions' StateMachineDoesNotExist). */
  machineOf(stateMachineArn: string): WorkflowMachine | undefined {
    return (Object.keys(this.machines) as WorkflowMachine[]).find((machine) => this.options.stateMachineArns[machine] === stateMachineArn);
  }

  /** An execution by its ARN, as DescribeExecution finds it. */
  execution(executionArn: string): Execution | undefined {
    return this.byArn.get(executionArn);
  }

  /**
   * Starts an execution of a machine (the session machine unless named); a second start with the same
   * name and input on the same machine returns the first (Step Functions' idempotency).
   */
  start(name: string, input: string, machine: WorkflowMachine = 'session'): Execution {
    const stateMachineArn = this.options.stateMachineArns[machine];
    const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.byArn.get(arn);
    if (existing) {
      if (existing.input === input && existing.status === 'RUNNING') return existing;
      throw new TaskFailure('ExecutionAlreadyExists', `Execution already exists: '${existing.arn}'`);
    }
    const statesEntered: string[] = [];
    const run = this.machines[machine].run(JSON.parse(input), {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: this.overrides(),
        ...(this.options.retryIntervalMs !== undefined
          ? { retryIntervalOverrides: { Execute: this.options.retryIntervalMs, Evaluate: 0, AwaitReview: 0, AwaitWindowReview: 0, Expire: 0, Record: 0, OpenWindow: 0, EndWindow: 0 } }
          : {}),
      },
      // The library has one context per execution; the AwaitReview override swaps in a token per wait.
      context: {
        Execution: { Id: arn, Name: name, Input: JSON.parse(input), StartTime: new Date().toISOString() },
        Task: { Token: 'replaced-per-wait' },
      } as never,
    });
    const execution: Execution = {
      name,
      arn,
      stateMachineArn,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      statesEntered,
      abort: () => {
        execution.status = 'ABORTED';
        run.abort();
      },
      done: this.follow(run, statesEntered).then(
        (output) => {
          if (execution.status === 'ABORTED') return;
          execution.status = 'SUCCEEDED';
          execution.output = JSON.stringify(output);
        },
        (wrapped: Error & { cause?: unknown }) => {
          // The library wraps what ended the execution in an ExecutionError; Step Functions reports
          // the error itself (a Fail state's Error and Cause, or the uncaught Task error).
          const error = wrapped.cause instanceof Error ? wrapped.cause : wrapped;
          execution.status = 'FAILED';
          execution.error = error.name;
          execution.cause = error.message;
          console.error(JSON.stringify({ message: 'workflow execution failed', execution: name, error: error.message }));
        },
      ).finally(async () => {
        execution.stopDate = new Date();
        if (execution.status !== 'SUCCEEDED' && !this.stopping) await this.reportEnd(execution);
      }),
    };
    this.byArn.set(arn, execution);
    this.executions.set(name, execution);
    return execution;
  }

  private async reportEnd(execution: Execution): Promise<void> {
    try {
      await this.options.onExecutionEnd?.(execution);
    } catch (error) {
      console.error(JSON.stringify({ message: 'execution end not handled', execution: execution.name, error: (error as Error).message }));
    }
  }

  private async follow(run: ReturnType<StateMachine['run']>, statesEntered: string[]): Promise<unknown> {
    const collect = (async () => {
      for await (const event of run.eventLogs) {
        this.options.onHistoryEvent?.(event.type);
        if (event.type === 'StateEntered' && 'state' in event) statesEntered.push(event.state.name);
      }
    })();
    const output = await run.result;
    await collect.catch(() => undefined);
    return output;
  }

  private overrides(): LocalHandlers {
    const { handlers, taskFaults } = this.options;
    const asTask = (state: TaskState, fn: (input: unknown) => Promise<unknown>) =>
      (async (input: unknown) => {
        const payload = state === 'AwaitReview' ? (input as { Payload?: unknown }).Payload : input;
        await taskFaults?.before(state, (payload as { sessionId?: string } | undefined)?.sessionId);
        return fn(input);
      }) as LocalHandlers[string];
    const own: Record<TaskState, LocalHandlers[string]> = {
      Evaluate: asTask('Evaluate', handlers.Evaluate),
      Expire: asTask('Expire', handlers.Expire),
      Execute: asTask('Execute', handlers.Execute),
      Record: asTask('Record', handlers.Record),
      OpenWindow: asTask('OpenWindow', handlers.OpenWindow),
      EndWindow: asTask('EndWindow', handlers.EndWindow),
      AwaitReview: asTask('AwaitReview', (input) => this.awaitReview(input as { Payload: Record<string, unknown> })),
    };
    return { ...own, ...Object.fromEntries(Object.entries(SHARED_FUNCTION_STATES).map(([state, task]) => [state, own[task]])) };
  }

  /**
   * One fresh token per wait (the library gives one per execution). The waiter is registered before
   * the handler runs, so a decision made while the handler is still storing the token is not lost.
   */
  private async awaitReview(input: { Payload: Record<string, unknown> }): Promise<unknown> {
    const token = randomBytes(48).toString('base64url');
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    // A decision or the window's end may arrive while the handler still runs: the rejection is
    // awaited below, and must not count as unhandled meanwhile.
    promise.catch(() => undefined);
    const sessionId = typeof input.Payload.sessionId === 'string' ? input.Payload.sessionId : undefined;
    this.waiters.set(token, { sessionId, resolve, reject });
    try {
      await this.options.handlers.AwaitReview({ ...input.Payload, taskToken: token });
      return await promise;
    } finally {
      this.waiters.delete(token);
    }
  }

  /** SendTaskSuccess: false when no task waits on that token any more (Step Functions' TaskTimedOut). */
  succeed(token: string, output: unknown): boolean {
    const waiter = this.waiters.get(token);
    if (!waiter) return false;
    this.waiters.delete(token);
    waiter.resolve(output);
    return true;
  }

  fail(token: string, error: string, cause: string): boolean {
    const waiter = this.waiters.get(token);
    if (!waiter) return false;
    this.waiters.delete(token);
    waiter.reject(new TaskFailure(error || 'TaskFailed', cause));
    return true;
  }

  /** Whether the session's execution waits on a review now (its AwaitReview handler may still be running). */
  isReviewWaiting(sessionId: string): boolean {
    return [...this.waiters.values()].some((waiter) => waiter.sessionId === sessionId);
  }

  /**
   * Ends the session's review wait as its TimeoutSecondsPath would when the window passes: the Task
   * fails with States.Timeout and its token is no longer valid. Lets tests reach the end of a window
   * (60 s at the least) without waiting for it; false when nothing waits.
   */
  endReviewWindow(sessionId: string): boolean {
    const entry = [...this.waiters.entries()].find(([, waiter]) => waiter.sessionId === sessionId);
    if (!entry) return false;
    this.waiters.delete(entry[0]);
    entry[1].reject(new TaskFailure('States.Timeout', 'Task timed out.'));
    return true;
  }

  /** Whether a token is one this runner ever minted and still waits on. */
  isWaiting(token: string): boolean {
    return this.waiters.has(token);
  }

  /** Stops every running execution (on shutdown): their sessions are re-driven at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const execution of this.byArn.values()) if (execution.status === 'RUNNING') execution.abort();
    for (const waiter of this.waiters.values()) waiter.reject(new TaskFailure('States.Aborted', 'the local runtime is stopping'));
    this.waiters.clear();
    await this.idle();
  }

  async idle(): Promise<void> {
    await Promise.all([...this.byArn.values()].map((execution) => execution.done));
  }
}
