import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { ConflictError } from '../../../functions/domain/errors';
import type { Identity } from '../../../functions/domain/identity';
import { ruleSchema } from '../../../functions/domain/rule';
import { fakeDeps } from './fakes';
import { alice, bob, carol, orders, sam } from './people';

/** In both steps' groups. */
const olga: Identity = { sub: '88888888-0000-4000-8000-000000000008', email: 'olga@example.com', name: 'Olga', groups: ['dba-approvers', 'sre'] };

async function pending(ordered = false) {
  const rule = ruleSchema.parse({
    name: 'dba-and-sre',
    resources: ['orders'],
    approvalSteps: [{ groups: ['dba-approvers'], approvals: 1 }, { groups: ['sre'], approvals: 1 }],
    ordered,
  });
  const deps = fakeDeps({ resources: [orders], rules: [rule] });
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'delete from orders where id = 7' });
  await deps.sessions.saveTaskToken(id, 'token-1');
  return { deps, id };
}

const approve = { decision: 'approve', via: 'api' } as const;

describe('approval steps', () => {
  it('approves only once every step is met, and records the plan and each approval\'s step', async () => {
    const { deps, id } = await pending();

    expect((await reviewSession(deps, bob, id, approve)).status).toBe('pending_review');
    await expect(reviewSession(deps, carol, id, approve)).rejects.toMatchObject({ code: 'step_met' });
    expect(deps.workflow.resumed).toEqual([]);
    const done = await reviewSession(deps, sam, id, approve);

    expect(done.status).toBe('approved');
    expect(done.approvals.map((a) => [a.name, a.step])).toEqual([['Bob', 0], ['Sam', 1]]);
    expect(deps.workflow.resumed).toHaveLength(1);
    const events = await deps.events.list(sessionStream(id));
    expect(events.map((e) => e.type)).toEqual(['session.requested', 'review.approved', 'review.approved', 'session.approved']);
    expect(events[0]?.details).toMatchObject({ approvalsRequired: 2, approvalSteps: [{ groups: ['dba-approvers'], approvals: 1 }, { groups: ['sre'], approvals: 1 }], ordered: false });
    expect(events[2]?.details).toMatchObject({ approval: { name: 'Sam', step: 1 } });
  });

  it('moves an approver who lost the race for a step to the next step they qualify for', async () => {
    const { deps, id } = await pending();

    // Both read the session with the dba step open; Bob's write lands first, so Olga's is decided again.
    const [first, second] = await Promise.all([reviewSession(deps, bob, id, approve), reviewSession(deps, olga, id, approve)]);

    expect(first.approvals).toHaveLength(1);
    expect(second.status).toBe('approved');
    expect(second.approvals.map((a) => [a.name, a.step])).toEqual([['Bob', 0], ['Olga', 1]]);
  });

  it('of two approvers from one group racing for its one-approval step, counts one and refuses the other', async () => {
    const { deps, id } = await pending();

    const outcomes = await Promise.allSettled([reviewSession(deps, bob, id, approve), reviewSession(deps, carol, id, approve)]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect(outcomes[1]).toMatchObject({ reason: expect.any(ConflictError) });
    expect((await deps.sessions.get(id))?.approvals.map((a) => a.name)).toEqual(['Bob']);
  });

  it('in order, refuses the second step until the first is met, with a code that says so', async () => {
    const { deps, id } = await pending(true);

    await expect(reviewSession(deps, sam, id, approve)).rejects.toMatchObject({ status: 409, code: 'step_not_open' });
    await reviewSession(deps, bob, id, approve);
    expect((await reviewSession(deps, sam, id, approve)).status).toBe('approved');
  });
});
