/**
 * The fault runtime for the run of a command no rule covers, which Lambda invokes asynchronously instead
 * of the session workflow (functions/app/command-run.ts): faults queued for the run function on the local
 * Lambda stand-in (an answer lost, an event delivered twice, an attempt failing), Data API faults, and
 * the run's attempts counted. Lambda's retries come 4 s and 8 s apart here (a minute and two on AWS).
 */
import { afterEach } from 'vitest';
import { createFaultQueue } from '../../infra/local/data-api/fault-queue';
import type { LambdaFault, LambdaFaultInjector } from '../../infra/local/lambda-server';
import { type LocalStackOptions, RUN_FUNCTION } from '../../infra/local/stack';
import { type FaultRuntime, faultRuntimePerFile } from './harness';

export interface RunFaults {
  /** The runtime of this file, once started. */
  readonly runtime: () => FaultRuntime;
  /** Faults the run function meets next: when Lambda accepts the event, or at an attempt. */
  readonly queued: { moment: 'accept' | 'attempt'; fault: LambdaFault; times: number }[];
  /** One entry per attempt of the run function. */
  readonly attempts: string[];
  readonly dataApiFaults: ReturnType<typeof createFaultQueue>;
}

/** Starts one runtime for the file; `runs` adds the run function's timeout and claim length. */
export function runFaultsPerFile(runs: Omit<NonNullable<LocalStackOptions['runs']>, 'retryDelaysMs'> = {}): RunFaults {
  const queued: RunFaults['queued'] = [];
  const attempts: string[] = [];
  const lambdaFaults: LambdaFaultInjector = {
    next(name, moment) {
      if (name !== RUN_FUNCTION) return undefined;
      if (moment === 'attempt') attempts.push(name);
      const entry = queued.find((candidate) => candidate.moment === moment);
      if (!entry) return undefined;
      if (--entry.times <= 0) queued.splice(queued.indexOf(entry), 1);
      return entry.fault;
    },
  };
  const dataApiFaults = createFaultQueue();
  let runtime: FaultRuntime | undefined;
  faultRuntimePerFile((started) => (runtime = started), {
    faults: dataApiFaults,
    slack: { retryDelaysMs: [10, 20], lambdaFaults },
    runs: { retryDelaysMs: [4_000, 8_000], ...runs },
  });
  afterEach(() => {
    queued.length = 0;
    attempts.length = 0;
    dataApiFaults.clear();
  });
  return { runtime: () => runtime!, queued, attempts, dataApiFaults };
}
