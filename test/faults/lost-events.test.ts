/**
 * The invocation that closes or approves a session dies between storing it and the event that records the
 * change (the DynamoDB fault queue stops that one append, as a killed Lambda never sends it). Whatever
 * meets the session next appends the missing event, once: Record with the failure the workflow caught,
 * the run's failure destination, Expire, Execute before it runs an approved command. Each test counts the command's rows in the database and the outcome's
 * events in the session's stream (expectTruth), and that the death was really staged.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sessionStream } from '../../functions/app/audit-trail';
import { DECISION_REQUEST_SECONDS } from '../../functions/domain/session-outcome';
import { type FaultRuntime, faultRuntimePerFile, poll, REVIEWED, UNREVIEWED } from './harness';

/** The handlers' clock: the system's, moved ahead by `aheadMs` past a decision request's lifetime. */
const clock = { aheadMs: 0, now: () => new Date(Date.now() + clock.aheadMs) };

let runtime: FaultRuntime;
faultRuntimePerFile((started) => (runtime = started), { clock });

afterEach(() => {
  runtime.dynamoFaults.clear();
  clock.aheadMs = 0;
});

async function reviewWaiting() {
  const submitted = await runtime.submit('alice', REVIEWED);
  await runtime.reviewWaiting(submitted.id);
  return submitted;
}

const eventsOf = (id: string) => runtime.stack.deps.events.list(sessionStream(id));

/**
 * A reviewed command whose review waits; `who`'s request to `/sessions/{id}/<path>` stores the decision
 * and dies before appending `eventType` (500); past the time such a request may still be at work, so the
 * event is known to be lost and not late, the review's window ends.
 */
async function decisionDiesBefore(eventType: string, who: string, path: string, body: Record<string, unknown>) {
  const submitted = await reviewWaiting();
  runtime.dynamoFaults.push({ operation: 'PutItem', eventType });
  expect((await (await runtime.as(who)).post(`/sessions/${submitted.id}/${path}`, body)).status).toBe(500);
  expect(runtime.dynamoFaults.met.count).toBe(1);
  clock.aheadMs = (DECISION_REQUEST_SECONDS + 1) * 1000;
  expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
  return submitted;
}

describe('the invocation that closes or approves a session dies before the event that records it', () => {
  it('Execute, after the command ran: Record appends session.done, and the command ran once', async () => {
    const submitted = await reviewWaiting();
    runtime.dynamoFaults.push({ operation: 'PutItem', eventType: 'session.done' });
    expect((await (await runtime.as('bob')).post(`/sessions/${submitted.id}/review`, { decision: 'approve' })).status).toBe(200);
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    expect(runtime.dynamoFaults.met.count).toBe(1);
  });

  it('the run of a command no rule covers: its failure destination appends session.done, and the command ran once', async () => {
    runtime.dynamoFaults.push({ operation: 'PutItem', eventType: 'session.done' });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    // No execution to wait for: the run's deliveries, then its failure destination, come one by one.
    await poll('session.done to be appended', async () => ((await eventsOf(submitted.id)).some((event) => event.type === 'session.done') ? true : undefined));
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    expect(runtime.dynamoFaults.met.count).toBe(1);
  });

  it('Expire: Record appends session.expired, and nothing runs', async () => {
    const submitted = await reviewWaiting();
    runtime.dynamoFaults.push({ operation: 'PutItem', eventType: 'session.expired' });
    expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
    await runtime.expectTruth(submitted, { runs: 0, status: 'expired' });
    expect(runtime.dynamoFaults.met.count).toBe(1);
  });

  it('a denial\'s request: bob gets an error, and when the review window passes Expire appends review.denied in his name', async () => {
    const submitted = await decisionDiesBefore('review.denied', 'bob', 'review', { decision: 'deny', reason: 'not now' });
    await runtime.expectTruth(submitted, { runs: 0, status: 'denied' });
    expect((await eventsOf(submitted.id)).find((event) => event.type === 'review.denied')?.actor).toMatchObject({ email: 'bob@example.com' });
  });

  it('an approval\'s request: bob gets an error, and when the review window passes the command runs once with his approval on the record', async () => {
    const submitted = await decisionDiesBefore('review.approved', 'bob', 'review', { decision: 'approve' });
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    const events = await eventsOf(submitted.id);
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'review.approved')).toHaveLength(1);
    expect(types.filter((type) => type === 'session.approved')).toHaveLength(1);
    expect(types.indexOf('session.approved')).toBeLessThan(types.indexOf('session.running'));
    expect(events.find((event) => event.type === 'review.approved')?.actor).toMatchObject({ email: 'bob@example.com' });
  });

  it('a cancellation\'s request: alice gets an error, and when the review window passes Expire appends session.cancelled in her name', async () => {
    const submitted = await decisionDiesBefore('session.cancelled', 'alice', 'cancel', {});
    await runtime.expectTruth(submitted, { runs: 0, status: 'cancelled' });
    expect((await eventsOf(submitted.id)).find((event) => event.type === 'session.cancelled')?.actor).toMatchObject({ email: 'alice@example.com' });
  });
});
