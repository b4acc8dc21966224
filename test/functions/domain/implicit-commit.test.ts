/**
 * Statements MySQL commits on its own: which ones, and the script that holds one refused before
 * anything exists. Statements come from the real parsers; everything else is pure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseSql, loadSqlParsers, type SqlDialect } from '../../../functions/adapters/sql-parser';
import { mayCommitOnItsOwn, refuseSelfCommittingScript, SelfCommittingScriptError } from '../../../functions/domain/implicit-commit';
import { type SqlStatement, unreadableStatement } from '../../../functions/domain/sql-statements';

beforeAll(() => loadSqlParsers());

const read = (sql: string, dialect: SqlDialect): SqlStatement[] => {
  const analysis = analyseSql(sql, dialect);
  return analysis.ok ? analysis.statements : [unreadableStatement()];
};
const refusal = (dialect: SqlDialect, sql: string): unknown => {
  try {
    refuseSelfCommittingScript(dialect, read(sql, dialect));
    return undefined;
  } catch (error) {
    return error;
  }
};

describe('mayCommitOnItsOwn', () => {
  it.each([
    ['create table t (id int)', true],
    ['alter table orders add column note text', true],
    ['drop table orders', true],
    ['truncate table orders', true],
    ['rename table orders to old_orders', true],
    ["grant select on orders to 'bob'@'%'", true],
    ['commit', true],
    ['call tidy_up()', true],
    ['select * from orders', false],
    ['insert into orders (id) values (1)', false],
    ['update orders set total = 0 where id = 1', false],
    ['delete from orders where id = 1', false],
  ])('on MySQL, %s: %s', (sql, expected) => {
    const [statement] = read(sql, 'mysql');
    expect(mayCommitOnItsOwn('mysql', statement!)).toBe(expected);
  });

  it('on MySQL, text the parser cannot read may commit on its own', () => {
    expect(mayCommitOnItsOwn('mysql', unreadableStatement())).toBe(true);
  });

  it('on PostgreSQL nothing does: DDL runs inside the transaction', () => {
    for (const sql of ['create table t (id int)', 'drop table orders', 'grant select on orders to bob', 'select 1']) {
      expect(mayCommitOnItsOwn('postgres', read(sql, 'postgres')[0]!), sql).toBe(false);
    }
  });
});

describe('refuseSelfCommittingScript', () => {
  it('refuses a MySQL script holding DDL with 400 mysql_ddl_in_script, naming the statement and saying to submit it on its own', () => {
    const error = refusal('mysql', 'insert into orders (id) values (99); create table audit_copy (id int)');
    expect(error).toBeInstanceOf(SelfCommittingScriptError);
    expect(error).toMatchObject({ status: 400, code: 'mysql_ddl_in_script' });
    expect((error as Error).message).toMatch(/^Statement 2 of 2 is ddl \(create\), which MySQL may commit on its own/);
    expect((error as Error).message).toMatch(/Submit that statement on its own/);
  });

  it('refuses DDL hidden behind comments and case, a GRANT and a COMMIT in a script', () => {
    for (const sql of [
      '/* first */ DrOp TaBlE orders; -- then\n select 1',
      "update orders set total = 1 where id = 1; grant select on orders to 'bob'@'%'",
      'update orders set total = 1 where id = 1; commit; update orders set total = 2 where id = 2',
    ]) {
      expect(refusal('mysql', sql), sql).toBeInstanceOf(SelfCommittingScriptError);
    }
  });

  it('allows a lone MySQL DDL statement, a MySQL script of reads and writes, and any PostgreSQL script', () => {
    expect(refusal('mysql', 'create table audit_copy (id int)')).toBeUndefined();
    expect(refusal('mysql', 'insert into orders (id) values (99); delete from orders where id = 98; select count(*) from orders')).toBeUndefined();
    expect(refusal('postgres', 'insert into orders (id) values (99); create table audit_copy (id int)')).toBeUndefined();
  });
});
