/**
 * Faults in the run of a command no rule covers (test/faults/run-faults.ts): an answer lost and the
 * event sent again, an event delivered twice, and every attempt failing. Each test counts the command's
 * rows in the database itself, checks the final state, and verifies every event chain. The run has no
 * timeout here, and its claims last as long as on AWS, so a run slowed by a loaded machine is waited for
 * (the timeout's own case is in command-run-timeout.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { UNREVIEWED } from './harness';
import { runFaultsPerFile } from './run-faults';

const { runtime, queued, attempts } = runFaultsPerFile();

describe('the run is delivered more than once', () => {
  it.each([
    ['its answer lost, the SDK sends the event again: two deliveries', 'loseResponse'],
    ['Lambda delivers the event twice at once', 'duplicate'],
  ] as const)('%s: the command runs once and is recorded done', async (_story, fault) => {
    queued.push({ moment: 'accept', fault: { kind: fault }, times: 1 });
    const submitted = await runtime().submit('alice', UNREVIEWED);
    await runtime().expectTruth(submitted, { runs: 1, status: 'done' });
    await runtime().stack.slack.lambda.idle();
    expect(attempts.length, 'deliveries of the run').toBeGreaterThanOrEqual(2);
    expect(await runtime().runs(submitted.tag)).toBe(1);
    expect((await runtime().session(submitted.id))?.status).toBe('done');
  });
});

describe('the run fails', () => {
  it('every attempt fails before the command is sent: the failure destination closes the session as failed, and nothing runs', async () => {
    queued.push({ moment: 'attempt', fault: { kind: 'error', errorType: 'Runtime.ExitError', message: 'RequestId: x Error: Runtime exited with error: signal: killed' }, times: 3 });
    const submitted = await runtime().submit('alice', UNREVIEWED);
    const session = await runtime().expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'execution_failed' });
    expect(session.error?.message).toMatch(/not run.*RetriesExhausted: Runtime\.ExitError/);
    expect(attempts).toHaveLength(3);
  });
});
