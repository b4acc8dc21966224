/**
 * One person is one approver, on the local runtime: a person approving once in Slack and once through
 * the API is counted once even when their directory entry carries a stale subject, and Slack and the
 * API take a reviewer's groups from the same place, the directory. What ran is counted in the
 * database itself: the governed command inserts a row.
 */
import { describe, expect, it } from 'vitest';
import { subjectOf } from '../../infra/local/identity';
import type { RecordedMessage } from '../../infra/local/slack/stand-in';
import { eventually } from './eventually';
import { probeStack } from './probe-stack';
import { withRuleChanged } from './rule-change';

const PROBE = 'approval_probe';
const e2e = probeStack(PROBE, ['alice', 'bob', 'grace', 'dana'], { slack: { timeoutMs: 500, retryDelaysMs: [400, 800] } });
const { as, rowsTagged } = e2e;

const reviewMessage = (id: string) =>
  eventually(async () => {
    const messages = (await (await fetch(`${e2e.stack.url}/local/slack/messages`)).json()) as RecordedMessage[];
    return messages.find((m) => !m.user && JSON.stringify(m.blocks).includes(id));
  }, `the review message of ${id}`);
const clickApprove = async (user: string, id: string) => {
  const message = await reviewMessage(id);
  return e2e.stack.slack.standIn!.click({ user, channel: message.channel, ts: message.ts, actionId: 'approve' });
};
const submit = async (tag: string) => {
  const { body } = await as.alice.post('/sessions?wait=10', { resource: 'postgres-demo', command: `insert into ${PROBE} values ('${tag}')` });
  expect(body.session.status).toBe('pending_review');
  return body.session.id as string;
};
const session = async (id: string) => (await as.dana.get(`/sessions/${id}`)).body.session;
const entry = (email: string, name: string, groups: string[], sub = subjectOf(email)) => as.dana.put(`/directory/users/${email}`, { sub, name, groups });

/** Runs `body` with the demo rule asking for `approvalsRequired` approvals, and puts the rule back afterwards. */
const withRule = <T>(approvalsRequired: number, body: () => Promise<T>) => withRuleChanged(as.dana, 'dba-by-command', (rule) => ({ ...rule, approvalsRequired }), body);

describe('one person is one approver', () => {
  it('counts bob once when he approves in Slack under a stale directory subject and again through the API', async () => {
    await withRule(2, async () => {
      expect((await entry('bob@example.com', 'Bob Brown', ['dba-approvers'], '00000000-0000-4000-a000-0000000000b0')).status).toBe(200);
      try {
        const id = await submit('stale-sub');
        expect((await clickApprove('UBOB', id)).status).toBe(200);
        await eventually(async () => ((await session(id)).approvals.length === 1 ? true : undefined), 'bob\'s Slack approval');

        const again = await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' });
        expect(again.status).toBe(200);
        expect(again.body.session).toMatchObject({ status: 'pending_review', approvals: [{ email: 'bob@example.com', via: 'slack' }] });
        expect(await rowsTagged('stale-sub')).toBe(0);

        // A second person completes the count, and the command runs once.
        expect((await as.grace.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
        expect((await as.alice.get(`/sessions/${id}?wait=15`)).body.session.status).toBe('done');
        expect(await rowsTagged('stale-sub')).toBe(1);
      } finally {
        await entry('bob@example.com', 'Bob Brown', ['dba-approvers']);
      }
    });
  });

  it('takes an approver\'s groups from the directory in Slack and through the API alike', async () => {
    await withRule(1, async () => {
      // Dana's token says admins only; her directory entry adds dba-approvers.
      expect((await entry('dana@example.com', 'Dana Diaz', ['admins', 'dba-approvers'])).status).toBe(200);
      // Bob's token says dba-approvers; his directory entry no longer does.
      expect((await entry('bob@example.com', 'Bob Brown', [])).status).toBe(200);
      try {
        const viaSlack = await submit('groups-slack');
        const viaApi = await submit('groups-api');
        expect((await clickApprove('UDANA', viaSlack)).status).toBe(200);
        expect((await as.dana.post(`/sessions/${viaApi}/review`, { decision: 'approve' })).status).toBe(200);
        for (const id of [viaSlack, viaApi]) expect((await as.alice.get(`/sessions/${id}?wait=15`)).body.session.status).toBe('done');
        expect([await rowsTagged('groups-slack'), await rowsTagged('groups-api')]).toEqual([1, 1]);

        const refusedSlack = await submit('refused-slack');
        const refusedApi = await submit('refused-api');
        expect((await clickApprove('UBOB', refusedSlack)).status).toBe(200);
        const api = await as.bob.post(`/sessions/${refusedApi}/review`, { decision: 'approve' });
        expect(api.status).toBe(403);
        expect(api.body.error.code).toBe('not_approver');
        for (const id of [refusedSlack, refusedApi]) expect(await session(id)).toMatchObject({ status: 'pending_review', approvals: [] });
        expect([await rowsTagged('refused-slack'), await rowsTagged('refused-api')]).toEqual([0, 0]);
        for (const id of [refusedSlack, refusedApi]) await as.alice.post(`/sessions/${id}/cancel`);
      } finally {
        await entry('dana@example.com', 'Dana Diaz', ['admins']);
        await entry('bob@example.com', 'Bob Brown', ['dba-approvers']);
      }
    });
  });
});
