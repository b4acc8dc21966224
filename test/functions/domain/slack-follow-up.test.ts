/** The overdue follow-up reminder's Slack message: who forced what, when it was due, how to close it; valid Block Kit. */
import { describe, expect, it } from 'vitest';
import { followUpReminder } from '../../../functions/domain/slack-follow-up';
import { newSession } from '../../../functions/domain/session';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { blockKitProblem } from '../../../infra/local/slack/stand-in';

const session = {
  ...newSession({
    id: '00000000-0000-4000-8000-000000000001',
    now: new Date('2026-11-26T10:00:00.000Z'),
    requester: { sub: 'alice', email: 'alice@example.com', name: 'Alice <b>', groups: ['dba'] },
    resource: { id: 'postgres-demo', name: 'Demo', type: 'postgres', database: 'demo' },
    command: 'delete from orders',
    rule: ruleSnapshot(ruleSchema.parse({ name: 'dba-by-command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], forceApprovalGroups: ['sre'] })),
  }),
  status: 'done' as const,
  forced: true,
  approvals: [{ sub: 'sam', email: 'sam@example.com', name: 'Sam', at: '2026-11-26T10:05:00.000Z', via: 'slack' as const, forced: true, reason: 'INC-1' }],
  followUp: { status: 'open' as const, dueAt: '2026-11-28T10:05:00.000Z' },
};

describe('followUpReminder', () => {
  it('names the forcer, the requester, the resource and the due time, links the session and says how to close it', () => {
    const message = followUpReminder(session, { webUrl: 'https://accessgate.example.com/' });
    expect(message.text).toBe('Break-glass follow-up overdue: Alice &lt;b&gt;\'s command on postgres-demo, due 2026-11-28T10:05:00.000Z');
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('Sam force-approved Alice &lt;b&gt;');
    expect(text).toContain('2026-11-28 10:05 UTC');
    expect(text).toContain('https://accessgate.example.com/#/sessions/00000000-0000-4000-8000-000000000001');
    expect(text).toContain('other than Sam');
    expect(text).toContain('accessgate review follow-up 00000000-0000-4000-8000-000000000001 --outcome acknowledged');
    expect(blockKitProblem(message.blocks)).toBeUndefined();
  });

  it('says access window for a window', () => {
    expect(followUpReminder({ ...session, kind: 'window', durationSeconds: 600 }, { webUrl: 'https://a.example.com' }).text).toContain("Alice &lt;b&gt;'s access window on postgres-demo");
  });
});
