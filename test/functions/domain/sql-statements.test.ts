/**
 * What a statement is, read from the real parsers' trees (PostgreSQL's own parser through libpg-query,
 * node-sql-parser for MySQL): kind, tables and the flags a reviewer needs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseSql, loadSqlParsers, type SqlDialect } from '../../../functions/adapters/sql-parser';
import type { SqlStatement } from '../../../functions/domain/sql-statements';

beforeAll(() => loadSqlParsers());

function statements(sql: string, dialect: SqlDialect = 'postgres'): SqlStatement[] {
  const analysis = analyseSql(sql, dialect);
  if (!analysis.ok) throw new Error(analysis.error);
  return analysis.statements;
}
const kinds = (sql: string, dialect: SqlDialect = 'postgres') => statements(sql, dialect).map((s) => s.kind);

describe('PostgreSQL statements', () => {
  it('classifies each kind', () => {
    expect(kinds('select 1; insert into t values (1); update t set a = 1 where id = 2; delete from t where id = 1; merge into t using s on t.id = s.id when matched then delete')).toEqual(['read', 'write', 'write', 'write', 'write']);
    expect(kinds('create table t (a int); alter table t add b int; drop table t; truncate t; create index on t (a); comment on table t is $$x$$')).toEqual(['ddl', 'ddl', 'ddl', 'ddl', 'ddl', 'ddl']);
    expect(kinds('grant select on t to bob; revoke all on t from bob; create role r; alter table t owner to r; create policy p on t using (true)')).toEqual(['privilege', 'privilege', 'privilege', 'privilege', 'privilege']);
    expect(kinds('begin; commit; rollback; savepoint s')).toEqual(['transaction', 'transaction', 'transaction', 'transaction']);
    expect(kinds("set search_path = x; do $$ begin perform 1; end $$; call p(); vacuum t")).toEqual(['other', 'other', 'other', 'other']);
    expect(kinds('show search_path; explain select 1; copy t to stdout')).toEqual(['read', 'read', 'read']);
  });

  it('takes the most consequential reading the tree allows', () => {
    expect(kinds('with gone as (delete from orders returning *) select count(*) from gone')).toEqual(['write']);
    expect(kinds('select * into backup from orders')).toEqual(['ddl']);
    expect(kinds('explain analyze delete from orders')).toEqual(['write']);
    expect(kinds('copy orders from stdin')).toEqual(['write']);
  });

  it('names the tables, qualified when the text qualifies them, without CTE names or repeats', () => {
    const [s] = statements('with recent as (select * from sales.orders) select * from recent join customers c on true join sales.orders o on true');
    expect(s.tables).toEqual(['sales.orders', 'customers']);
    expect(statements('insert into audit.log (a) select a from t')[0].tables).toEqual(['audit.log', 't']);
  });

  it('flags unbounded writes, locking reads and function calls', () => {
    const [del, upd, bounded, locking, fn] = statements('delete from t; update t set a = 1; delete from t where id = 1; select * from t for update; select pg_terminate_backend(1)');
    expect(del.unboundedWrite).toBe(true);
    expect(upd.unboundedWrite).toBe(true);
    expect(bounded.unboundedWrite).toBe(false);
    expect(locking).toMatchObject({ kind: 'read', lockingRead: true, callsFunctions: false });
    expect(fn).toMatchObject({ kind: 'read', callsFunctions: true });
  });

  it('reports text the parser refuses instead of guessing, and blank text as no statement', () => {
    expect(analyseSql('selec 1', 'postgres')).toEqual({ ok: false, error: 'syntax error at or near "selec"' });
    expect(analyseSql(' -- nothing\n', 'postgres')).toEqual({ ok: true, statements: [] });
  });
});

describe('MySQL statements', () => {
  it('classifies each kind and names the tables', () => {
    expect(kinds("select 1; insert into t values (1); replace into t values (2); create table u (a int); grant select on db.t to 'u'@'%'; start transaction", 'mysql')).toEqual([
      'read',
      'write',
      'write',
      'ddl',
      'privilege',
      'transaction',
    ]);
    const [s] = statements('select o.id from shop.orders o join customers c on c.id = o.customer_id', 'mysql');
    expect(s.tables).toEqual(['shop.orders', 'customers']);
  });

  it('flags unbounded writes and function calls', () => {
    const [del, bounded, fn] = statements('delete from t; update t set a = 1 where id = 2; select sleep(1)', 'mysql');
    expect(del.unboundedWrite).toBe(true);
    expect(bounded.unboundedWrite).toBe(false);
    expect(fn.callsFunctions).toBe(true);
  });
});
