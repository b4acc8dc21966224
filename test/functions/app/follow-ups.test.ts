import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { followUpSession, listFollowUps } from '../../../functions/app/follow-ups';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { ruleSchema } from '../../../functions/domain/rule';
import { fakeDeps } from './fakes';
import { alice, bob, carol, orders, sam } from './people';

async function forced(followUpHours?: number) {
  const rule = ruleSchema.parse({ name: 'dba-by-command', resources: ['orders'], approvalGroups: ['dba-approvers'], forceApprovalGroups: ['sre', 'dba-approvers'], ...(followUpHours ? { followUpHours } : {}) });
  const deps = fakeDeps({ resources: [orders], rules: [rule] });
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'delete from orders where id = 7' });
  await reviewSession(deps, bob, id, { decision: 'approve', force: true, reason: 'INC-1 outage', via: 'api' });
  return { deps, id };
}

describe('break-glass follow-up', () => {
  it('opens a follow-up due 48 h after a forced approval, or the rule\'s followUpHours', async () => {
    const { deps, id } = await forced();
    const session = await deps.sessions.get(id);
    expect(session?.followUp).toEqual({ status: 'open', dueAt: new Date(deps.clock.now().getTime() + 48 * 3600_000).toISOString() });
    const events = await deps.events.list(sessionStream(id));
    expect(events.find((e) => e.type === 'review.forced')?.details).toMatchObject({ followUp: { status: 'open' } });
    const short = await forced(4);
    expect((await short.deps.sessions.get(short.id))?.followUp?.dueAt).toBe(new Date(short.deps.clock.now().getTime() + 4 * 3600_000).toISOString());
  });

  it('lists it for the rule\'s other approvers, overdue once past due, and lets one other than the forcer close it once', async () => {
    const { deps, id } = await forced();
    expect((await listFollowUps(deps, carol, 10)).map((item) => [item.session.id, item.overdue])).toEqual([[id, false]]);
    deps.clock.advance(49 * 3600_000);
    expect((await listFollowUps(deps, carol, 10))[0]?.overdue).toBe(true);
    expect(await listFollowUps(deps, sam, 10)).toEqual([]);

    await expect(followUpSession(deps, bob, id, { outcome: 'acknowledged' })).rejects.toMatchObject({ status: 403, code: 'follow_up_forcer' });
    await expect(followUpSession(deps, sam, id, { outcome: 'acknowledged' })).rejects.toMatchObject({ status: 403, code: 'not_approver' });
    const closed = await followUpSession(deps, carol, id, { outcome: 'flagged', note: 'no incident ticket' });
    expect(closed.followUp).toMatchObject({ status: 'flagged', closedBy: { email: carol.email }, note: 'no incident ticket' });
    await expect(followUpSession(deps, carol, id, { outcome: 'acknowledged' })).rejects.toMatchObject({ status: 409, code: 'follow_up_closed' });
    // Someone who may not close it is refused as such, not told that it is closed.
    await expect(followUpSession(deps, sam, id, { outcome: 'acknowledged' })).rejects.toMatchObject({ status: 403, code: 'not_approver' });
    expect(await listFollowUps(deps, carol, 10)).toEqual([]);
    expect(deps.events.types(sessionStream(id)).at(-1)).toBe('follow_up.closed');
  });

  it('of two approvers closing at once, records one', async () => {
    const { deps, id } = await forced();
    const henry = { ...carol, sub: '99999999-0000-4000-8000-000000000009', email: 'henry@example.com', name: 'Henry' };
    const outcomes = await Promise.allSettled([
      followUpSession(deps, carol, id, { outcome: 'acknowledged' }),
      followUpSession(deps, henry, id, { outcome: 'flagged' }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(deps.events.types(sessionStream(id)).filter((type) => type === 'follow_up.closed')).toHaveLength(1);
  });

  it('refuses followUpHours on a rule nobody can force, naming the field', () => {
    const parsed = ruleSchema.safeParse({ name: 'r', resources: ['orders'], approvalGroups: ['g'], followUpHours: 24 });
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['followUpHours']);
  });
});
