/**
 * The engineer's, approver's and auditor's story over HTTP on the local runtime: the same handlers and
 * ASL file as on AWS, against dynalite, the Data API server over PGlite and the local workflow endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from './client';

let stack: LocalStack;
const as: Record<string, ApiClient> = {};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10 });
  for (const name of ['alice', 'bob', 'grace', 'henry', 'carol', 'dana', 'erin', 'frank']) {
    as[name] = await ApiClient.as(stack, `${name}@example.com`);
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const submit = (who: string, resource: string, command: string, extra: Record<string, unknown> = {}) =>
  as[who].post('/sessions?wait=10', { resource, command, ...extra });

describe('a governed command, end to end', () => {
  it('holds alice\'s command for review, runs it once bob approves, and shows who did what when', async () => {
    const submitted = await submit('alice', 'postgres-demo', 'select id, name, country from customers order by id limit 3', { reason: 'support ticket 1234' });
    expect(submitted.status).toBe(202);
    const id = submitted.body.session.id as string;
    expect(submitted.body.session).toMatchObject({ status: 'pending_review', rule: { name: 'dba-by-command' }, approvalsRequired: 1 });

    // The workflow previews the command, then asks the approvers: bob decides once he has been asked.
    let view = (await as.alice.get(`/sessions/${id}`)).body;
    for (let i = 0; i < 20 && !view.events.some((e: { type: string }) => e.type === 'review.requested'); i++) {
      view = (await as.alice.get(`/sessions/${id}?wait=5&after=${encodeURIComponent(view.session.updatedAt)}`)).body;
    }
    const inbox = await as.bob.get('/reviews');
    expect(inbox.body.reviews.map((r: { session: { id: string } }) => r.session.id)).toContain(id);
    expect((await as.alice.get('/reviews')).body.reviews).toEqual([]);

    const approval = await as.bob.post(`/sessions/${id}/review`, { decision: 'approve', via: 'web' });
    expect(approval.status).toBe(200);

    const done = await as.alice.get(`/sessions/${id}?wait=15`);
    expect(done.body.session.status).toBe('done');
    expect(done.body.result).toMatchObject({ rowCount: 3, truncated: false });
    expect(done.body.result.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name', 'country']);
    expect(done.body.result.rows).toHaveLength(3);

    const timeline = done.body.events as { type: string; actor: Record<string, string>; at: string; details: Record<string, any> }[];
    expect(timeline.map((e) => e.type)).toEqual(['session.requested', 'session.previewed', 'review.requested', 'review.approved', 'session.approved', 'session.running', 'session.done']);
    const requested = timeline[0];
    expect(requested.actor.email).toBe('alice@example.com');
    expect(requested.details).toMatchObject({
      command: 'select id, name, country from customers order by id limit 3',
      resource: { id: 'postgres-demo', type: 'postgres' },
      reason: 'support ticket 1234',
    });
    expect(Date.parse(requested.at)).not.toBeNaN();
    expect(timeline[3]).toMatchObject({ actor: { email: 'bob@example.com' }, details: { approval: { via: 'web', email: 'bob@example.com' } } });
    expect(done.body.session.approvals).toEqual([expect.objectContaining({ email: 'bob@example.com', at: timeline[3].details.approval.at })]);

    // The rows are the requester's alone; the approver sees the session but not the data.
    const asApprover = await as.bob.get(`/sessions/${id}`);
    expect(asApprover.status).toBe(200);
    expect(asApprover.body.result).toBeUndefined();
    expect((await as.frank.get(`/sessions/${id}`)).status).toBe(403);
  });

  it('refuses henry\'s approval of his own command, and lets bob approve the same command', async () => {
    const { body } = await submit('henry', 'postgres-demo', 'select count(*) as n from orders');
    const id = body.session.id as string;
    const own = await as.henry.post(`/sessions/${id}/review`, { decision: 'approve' });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('self_review');
    expect((await as.henry.get('/reviews')).body.reviews.map((r: any) => r.session.id)).not.toContain(id);

    expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
    const done = await as.henry.get(`/sessions/${id}?wait=15`);
    expect(done.body.session.status).toBe('done');
    expect(done.body.result.rows).toEqual([[3000]]);
  });

  it('ends the review at the first denial; later decisions get 409 and nothing runs', async () => {
    const { body } = await submit('alice', 'postgres-demo', 'delete from orders');
    const id = body.session.id as string;
    const denial = await as.grace.post(`/sessions/${id}/review`, { decision: 'deny', reason: 'deletes every order' });
    expect(denial.status).toBe(200);
    const final = await as.alice.get(`/sessions/${id}?wait=10`);
    expect(final.body.session).toMatchObject({ status: 'denied', denial: { email: 'grace@example.com', reason: 'deletes every order' } });
    expect(final.body.events.map((e: { type: string }) => e.type)).not.toContain('session.running');
    expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(409);
    const count = await submit('alice', 'postgres-staging', 'select count(*) from orders');
    expect(count.body.session.status).toBe('done');
  });

  it('lets an sre force-approve their own command with a reason, flagged as forced', async () => {
    const { body } = await submit('carol', 'postgres-demo', 'select 1 as ok');
    const id = body.session.id as string;
    const noReason = await as.carol.post(`/sessions/${id}/review`, { decision: 'approve', force: true });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/reason/);
    const forced = await as.carol.post(`/sessions/${id}/review`, { decision: 'approve', force: true, reason: 'INC-42 outage, no approver awake' });
    expect(forced.status).toBe(200);
    const done = await as.carol.get(`/sessions/${id}?wait=15`);
    expect(done.body.session).toMatchObject({ status: 'done', forced: true, approvals: [{ email: 'carol@example.com', forced: true, reason: 'INC-42 outage, no approver awake' }] });
  });

  it('runs a command on a resource no rule covers at once, still fully recorded', async () => {
    const { status, body } = await submit('alice', 'postgres-staging', 'select name from customers order by id limit 2');
    expect(status).toBe(202);
    expect(body.session.status).toBe('done');
    expect(body.result.rows).toHaveLength(2);
    expect(body.events.map((e: { type: string }) => e.type)).toEqual(['session.requested', 'session.running', 'session.done']);
  });

  it('reports a SQL error as the database gave it to the requester, and only its SQLSTATE to the record', async () => {
    const { body } = await submit('alice', 'postgres-staging', 'select * from custmers');
    expect(body.session.status).toBe('failed');
    expect(body.session.error.code).toBe('42P01');
    expect(body.databaseError.message).toMatch(/relation "custmers" does not exist/);
    expect(JSON.stringify(body.events)).not.toContain('relation "custmers"');
  });

  it('lets the requester cancel a pending review, and nobody else', async () => {
    const { body } = await submit('alice', 'postgres-demo', 'select 2');
    const id = body.session.id as string;
    expect((await as.bob.post(`/sessions/${id}/cancel`)).status).toBe(403);
    expect((await as.alice.post(`/sessions/${id}/cancel`)).body.session.status).toBe('cancelled');
    expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(409);
  });

  it('counts many simultaneous approvals as distinct people and executes exactly once', async () => {
    const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
    expect((await as.dana.put('/rules/dba-by-command', { ...rule, approvalsRequired: 2 })).status).toBe(200);
    try {
      const { body } = await submit('alice', 'postgres-demo', 'select 42 as answer');
      const id = body.session.id as string;
      const clicks = Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? as.grace : i % 3 === 1 ? as.bob : as.henry).post(`/sessions/${id}/review`, { decision: 'approve' }));
      const replies = await Promise.all(clicks);
      expect(replies.every((reply) => reply.status === 200 || reply.status === 409)).toBe(true);
      const done = await as.alice.get(`/sessions/${id}?wait=15`);
      expect(done.body.session.status).toBe('done');
      expect(done.body.session.approvals).toHaveLength(2);
      expect(new Set(done.body.session.approvals.map((a: { email: string }) => a.email)).size).toBe(2);
      const types = done.body.events.map((e: { type: string }) => e.type);
      expect(types.filter((t: string) => t === 'review.approved')).toHaveLength(2);
      expect(types.filter((t: string) => t === 'session.approved')).toHaveLength(1);
      expect(types.filter((t: string) => t === 'session.running')).toHaveLength(1);
    } finally {
      await as.dana.put('/rules/dba-by-command', rule);
    }
  });

  it('shows engineers their own sessions, and auditors everyone\'s with filters', async () => {
    const mine = await as.frank.get('/sessions');
    expect(mine.status).toBe(200);
    expect(mine.body.sessions).toEqual([]);
    const all = await as.erin.get('/sessions?approver=bob@example.com&limit=100');
    expect(all.body.sessions.length).toBeGreaterThanOrEqual(2);
    expect(all.body.sessions.every((s: { approvals: { email: string }[] }) => s.approvals.some((a) => a.email === 'bob@example.com'))).toBe(true);
    const forced = await as.erin.get('/sessions?forced=true');
    expect(forced.body.sessions.map((s: { requester: { email: string } }) => s.requester.email)).toEqual(['carol@example.com']);
    expect((await as.frank.get('/sessions?scope=all')).status).toBe(403);
  });

  it('lists rule changes with who, before and after, in an intact CONFIG chain, for auditors only', async () => {
    const { body, status } = await as.erin.get('/audit/events?stream=CONFIG');
    expect(status).toBe(200);
    expect(body.problems).toEqual([]);
    const updates = body.events.filter((e: { type: string }) => e.type === 'rule.updated');
    expect(updates[0]).toMatchObject({
      actor: { email: 'dana@example.com' },
      details: { rule: 'dba-by-command', before: { approvalsRequired: 1 }, after: { approvalsRequired: 2 } },
    });
    expect((await as.alice.get('/audit/events?stream=CONFIG')).status).toBe(403);
    expect((await as.erin.get('/audit/events?stream=SESSION%23x')).body.error.message).toMatch(/CONFIG or SECURITY/);
    const today = new Date().toISOString().slice(0, 10);
    const security = await as.dana.get(`/audit/events?stream=SECURITY%23${today}`);
    expect(security.body.events.map((e: { type: string; details: { code?: string } }) => e.details.code)).toContain('self_review');
  });

  it('tells each person who they are and which resources they may use, under which rule', async () => {
    expect((await as.henry.get('/me')).body).toMatchObject({ email: 'henry@example.com', groups: ['dba', 'dba-approvers'], isAdmin: false });
    const resources = (await as.alice.get('/resources')).body.resources;
    expect(resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'postgres-demo', type: 'postgres', rule: expect.objectContaining({ name: 'dba-by-command', approvalGroups: ['dba-approvers'] }) }),
        expect.objectContaining({ id: 'postgres-staging', rule: null }),
      ]),
    );
    expect(resources[0]).not.toHaveProperty('clusterArn');
    expect((await as.bob.get('/resources')).body.resources).toEqual([]);
  });

  it('refuses bad input with a clear error', async () => {
    expect((await ApiClient.anonymous(stack).get('/me')).status).toBe(401);
    expect((await ApiClient.anonymous(stack).get('/health')).status).toBe(200);
    expect((await as.bob.post('/sessions', { resource: 'postgres-demo', command: 'select 1' })).status).toBe(403);
    expect((await as.alice.get('/sessions/not-a-session')).status).toBe(400);
    expect((await as.alice.get('/sessions/7e0f8d4c-8f43-4d2f-9c55-3b0e8f1a2b3c')).status).toBe(404);
    expect((await as.alice.call('POST', '/sessions', '{"resource":')).body.error.code).toBe('invalid_input');
    expect((await as.alice.get('/sessions?status=bogus')).body.error.message).toMatch(/status/);
    expect((await as.alice.post('/rules', { name: 'x' })).status).toBe(403);
    const badRule = await as.dana.post('/rules', { name: 'x', resources: ['postgres-demo'], approvalGroups: [], approvalsRequired: 9 });
    expect(badRule.status).toBe(400);
    expect(badRule.body.error.message).toMatch(/approvalGroups/);
    expect(badRule.body.error.message).toMatch(/approvalsRequired/);
  });
});
