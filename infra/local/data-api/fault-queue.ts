/** Test-only fault injection for the local Data API: answer chosen calls with an AWS exception instead of running them. */
export interface DataApiFault {
  /** Exception name as AWS sends it in `x-amzn-errortype`, e.g. `DatabaseResumingException`. */
  type: string;
  message: string;
  /** HTTP status; defaults to the status AWS uses for that exception (400 when unknown). */
  status?: number;
  /** True: the call runs, then this fault is answered instead of its result (a response lost after the work was done). */
  after?: boolean;
  /** Set: the call runs and its own answer comes this many ms later (a slow answer, not an error: `type` is not answered). */
  delayMs?: number;
}

export interface FaultInjector {
  /** Called before each operation; a returned fault is answered instead of running it, or, with `after`, instead of its result. */
  next(op: string, sql: string): DataApiFault | undefined;
}


/**
 * A fault injector for tests: queue faults that the next matching calls answer with.
 * `push({type:'DatabaseResumingException', message:'...'}, 2)` fails the next two calls.
 */
export function createFaultQueue(): FaultInjector & {
  push(fault: DataApiFault, times?: number, match?: { op?: string; sqlIncludes?: string }): void;
  clear(): void;
  pending(): number;
} {
  const queue: Array<{ fault: DataApiFault; remaining: number; match?: { op?: string; sqlIncludes?: string } }> = [];
  return {
    push(fault, times = 1, match) {
      queue.push({ fault, remaining: times, match });
    },
    clear() {
      queue.length = 0;
    },
    pending() {
      return queue.reduce((n, e) => n + e.remaining, 0);
    },
    next(op, sql) {
      const idx = queue.findIndex(
        (e) => (!e.match?.op || e.match.op === op) && (!e.match?.sqlIncludes || sql.includes(e.match.sqlIncludes)),
      );
      if (idx < 0) return undefined;
      const entry = queue[idx];
      if (--entry.remaining <= 0) queue.splice(idx, 1);
      return entry.fault;
    },
  };
}
