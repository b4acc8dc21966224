/**
 * Approval policies over HTTP on the local runtime (docs/policies.md): approval steps across groups,
 * reason formats, and break-glass follow-up (with its overdue reminder, on a clock the test moves).
 * What ran is counted in the database itself: each governed command inserts a tagged row.
 */
import { describe, expect, it } from 'vitest';
import { eventually } from './eventually';
import { probeStack } from './probe-stack';
import { withRuleChanged } from './rule-change';

/** The handlers' clock: the system's, moved ahead by `aheadMs` to make a follow-up overdue. */
const clock = { aheadMs: 0, now: () => new Date(Date.now() + clock.aheadMs) };
const PROBE = 'policy_probe';
const e2e = probeStack(PROBE, ['alice', 'bob', 'grace', 'henry', 'carol', 'dana'], { clock });
const { as, rowsTagged } = e2e;
const session = async (id: string) => (await as.dana.get(`/sessions/${id}`)).body.session;

/** Runs `body` with the demo rule changed by `change`, and puts the rule back afterwards. */
const withRule = <T>(change: (rule: Record<string, unknown>) => Record<string, unknown>, body: () => Promise<T>) => withRuleChanged(as.dana, 'dba-by-command', change, body);

const submit = async (tag: string, reason?: string) =>
  as.alice.post('/sessions', { resource: 'postgres-demo', command: `insert into ${PROBE} values ('${tag}')`, ...(reason === undefined ? {} : { reason }) });

const STEPS = [{ groups: ['dba-approvers'], approvals: 1 }, { groups: ['sre'], approvals: 1 }];
const withSteps = ({ approvalGroups: _groups, approvalsRequired: _count, ...rule }: Record<string, unknown>) => ({ ...rule, approvalSteps: STEPS, forceApprovalGroups: [] });

describe('approval steps', () => {
  it('refuses a rule that gives both approvalSteps and approvalGroups, naming the field', async () => {
    const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
    const both = await as.dana.put('/rules/dba-by-command', { ...rule, approvalSteps: STEPS });
    expect(both.status).toBe(400);
    expect(both.body.error.details.fields).toEqual(expect.arrayContaining(['approvalGroups', 'approvalsRequired']));
  });

  it('runs only once every step is met: a second approver from the same group does not meet the sre step', async () => {
    await withRule(withSteps, async () => {
      const { body } = await submit('two-steps');
      const id = body.session.id as string;
      expect(body.session).toMatchObject({ status: 'pending_review', approvalsRequired: 2, rule: { approvalSteps: STEPS, ordered: false } });

      expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).body.session.approvals).toMatchObject([{ email: 'bob@example.com', step: 0 }]);
      const second = await as.grace.post(`/sessions/${id}/review`, { decision: 'approve' });
      expect(second.status).toBe(409);
      expect(second.body.error).toMatchObject({ code: 'step_met' });
      expect(second.body.error.message).toContain('dba-approvers 1/1 · sre 0/1');
      expect((await session(id)).status).toBe('pending_review');
      expect(await rowsTagged('two-steps')).toBe(0);

      const inbox = (await as.carol.get('/reviews')).body.reviews.find((item: { session: { id: string } }) => item.session.id === id);
      expect(inbox).toMatchObject({ canApprove: true });
      expect((await as.carol.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
      await eventually(async () => ((await session(id)).status === 'done' ? true : undefined), 'the command to run');
      expect(await rowsTagged('two-steps')).toBe(1);
      expect((await session(id)).approvals.map((a: { email: string; step: number }) => [a.email, a.step])).toEqual([['bob@example.com', 0], ['carol@example.com', 1]]);
    });
  });
});

describe('reason format', () => {
  const ticketed = (rule: Record<string, unknown>) => ({ ...rule, reasonPattern: '(?:OPS|INC)-[0-9]+', reasonLink: 'https://tracker.example.com/browse/{reason}' });

  it('refuses a pattern that could backtrack exponentially and a non-https link, naming the field', async () => {
    const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
    const slow = await as.dana.put('/rules/dba-by-command', { ...rule, reasonPattern: '(a+)+$' });
    expect(slow.status).toBe(400);
    expect(slow.body.error.details.fields).toEqual(['reasonPattern']);
    const plain = await as.dana.put('/rules/dba-by-command', { ...ticketed(rule), reasonLink: 'http://tracker.example.com/browse/{reason}' });
    expect(plain.status).toBe(400);
    expect(plain.body.error.details.fields).toEqual(['reasonLink']);
  });

  it('requires a matching reason at submission, and links it for reviewers', async () => {
    await withRule(ticketed, async () => {
      for (const reason of [undefined, 'cleanup', 'OPS-12; and more']) {
        const refused = await submit('no-ticket', reason);
        expect(refused.status, String(reason)).toBe(400);
        expect(refused.body.error.details.fields).toEqual(['reason']);
      }
      expect(await rowsTagged('no-ticket')).toBe(0);

      const { status, body } = await submit('ticketed', 'INC-7');
      expect(status).toBe(202);
      const id = body.session.id as string;
      const { events } = (await as.dana.get(`/sessions/${id}`)).body;
      const requested = events.find((event: { type: string }) => event.type === 'session.requested');
      expect(requested.details).toMatchObject({ reasonPattern: '(?:OPS|INC)-[0-9]+', reasonLink: 'https://tracker.example.com/browse/INC-7' });
      const inbox = (await as.bob.get('/reviews')).body.reviews.find((item: { session: { id: string } }) => item.session.id === id);
      expect(inbox.session.rule).toMatchObject({ reasonLink: 'https://tracker.example.com/browse/{reason}' });
    });
  });
});

