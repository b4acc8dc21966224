/**
 * The same story on a MySQL resource, when a MySQL server is configured (.ci/run starts Debian's MariaDB
 * and sets ACCESSGATE_TEST_MYSQL_URL; without one this file skips with one line saying so).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { debianOnly } from '../support/skip-policy';
import { ApiClient } from './client';

const url = process.env.ACCESSGATE_TEST_MYSQL_URL;
const mysqlTests = debianOnly({
  present: !!url,
  skips: 'a governed command on MySQL (test/e2e/mysql.test.ts)',
  install: 'apt-get install mariadb-server, then set ACCESSGATE_TEST_MYSQL_URL as .ci/run does',
});

describe.runIf(mysqlTests)('a governed command on MySQL', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, mysqlUrl: url });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('waits for review, then returns MySQL rows typed by the Data API', async () => {
    const alice = await ApiClient.as(stack, 'alice@example.com');
    const bob = await ApiClient.as(stack, 'bob@example.com');
    const resources = (await alice.get('/resources')).body.resources;
    expect(resources).toContainEqual(expect.objectContaining({ id: 'mysql-rds', type: 'mysql', rule: expect.objectContaining({ name: 'dba-by-command' }) }));
    const submitted = await alice.post('/sessions?wait=10', { resource: 'mysql-rds', command: 'select id, name, country from customers order by id limit 2' });
    expect(submitted.body.session.status).toBe('pending_review');
    const id = submitted.body.session.id as string;
    expect((await bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
    const done = await alice.get(`/sessions/${id}?wait=20`);
    expect(done.body.session.status).toBe('done');
    expect(done.body.result.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'name', 'country']);
    expect(done.body.result.rows[0][0]).toBe(1);
  });

  it('reports a MySQL error as the server gave it', async () => {
    const carol = await ApiClient.as(stack, 'carol@example.com');
    const { body } = await carol.post('/sessions?wait=10', { resource: 'mysql-rds', command: 'select nope from customers' });
    await carol.post(`/sessions/${body.session.id}/review`, { decision: 'approve', force: true, reason: 'testing the error path' });
    const failed = await carol.get(`/sessions/${body.session.id}?wait=20`);
    expect(failed.body.session.status).toBe('failed');
    expect(failed.body.databaseError.message).toMatch(/Unknown column 'nope'/);
  });
});
