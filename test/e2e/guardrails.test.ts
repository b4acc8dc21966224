/**
 * Rules that decide by what a command is, over HTTP on the local runtime, on the run's real PostgreSQL
 * and on MariaDB (when ACCESSGATE_TEST_MYSQL_URL is set; the MySQL cases skip with one line otherwise):
 * guardrails refuse before anything runs, autoApprove runs only proven reads. Every effect is counted
 * in the database itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityStream } from '../../functions/app/audit-trail';
import { localClusterArn } from '../../infra/local/demo-config';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { postgresDatabase } from '../support/postgres';
import { debianOnly } from '../support/skip-policy';
import { ApiClient } from './client';

const mysqlUrl = process.env.ACCESSGATE_TEST_MYSQL_URL;
const onMysql = debianOnly({
  present: !!mysqlUrl,
  skips: 'guardrails and read-only auto-approval on MySQL (test/e2e/guardrails.test.ts)',
  install: 'apt-get install mariadb-server, then set ACCESSGATE_TEST_MYSQL_URL as .ci/run does',
});

let stack: LocalStack;
const as: Record<string, ApiClient> = {};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, web: false, postgresUrl: await postgresDatabase('guardrails'), ...(onMysql ? { mysqlUrl } : {}) });
  for (const name of ['alice', 'dana']) as[name] = await ApiClient.as(stack, `${name}@example.com`);
  const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
  const guarded = { ...rule, guardrails: { deny: ['delete-without-where', 'drop'] }, autoApprove: 'read-only' };
  expect((await as.dana.put('/rules/dba-by-command', guarded)).status).toBe(200);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

/** A number the database itself answers, not anything accessgate recorded. */
const inDatabase = async (resource: string, sql: string): Promise<number> =>
  Number((await stack.backends.get(localClusterArn(resource))!.query(sql, [])).rows[0]![0]);
const ordersIn = (resource: string) => inDatabase(resource, 'select count(*) from orders');
const sessionCount = async () => (await stack.deps.sessions.list({ kind: 'all' }, {}, 500)).items.length;
const submit = (resource: string, command: string) => as.alice.post('/sessions?wait=15', { resource, command });

describe('rule fields', () => {
  it('refuses an unknown guardrail or autoApprove value with a 400 naming the field', async () => {
    const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
    const badGuardrail = await as.dana.put('/rules/dba-by-command', { ...rule, guardrails: { deny: ['drop', 'delete'] } });
    expect(badGuardrail.status).toBe(400);
    expect(badGuardrail.body.error.details.fields).toEqual(['guardrails.deny[1]']);
    expect(badGuardrail.body.error.message).toMatch(/guardrails\.deny\[1\]/);
    const badAuto = await as.dana.put('/rules/dba-by-command', { ...rule, autoApprove: 'everything' });
    expect(badAuto.body.error.details.fields).toEqual(['autoApprove']);
    expect((await as.dana.get('/rules/dba-by-command')).body.rule).toEqual(rule);
  });
});

describe('on mysql-rds, an executable comment', () => {
  it.runIf(onMysql)('`/*! DROP TABLE orders */`, which MariaDB runs and the parser skips, is refused by the drop guardrail, and orders stay', async () => {
    const orders = await ordersIn('mysql-rds');
    const sessions = await sessionCount();
    const refused = await submit('mysql-rds', '/*! DROP TABLE orders */');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'guardrail', guardrail: 'delete-without-where', message: expect.stringMatching(/could not read/) });
    expect(await ordersIn('mysql-rds')).toBe(orders);
    expect(await sessionCount()).toBe(sessions);
  });
});

describe.each([
  { resource: 'postgres-demo', run: true },
  { resource: 'mysql-rds', run: onMysql },
])('on $resource', ({ resource, run }) => {
  it.runIf(run)('refuses `delete from orders` and a commented DROP with 403 naming the guardrail, records the refusal, and runs nothing', async () => {
    const orders = await ordersIn(resource);
    const sessions = await sessionCount();
    const security = (await stack.deps.events.list(securityStream(new Date().toISOString()))).length;

    const deleteAll = await submit(resource, 'delete from orders');
    expect(deleteAll.status).toBe(403);
    expect(deleteAll.body.error).toEqual({ code: 'guardrail', guardrail: 'delete-without-where', message: expect.stringMatching(/delete-without-where/) });

    const drop = await submit(resource, '-- tidy up\n/* nothing to see */ DrOp\n  TABLE orders');
    expect(drop.status).toBe(403);
    expect(drop.body.error).toMatchObject({ code: 'guardrail', guardrail: 'drop' });

    expect(await ordersIn(resource)).toBe(orders);
    expect(orders).toBeGreaterThan(0);
    expect(await sessionCount()).toBe(sessions);
    const refusals = (await stack.deps.events.list(securityStream(new Date().toISOString()))).slice(security);
    expect(refusals.map((e) => [e.type, e.details.guardrail, e.actor])).toEqual([
      ['security.guardrail_refused', 'delete-without-where', expect.objectContaining({ email: 'alice@example.com' })],
      ['security.guardrail_refused', 'drop', expect.objectContaining({ email: 'alice@example.com' })],
    ]);
  });

  it.runIf(run)('runs `select count(*)` without review, recorded as auto-approved with its classification', async () => {
    const done = await submit(resource, 'select count(*) from orders');
    expect(done.status).toBe(202);
    const view = (await as.alice.get(`/sessions/${done.body.session.id}?wait=20`)).body;
    expect(view.session).toMatchObject({ status: 'done', approvalsRequired: 0, approvals: [] });
    expect(Number(view.result.rows[0][0])).toBe(await ordersIn(resource));
    const types = view.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['session.requested', 'session.auto_approved', 'session.running', 'session.done']);
    expect(view.events[1].details).toEqual({ autoApprove: 'read-only', rule: 'dba-by-command', statements: [{ kind: 'read', tables: ['orders'], flags: [] }] });
  });

  it.runIf(run)('still holds for review what the parser cannot prove read-only, and none of it runs', async () => {
    const orders = await ordersIn(resource);
    const held = [
      'select 1; delete from orders where id = 1',
      'select * from orders where id = 1 for update',
      ...(resource === 'postgres-demo'
        ? ['with gone as (delete from orders where id = 1 returning id) select count(*) from gone', "select set_config('app.user', 'mallory', false)"]
        : ['select sleep(0)']),
    ];
    for (const command of held) {
      const reply = await submit(resource, command);
      expect(reply.status, command).toBe(202);
      expect(reply.body.session, command).toMatchObject({ status: 'pending_review', approvalsRequired: 1 });
      const events = (await as.alice.get(`/sessions/${reply.body.session.id}`)).body.events.map((e: { type: string }) => e.type);
      expect(events, command).not.toContain('session.auto_approved');
      expect(events, command).not.toContain('session.running');
    }
    expect(await ordersIn(resource)).toBe(orders);
  });
});
