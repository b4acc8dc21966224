/**
 * MySQL commits DDL on its own, over HTTP on the local runtime against MariaDB (when
 * ACCESSGATE_TEST_MYSQL_URL is set; otherwise this file skips with one line saying so):
 *
 * - a script holding DDL could not run as one unit, so it is refused at submission with a 400 and
 *   changes nothing: no session, no event, no item, no table, no row (counted in the stores and in
 *   MariaDB itself, with a driver of its own);
 * - a lone DDL statement stays allowed, and when its ExecuteStatement answer is lost (the local Data
 *   API's fault queue runs it, then answers InternalServerErrorException) it is recorded `failed` with
 *   `outcome_unknown`, never as rolled back: the table is there, and it was sent once;
 * - a lone DDL statement the database refused may be applied in part (MariaDB's `DROP TABLE a, b`
 *   drops `a`, then fails on a missing `b`): `outcome_unknown`, its refusal kept for the requester;
 * - a lone DDL statement that answered has been committed by MySQL: a lost commit after it, or more
 *   rows than the rule's ceiling (`CREATE TABLE … AS SELECT`), leaves it `done`, not "rolled back".
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionStream } from '../../functions/app/audit-trail';
import { verifyChain } from '../../functions/domain/audit-chain';
import { createFaultQueue, type FaultInjector } from '../../infra/local/data-api/fault-queue';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { mariaDb, MYSQL_URL } from '../support/skip-policy';
import { ApiClient } from './client';
import { type Hostile, snapshot } from './hostile/harness';

const onMysql = mariaDb('DDL in MySQL scripts and lost MySQL DDL answers (test/e2e/mysql-ddl.test.ts)');

describe.runIf(onMysql)('DDL on a MySQL resource', () => {
  const queue = createFaultQueue();
  /** The SQL of every ExecuteStatement that reached the local Data API. */
  const executed: string[] = [];
  const faults: FaultInjector = {
    next(op, sql) {
      if (op === 'ExecuteStatement') executed.push(sql);
      return queue.next(op, sql);
    },
  };
  // The MariaDB database is shared with other test files: this file's tables have names of their own.
  const suffix = randomBytes(3).toString('hex');
  const created: string[] = [];
  let stack: LocalStack;
  let db: mysql.Connection;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, web: false, mysqlUrl: MYSQL_URL, faults });
    db = await mysql.createConnection({ uri: MYSQL_URL!, rowsAsArray: true });
    alice = await ApiClient.as(stack, 'alice@example.com');
    bob = await ApiClient.as(stack, 'bob@example.com');
  }, 180_000);

  afterAll(async () => {
    for (const table of created) await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
    await stack?.stop();
  });

  /** Counted by MariaDB itself. */
  const tableExists = async (table: string) =>
    Number(((await db.query('SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?', [table]))[0] as unknown[][])[0]![0]);
  const orderTotal = async () => String(((await db.query('SELECT SUM(total) FROM orders'))[0] as unknown[][])[0]![0]);
  const finished = async (id: string) => {
    for (let i = 0; i < 10; i++) {
      const view = (await alice.get(`/sessions/${id}?wait=20`)).body;
      if (['done', 'failed'].includes(view.session.status)) return view;
    }
    throw new Error(`session ${id} never finished`);
  };
  const approve = async (command: string) => {
    const submitted = await alice.post('/sessions', { resource: 'mysql-rds', command });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id = submitted.body.session.id as string;
    expect((await bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
    return finished(id);
  };

  it('refuses a script holding DDL with 400 mysql_ddl_in_script, and changes nothing in the stores or the database', async () => {
    // Prepare
    const table = `ddl_script_${suffix}`;
    created.push(table);
    const before = await snapshot({ stack } as Hostile);
    const total = await orderTotal();
    // Act
    const refused = await alice.post('/sessions?wait=5', { resource: 'mysql-rds', command: `update orders set total = total + 1 where id = 1;\n/* then */ CrEaTe TABLE ${table} (id int)` });
    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: 'mysql_ddl_in_script', message: expect.stringMatching(/^Statement 2 of 2 is ddl \(create\).*Submit that statement on its own/) });
    const after = await snapshot({ stack } as Hostile);
    expect(after).toEqual(before);
    expect(await tableExists(table)).toBe(0);
    expect(await orderTotal()).toBe(total);
    expect(executed.filter((sql) => sql.includes(table))).toEqual([]);
  });

  it('runs a lone DDL statement, reviewed like any other command', async () => {
    const table = `ddl_alone_${suffix}`;
    created.push(table);
    const view = await approve(`create table ${table} (id int)`);
    expect(view.session.status).toBe('done');
    expect(await tableExists(table)).toBe(1);
  });

  it('records a lone DDL statement whose answer was lost as outcome_unknown, sent once: the table exists, and nothing claims it was rolled back', async () => {
    // Prepare: the statement runs, then its answer is lost
    const table = `ddl_lost_${suffix}`;
    created.push(table);
    queue.push({ type: 'InternalServerErrorException', message: 'An internal error occurred.', after: true }, 1, { op: 'ExecuteStatement', sqlIncludes: table });
    // Act
    const view = await approve(`create table ${table} (id int)`);
    // Assess: the database has the table, the record does not contradict it
    expect(await tableExists(table)).toBe(1);
    expect(view.session.status).toBe('failed');
    expect(view.session.error).toEqual({ code: 'outcome_unknown', message: expect.stringMatching(/^Outcome unknown: .*MySQL commits on its own.*will not be run again/) });
    expect(executed.filter((sql) => sql.includes(table))).toHaveLength(1);
    expect(queue.pending()).toBe(0);
    const events = await stack.deps.events.list(sessionStream(view.session.id));
    const types = events.map((e) => e.type);
    expect(types.filter((type) => type.startsWith('session.running') || type === 'session.done' || type === 'session.failed')).toEqual(['session.running', 'session.failed']);
    expect(verifyChain(sessionStream(view.session.id), events)).toEqual([]);
  });

  it('records a DROP of two tables that MariaDB refuses after dropping the first as outcome_unknown, not as rolled back', async () => {
    // Prepare: one table that exists, one that does not
    const table = `ddl_half_${suffix}`;
    created.push(table);
    await db.query(`CREATE TABLE ${table} (id int)`);
    // Act
    const view = await approve(`drop table ${table}, ddl_missing_${suffix}`);
    // Assess: MariaDB dropped the first table before refusing, and the record does not say otherwise
    expect(await tableExists(table)).toBe(0);
    expect(view.session.status).toBe('failed');
    expect(view.session.error).toEqual({ code: 'outcome_unknown', message: expect.stringMatching(/^Outcome unknown: the database refused the statement, but .*may have applied part of it/) });
    expect(view.databaseError).toMatchObject({ code: '42S02', message: expect.stringMatching(/Unknown table/) });
  });

  it('records a lone DDL statement that answered as done when the commit after it is lost: MySQL had committed it already', async () => {
    const table = `ddl_commit_${suffix}`;
    created.push(table);
    queue.push({ type: 'InternalServerErrorException', message: 'An internal error occurred.', after: true }, 1, { op: 'CommitTransaction' });
    const view = await approve(`create table ${table} (id int)`);
    expect(await tableExists(table)).toBe(1);
    expect(view.session.status).toBe('done');
    expect(queue.pending()).toBe(0);
  });

  it('records CREATE TABLE … AS SELECT past the rule\'s row ceiling as done with its count, not as rolled back: the table exists', async () => {
    // Prepare: a ceiling far below the rows the statement copies
    const dana = await ApiClient.as(stack, 'dana@example.com');
    const rule = (await dana.get('/rules/dba-by-command')).body.rule;
    expect((await dana.put('/rules/dba-by-command', { ...rule, maxRowsAffected: 5 })).status).toBe(200);
    const table = `ddl_copy_${suffix}`;
    created.push(table);
    const orders = Number(((await db.query('SELECT COUNT(*) FROM orders'))[0] as unknown[][])[0]![0]);
    // Act
    const view = await approve(`create table ${table} as select id from orders`);
    // Assess
    expect(await tableExists(table)).toBe(1);
    expect(view.session.status).toBe('done');
    expect(view.result.recordsUpdated).toBe(orders);
    expect(orders).toBeGreaterThan(5);
  });
});
