/**
 * Faults in the run of a command no rule covers, which Lambda invokes asynchronously instead of the
 * session workflow (functions/app/command-run.ts), on the local runtime's Lambda stand-in: an answer
 * lost and the event sent again, an event delivered twice, every attempt failing, and an attempt timing
 * out while its statement still runs. Each test counts the command's rows in the database itself,
 * checks the final state, and verifies every event chain.
 *
 * Attempts here time out after 5 s, claims last 6 s and Lambda's retries come 4 s and 8 s apart (90 s,
 * 100 s, and a minute and two on AWS): a retry after a timed-out attempt always finds its claim lapsed,
 * however slow the run, and an attempt that is not faulted has room to finish on a loaded machine (at
 * 1.5 s, a slow first delivery was timed out and its duplicate rightly recorded outcome_unknown).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultQueue } from '../../infra/local/data-api/fault-queue';
import type { LambdaFault, LambdaFaultInjector } from '../../infra/local/lambda-server';
import { RUN_FUNCTION } from '../../infra/local/stack';
import { type FaultRuntime, faultRuntimePerFile, UNREVIEWED } from './harness';

/** The next faults the run function meets, and how often it was attempted. */
const queued: { moment: 'accept' | 'attempt'; fault: LambdaFault; times: number }[] = [];
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

let runtime: FaultRuntime;
faultRuntimePerFile((started) => (runtime = started), {
  faults: dataApiFaults,
  slack: { retryDelaysMs: [10, 20], lambdaFaults },
  runs: { retryDelaysMs: [4_000, 8_000], timeoutMs: 5_000, claimSeconds: 6 },
});

afterEach(() => {
  queued.length = 0;
  attempts.length = 0;
  dataApiFaults.clear();
});

describe('the run is delivered more than once', () => {
  it('its answer lost, the SDK sends the event again: two deliveries, the command runs once and is recorded done', async () => {
    queued.push({ moment: 'accept', fault: { kind: 'loseResponse' }, times: 1 });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    await runtime.stack.slack.lambda.idle();
    expect(attempts.length, 'deliveries of the run').toBeGreaterThanOrEqual(2);
    expect(await runtime.runs(submitted.tag)).toBe(1);
    expect((await runtime.session(submitted.id))?.status).toBe('done');
  });

  it('Lambda delivers the event twice at once: the command runs once and is recorded done', async () => {
    queued.push({ moment: 'accept', fault: { kind: 'duplicate' }, times: 1 });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    await runtime.stack.slack.lambda.idle();
    expect(attempts.length, 'deliveries of the run').toBeGreaterThanOrEqual(2);
    expect(await runtime.runs(submitted.tag)).toBe(1);
    expect((await runtime.session(submitted.id))?.status).toBe('done');
  });
});

describe('the run fails', () => {
  it('every attempt fails before the command is sent: the failure destination closes the session as failed, and nothing runs', async () => {
    queued.push({ moment: 'attempt', fault: { kind: 'error', errorType: 'Runtime.ExitError', message: 'RequestId: x Error: Runtime exited with error: signal: killed' }, times: 3 });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    const session = await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'execution_failed' });
    expect(session.error?.message).toMatch(/not run.*RetriesExhausted: Runtime\.ExitError/);
    expect(attempts).toHaveLength(3);
  });

  it('an attempt times out after its commit, before its record: the retry finds the claim lapsed and records outcome_unknown, never sending the command again', async () => {
    // The commit goes through and its answer takes 20 s: the attempt times out at 5 s and is retried at
    // about 9 s. The stand-in cannot stop the handler as Lambda would; it hears the answer later and
    // finds the session closed.
    dataApiFaults.push({ type: 'Delay', message: 'slow answer', delayMs: 20_000 }, 1, { op: 'CommitTransaction' });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    const session = await runtime.expectTruth(submitted, { runs: 1, status: 'failed', errorCode: 'outcome_unknown' });
    expect(session.error?.message).toMatch(/^Outcome unknown: .*will not be run again/);
    // The abandoned handler hears the commit's answer: the session stays as the retry recorded it.
    await runtime.stack.slack.lambda.idle();
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    await runtime.expectTruth(submitted, { runs: 1, status: 'failed', errorCode: 'outcome_unknown' });
    const events = ((await (await runtime.as('alice')).get(`/sessions/${submitted.id}`)).body.events as { type: string }[]).map((event) => event.type);
    expect(events).toEqual(['session.requested', 'session.running', 'session.failed']);
  }, 90_000);
});
