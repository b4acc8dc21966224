/**
 * Hostile MySQL scripts against the local runtime on MariaDB (when ACCESSGATE_TEST_MYSQL_URL is set;
 * otherwise this file skips with one line saying so). MySQL commits DDL, GRANT/REVOKE, transaction
 * control and what the parser cannot place on its own, so a script holding one could not run as one
 * unit: each case, however it dresses the statement up (comments, case, quoted semicolons, a statement
 * the parser cannot classify), must get 400 `mysql_ddl_in_script` and change nothing: sessions, events
 * per chain (no security event either), table items, and in MariaDB itself the orders and the tables.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariaDb, MYSQL_URL } from '../../support/skip-policy';
import { callerOf, expectUnchanged, hostileStackPerFile, settled, snapshot } from './harness';

const onMysql = mariaDb('hostile MySQL scripts (test/e2e/hostile/mysql-scripts.test.ts)');

describe.runIf(onMysql)('MySQL scripts holding a statement MySQL commits on its own', () => {
  const hostile = hostileStackPerFile({ mysqlUrl: MYSQL_URL });
  const call = callerOf(hostile);
  // The MariaDB database is shared with other test files: this file's table name is its own.
  const table = `hostile_${randomBytes(3).toString('hex')}`;
  let db: mysql.Connection;

  beforeAll(async () => {
    db = await mysql.createConnection({ uri: MYSQL_URL!, rowsAsArray: true });
  });
  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });

  /** What MariaDB itself holds that a case could change. */
  const inMariaDb = async () => {
    const [[orders]] = (await db.query('SELECT COUNT(*), SUM(total) FROM orders'))[0] as unknown[][][];
    const [[tables]] = (await db.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('orders', 'customers', ?)", [table]))[0] as unknown[][][];
    const [[grants]] = (await db.query("SELECT COUNT(*) FROM information_schema.user_privileges WHERE grantee LIKE '%mallory%'"))[0] as unknown[][][];
    return { orders, tables, grants, customers: ((await db.query('SELECT COUNT(*) FROM customers'))[0] as unknown[][])[0]![0] };
  };

  const cases: [string, string][] = [
    ['a create after a write', `update orders set total = total + 1 where id = 1; create table ${table} (id int)`],
    ['a create behind a comment, in mixed case', `select 1; /* nothing */ CrEaTe\n\tTaBlE ${table} (id int)`],
    ['a create behind a quoted semicolon', `select ';'; create table ${table} (id int)`],
    ['a create behind a backtick-quoted semicolon', `select 1 as \`a;b\`; create table ${table} (id int)`],
    ['a create after a # comment holding a semicolon', `select 1 # ; not the end\n; create table ${table} (id int)`],
    ['a drop after a select', 'select count(*) from orders; drop table orders'],
    ['a truncate after a bounded delete', 'delete from orders where id = 1; truncate table orders'],
    ['a rename after a select', 'select 1;\n RENAME TABLE orders TO orders_gone'],
    ['an alter between writes', 'update orders set total = total where id = 1; alter table orders add column note text; update orders set total = total where id = 2'],
    ['a grant after a write', "update orders set total = total where id = 1; grant select on orders to 'mallory'@'%'"],
    ['a commit splitting two writes', 'update orders set total = 0 where id = 1; commit; update orders set total = 0 where id = 2'],
    ['a lock tables after a read', 'select 1; lock tables orders write'],
    ['a procedure call after a write', 'update orders set total = total where id = 1; call tidy_up()'],
    ['a create third of three, trailing semicolon', `select 1; select 2; create table ${table} (id int);`],
  ];

  it.each(cases)('%s: 400 mysql_ddl_in_script, nothing stored, recorded or changed', async (_name, command) => {
    const before = await settled(hostile);
    const database = await inMariaDb();

    const answer = await call('POST', '/sessions?wait=5', 'alice', { resource: 'mysql-rds', command });

    expect(answer.status, answer.text.slice(0, 300)).toBe(400);
    expect(JSON.parse(answer.text).error).toMatchObject({ code: 'mysql_ddl_in_script', message: expect.stringMatching(/Submit that statement on its own/) });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const after = await snapshot(hostile);
    expectUnchanged(before, after);
    expect(after.securityTypes, 'no security event either: this is bad input').toEqual(before.securityTypes);
    expect(await inMariaDb()).toEqual(database);
  });
});
