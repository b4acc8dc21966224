/**
 * Races at the review: an approval against the end of the review window, and 100 approvals of one
 * session at once. Whoever wins, the command runs at most once, the database and the record agree,
 * and every chain verifies. The window's end is reached through the Step Functions stand-in (the
 * shortest window a rule may set is 60 s), and the race point is held with a Task fault, not a sleep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultRuntime, poll, REVIEWED, faultRuntimePerFile } from './harness';

let runtime: FaultRuntime;
faultRuntimePerFile((started) => (runtime = started));

afterEach(() => {
  runtime.taskFaults.clear();
});

const approve = async (who: string, id: string) => (await runtime.as(who)).post(`/sessions/${id}/review`, { decision: 'approve' });

describe('an approval racing the review timeout', () => {
  it('lands after the window ended but before Expire ran: the approval was in time, and the command runs once', async () => {
    const submitted = await runtime.submit('alice', REVIEWED);
    await runtime.reviewWaiting(submitted.id);
    const { promise: released, resolve: release } = Promise.withResolvers<void>();
    const held = runtime.taskFaults.met.Expire ?? 0;
    runtime.taskFaults.push('Expire', { kind: 'hold', until: released }, 1, submitted.id);
    expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
    await poll('Expire to be invoked', async () => ((runtime.taskFaults.met.Expire ?? 0) > held ? true : undefined));

    expect((await approve('bob', submitted.id)).status).toBe(200);
    release();
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
  });

  it('lands after Expire closed the review: it is refused, and nothing runs', async () => {
    const submitted = await runtime.submit('alice', REVIEWED);
    await runtime.reviewWaiting(submitted.id);
    expect(runtime.stack.runner.endReviewWindow(submitted.id)).toBe(true);
    await runtime.until(submitted.id, 'expired', (session) => session.status === 'expired');
    expect((await approve('bob', submitted.id)).status).toBe(409);
    await runtime.expectTruth(submitted, { runs: 0, status: 'expired' });
  });

  it('lands at the same moment as the window ends: whichever wins, the record matches the database', async () => {
    for (let round = 0; round < 3; round += 1) {
      const submitted = await runtime.submit('alice', REVIEWED);
      await runtime.reviewWaiting(submitted.id);
      const [reply] = await Promise.all([approve('grace', submitted.id), Promise.resolve().then(() => runtime.stack.runner.endReviewWindow(submitted.id))]);
      expect([200, 409]).toContain(reply.status);
      if (reply.status === 200) await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
      else await runtime.expectTruth(submitted, { runs: 0, status: 'expired' });
    }
  });
});

describe('100 concurrent approvals of one session', () => {
  it('count each approver once, close the review once, and run the command once', async () => {
    const dana = await runtime.as('dana');
    const rule = (await dana.get('/rules/dba-by-command')).body.rule;
    expect((await dana.put('/rules/dba-by-command', { ...rule, approvalsRequired: 2 })).status).toBe(200);
    try {
      const submitted = await runtime.submit('alice', REVIEWED);
      await runtime.reviewWaiting(submitted.id);
      const approvers = ['bob', 'grace', 'henry'];
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => approve(approvers[i % approvers.length], submitted.id)));
      const statuses = replies.map((reply) => reply.status);
      expect(statuses.filter((status) => status !== 200 && status !== 409)).toEqual([]);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);

      const session = await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
      expect(session.approvals).toHaveLength(2);
      expect(new Set(session.approvals.map((approval) => approval.sub)).size).toBe(2);
      const types = (await runtime.stack.deps.events.list(`SESSION#${submitted.id}`)).map((event) => event.type);
      expect(types.filter((type) => type === 'review.approved')).toHaveLength(2);
      expect(types.filter((type) => type === 'session.approved')).toHaveLength(1);
      expect(types.filter((type) => type === 'session.running')).toHaveLength(1);
    } finally {
      await dana.put('/rules/dba-by-command', rule);
    }
  });
});
