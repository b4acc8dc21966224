/**
 * An attempt of the run of a command no rule covers timing out after its commit, before its record
 * (test/faults/run-faults.ts). Attempts time out after 5 s and claims last 6 s here (90 s and 100 s on
 * AWS), so the retry, about 9 s in, always finds the claim lapsed; the commit's answer comes at 20 s.
 * Counted in the database itself, with every event chain verified.
 */
import { describe, expect, it } from 'vitest';
import { UNREVIEWED } from './harness';
import { runFaultsPerFile } from './run-faults';

const { runtime, dataApiFaults } = runFaultsPerFile({ timeoutMs: 5_000, claimSeconds: 6 });

describe('an attempt times out', () => {
  it('an attempt times out after its commit, before its record: the retry finds the claim lapsed and records outcome_unknown, never sending the command again', async () => {
    // The commit goes through and its answer takes 20 s: the attempt times out at 5 s and is retried at
    // about 9 s. The stand-in cannot stop the handler as Lambda would; it hears the answer later and
    // finds the session closed.
    dataApiFaults.push({ type: 'Delay', message: 'slow answer', delayMs: 20_000 }, 1, { op: 'CommitTransaction' });
    const submitted = await runtime().submit('alice', UNREVIEWED);
    const session = await runtime().expectTruth(submitted, { runs: 1, status: 'failed', errorCode: 'outcome_unknown' });
    expect(session.error?.message).toMatch(/^Outcome unknown: .*will not be run again/);
    // The abandoned handler hears the commit's answer: the session stays as the retry recorded it.
    await runtime().stack.slack.lambda.idle();
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    await runtime().expectTruth(submitted, { runs: 1, status: 'failed', errorCode: 'outcome_unknown' });
    const events = ((await (await runtime().as('alice')).get(`/sessions/${submitted.id}`)).body.events as { type: string }[]).map((event) => event.type);
    expect(events).toEqual(['session.requested', 'session.running', 'session.failed']);
  });
});