describe('break-glass follow-up', () => {
  it('opens a follow-up on a forced approval that another approver acknowledges, once', async () => {
    const { body } = await submit('forced');
    const id = body.session.id as string;
    const forced = await as.carol.post(`/sessions/${id}/review`, { decision: 'approve', force: true, reason: 'INC-9 outage' });
    expect(forced.status).toBe(200);
    expect(forced.body.session.followUp).toMatchObject({ status: 'open' });
    expect(Date.parse(forced.body.session.followUp.dueAt) - Date.parse(forced.body.session.decidedAt)).toBe(48 * 3600_000);
    await eventually(async () => ((await session(id)).status === 'done' ? true : undefined), 'the forced command to run');
    expect(await rowsTagged('forced')).toBe(1);

    const open = (await as.bob.get('/reviews?scope=follow-up')).body.followUps;
    expect(open.map((item: { session: { id: string } }) => item.session.id)).toContain(id);
    expect(open.find((item: { session: { id: string } }) => item.session.id === id)).toMatchObject({ overdue: false });

    const bogus = await as.bob.post(`/sessions/${id}/follow-up`, { outcome: 'ignored' });
    expect(bogus.status).toBe(400);
    const closed = await as.bob.post(`/sessions/${id}/follow-up`, { outcome: 'acknowledged', note: 'matches INC-9' });
    expect(closed.status).toBe(200);
    expect(closed.body.session.followUp).toMatchObject({ status: 'acknowledged', closedBy: { email: 'bob@example.com' }, note: 'matches INC-9' });
    const twice = await as.henry.post(`/sessions/${id}/follow-up`, { outcome: 'flagged' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('follow_up_closed');
    expect((await as.bob.get('/reviews?scope=follow-up')).body.followUps.map((item: { session: { id: string } }) => item.session.id)).not.toContain(id);
    const { events } = (await as.dana.get(`/sessions/${id}`)).body;
    expect(events.filter((event: { type: string }) => event.type === 'follow_up.closed')).toHaveLength(1);
  });

  it('reminds the approvers\' channel once when a follow-up is overdue, however often the reminder runs', async () => {
    const { body } = await submit('overdue');
    const id = body.session.id as string;
    expect((await as.carol.post(`/sessions/${id}/review`, { decision: 'approve', force: true, reason: 'INC-11 outage' })).status).toBe(200);
    await eventually(async () => ((await session(id)).status === 'done' ? true : undefined), 'the forced command to run');
    const reminders = () => e2e.stack.slack.standIn!.messages.filter((message) => message.text.startsWith('Break-glass follow-up overdue') && JSON.stringify(message.blocks).includes(id));
    const remindedEvents = async () => ((await as.dana.get(`/sessions/${id}`)).body.events as { type: string; details: { notification: { channel: string; ts: string } } }[]).filter((event) => event.type === 'follow_up.reminded');

    expect((await e2e.stack.followUpReminder.now())?.failed).toBe(0);
    expect(reminders()).toEqual([]);

    clock.aheadMs = 48 * 3600_000 + 60_000;
    try {
      const runs = [await e2e.stack.followUpReminder.now(), await e2e.stack.followUpReminder.now(), await e2e.stack.followUpReminder.now()];
      expect(runs.map((run) => run?.failed)).toEqual([0, 0, 0]);
      expect(runs[1]?.reminded).toBe(0);
      expect(reminders()).toHaveLength(1);
      const events = await remindedEvents();
      expect(events).toHaveLength(1);
      expect(events[0]!.details.notification).toEqual({ channel: reminders()[0]!.channel, ts: reminders()[0]!.ts });
      const listed = (await as.bob.get('/reviews?scope=follow-up')).body.followUps.find((item: { session: { id: string } }) => item.session.id === id);
      expect(listed).toMatchObject({ overdue: true });

      // Closed, it leaves the index: later runs neither count nor remind it.
      expect((await as.bob.post(`/sessions/${id}/follow-up`, { outcome: 'flagged', note: 'reminded late' })).status).toBe(200);
      await e2e.stack.followUpReminder.now();
      expect(reminders()).toHaveLength(1);
      expect(await remindedEvents()).toHaveLength(1);
    } finally {
      clock.aheadMs = 0;
    }
  });

  it('refuses the follow-up to the person who forced it', async () => {
    await withRule((rule) => ({ ...rule, forceApprovalGroups: ['sre', 'dba-approvers'] }), async () => {
      const { body } = await submit('self-follow-up');
      const id = body.session.id as string;
      expect((await as.grace.post(`/sessions/${id}/review`, { decision: 'approve', force: true, reason: 'INC-10' })).status).toBe(200);
      const own = await as.grace.post(`/sessions/${id}/follow-up`, { outcome: 'acknowledged' });
      expect(own.status).toBe(403);
      expect(own.body.error.code).toBe('follow_up_forcer');
    });
  });
});
