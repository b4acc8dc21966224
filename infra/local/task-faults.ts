/**
 * Faults the local Step Functions stand-in can inject into a Task's Lambda invocation, for the
 * fault-injection suite (test/faults/). Handed to the WorkflowRunner at the composition root
 * (LocalStackOptions.taskFaults); npm start never sets one, and no product code knows it exists.
 *
 * An `error` fault makes the invocation fail before the function runs, with the error Step Functions
 * would surface (`Lambda.TooManyRequestsException` for a throttle, `Lambda.ServiceException`,
 * `Lambda.Unknown`…): the ASL's Retry and Catch then decide what happens, as on AWS. A `hold` fault
 * keeps the invocation waiting until the test releases it, so a race can be staged at an exact point.
 */
import { TaskFailure, type TaskState } from './workflow-runner';

export type TaskFault = { readonly kind: 'error'; readonly error: string; readonly message: string } | { readonly kind: 'hold'; readonly until: Promise<void> };

export interface TaskFaultInjector {
  /** Called before each invocation of a Task's function; throws or waits as the queued fault says. */
  before(state: TaskState, sessionId: string | undefined): Promise<void>;
}

interface Queued {
  readonly state: TaskState;
  readonly fault: TaskFault;
  remaining: number;
  /** Limits the fault to one session's execution, so other sessions in the same stack run untouched. */
  readonly sessionId?: string;
}

export interface TaskFaultQueue extends TaskFaultInjector {
  /** The next `times` invocations of `state` (for `sessionId`, when given) meet `fault`. */
  push(state: TaskState, fault: TaskFault, times?: number, sessionId?: string): void;
  /** How many invocations each state's faults answered, for asserting that a fault was really met. */
  readonly met: Record<string, number>;
  /** Forgets the queued faults and what was met, so each test counts its own. */
  clear(): void;
}

export function createTaskFaultQueue(): TaskFaultQueue {
  const queue: Queued[] = [];
  const met: Record<string, number> = {};
  return {
    met,
    push(state, fault, times = 1, sessionId) {
      queue.push({ state, fault, remaining: times, ...(sessionId ? { sessionId } : {}) });
    },
    clear() {
      queue.length = 0;
      for (const state of Object.keys(met)) delete met[state];
    },
    async before(state, sessionId) {
      const index = queue.findIndex((entry) => entry.state === state && (!entry.sessionId || entry.sessionId === sessionId));
      if (index < 0) return;
      const entry = queue[index];
      entry.remaining -= 1;
      if (entry.remaining <= 0) queue.splice(index, 1);
      met[state] = (met[state] ?? 0) + 1;
      if (entry.fault.kind === 'hold') return entry.fault.until;
      throw new TaskFailure(entry.fault.error, entry.fault.message);
    },
  };
}
