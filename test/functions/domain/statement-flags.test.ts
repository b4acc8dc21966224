/**
 * The flags each statement carries, table-driven over both parsers: every row is the text a requester
 * might send and, per statement, `kind` then its flags. Comments, case, whitespace, nesting and
 * stacked statements must never hide a risky shape.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseSql, loadSqlParsers, type SqlDialect } from '../../../functions/adapters/sql-parser';
import { isSafeFunction } from '../../../functions/domain/safe-functions';
import { unreadableStatement } from '../../../functions/domain/sql-statements';

beforeAll(() => loadSqlParsers());

/** Each statement as `kind` or `kind flag,flag`; an unreadable text reads as `other unparsable`. */
function described(sql: string, dialect: SqlDialect): string[] {
  const analysis = analyseSql(sql, dialect);
  const statements = analysis.ok ? analysis.statements : [unreadableStatement()];
  return statements.map((s) => (s.flags.length ? `${s.kind} ${s.flags.join(',')}` : s.kind));
}

const POSTGRES: Array<[string, string[]]> = [
  ['select 1', ['read']],
  ['SELECT count(*) FROM orders', ['read']],
  ['select id, lower(email), coalesce(note, $$-$$) from customers where id = 1', ['read']],
  ["select date_trunc('day', created_at), sum(total) from orders group by 1", ['read']],
  ['select * from generate_series(1, 3)', ['read']],
  ["select pg_catalog.lower('A'), substring('abc' from 2), extract(year from now())", ['read']],
  ['select row_number() over (order by id) from orders', ['read']],
  ['show search_path', ['read']],
  ['explain select * from orders', ['read']],
  ['delete from orders', ['write delete-without-where']],
  ['DELETE FROM orders WHERE id = 1', ['write']],
  ['/* x */ DrOp TaBlE orders', ['ddl drop']],
  ['-- just a note\ndrop table orders', ['ddl drop']],
  ['drop /* hidden */ table\n\t orders cascade', ['ddl drop']],
  ['DROP INDEX IF EXISTS orders_idx', ['ddl drop']],
  ['drop schema s cascade', ['ddl drop']],
  ['drop role r', ['privilege drop']],
  ['alter table orders drop column note', ['ddl drop']],
  ['alter table orders add column note text', ['ddl']],
  ['truncate orders', ['ddl truncate']],
  ['TRUNCATE TABLE orders RESTART IDENTITY', ['ddl truncate']],
  ['update orders set total = 0', ['write update-without-where']],
  ['update orders set total = 0 where id = 2', ['write']],
  ['grant select on orders to bob', ['privilege grant']],
  ['GRANT admin TO bob', ['privilege grant']],
  ['revoke select on orders from bob', ['privilege']],
  ['create role r', ['privilege']],
  ['with gone as (delete from orders where id = 1 returning *) select count(*) from gone', ['write data-modifying-cte']],
  ['with gone as (delete from orders returning *) select count(*) from gone', ['write delete-without-where,data-modifying-cte']],
  ['with a as (with b as (update orders set total = 1 where id = 1 returning id) select * from b) select * from a', ['write data-modifying-cte']],
  ['with a as (with b as (select 1) select * from b) select * from a', ['read']],
  ['with x as (insert into log values (1) returning 1) select 1', ['write data-modifying-cte']],
  ['with x as (select id from orders) delete from orders where id in (select id from x)', ['write']],
  ["select set_config('app.user', 'x', false)", ['read volatile-function']],
  ["SELECT pg_catalog.set_config('app.user', 'x', false)", ['read volatile-function']],
  ['select pg_terminate_backend(123)', ['read volatile-function']],
  ["select nextval('orders_id_seq')", ['read volatile-function']],
  ['select pg_sleep(10)', ['read volatile-function']],
  ['select public.lower(email) from customers', ['read volatile-function']],
  ['select * from orders where id = (select my_audit_fn())', ['read volatile-function']],
  ['select * from orders for update', ['read select-for-update']],
  ['select * from orders for share', ['read select-for-update']],
  ['select * from orders where id in (select order_id from lines for update)', ['read select-for-update']],
  ['select 1; delete from orders', ['read', 'write delete-without-where']],
  ['select 1;\n-- then\nDELETE   FROM orders ;', ['read', 'write delete-without-where']],
  ['begin; delete from orders where id = 1; commit', ['transaction', 'write', 'transaction']],
  ['insert into orders (id) values (1)', ['write']],
  ['insert into orders (id) values (nextval($$s$$))', ['write volatile-function']],
  ['explain analyze delete from orders', ['write delete-without-where']],
  ['explain delete from orders', ['write delete-without-where']],
  ['select * into backup from orders', ['ddl']],
  ['create table t as select * from orders', ['ddl']],
  ['copy orders to stdout', ['read']],
  ["do $$ begin perform 1; end $$", ['other']],
  ['selec 1', ['other unparsable']],
  ['select from where', ['other unparsable']],
  ['delete from orders where', ['other unparsable']],
];

const MYSQL: Array<[string, string[]]> = [
  ['select 1', ['read']],
  ['SELECT COUNT(*) FROM orders', ['read']],
  ['select id, lower(email), ifnull(note, "-") from customers where id = 1', ['read']],
  ['select now(), date_format(created_at, "%Y") from orders', ['read']],
  ['delete from orders', ['write delete-without-where']],
  ['DeLeTe FROM orders /* all of them */', ['write delete-without-where']],
  ['delete from orders where id = 1', ['write']],
  ['update orders set total = 0', ['write update-without-where']],
  ['update orders set total = 0 where id = 1', ['write']],
  ['/* x */ DrOp TABLE orders', ['ddl drop']],
  ['-- note\ndrop table orders', ['ddl drop']],
  ['alter table orders drop column note', ['ddl drop']],
  ['truncate table orders', ['ddl truncate']],
  ["grant select on shop.orders to 'u'@'%'", ['privilege grant']],
  ['select sleep(10)', ['read volatile-function']],
  ["select get_lock('x', 10)", ['read volatile-function']],
  ["select load_file('/etc/passwd')", ['read volatile-function']],
  ['select shop.my_fn(1)', ['read volatile-function']],
  ['select * from orders for update', ['read select-for-update']],
  ['select * from orders lock in share mode', ['read select-for-update']],
  ['select 1; delete from orders', ['read', 'write delete-without-where']],
  ['with a as (select id from orders) select * from a', ['read']],
  ['selec 1', ['other unparsable']],
];

describe('statement flags', () => {
  it.each(POSTGRES)('PostgreSQL: %s', (sql, expected) => {
    expect(described(sql, 'postgres')).toEqual(expected);
  });

  it.each(MYSQL)('MySQL: %s', (sql, expected) => {
    expect(described(sql, 'mysql')).toEqual(expected);
  });

  it('covers at least 60 statements across both engines', () => {
    expect(POSTGRES.length + MYSQL.length).toBeGreaterThanOrEqual(60);
  });
});

describe('the function allow-list', () => {
  it('allows known-safe functions, bare or in pg_catalog, and nothing else', () => {
    expect(isSafeFunction(['count'])).toBe(true);
    expect(isSafeFunction(['PG_CATALOG', 'LOWER'])).toBe(true);
    expect(isSafeFunction(['public', 'lower'])).toBe(false);
    expect(isSafeFunction(['a', 'pg_catalog', 'lower'])).toBe(false);
    for (const unsafe of ['set_config', 'pg_terminate_backend', 'nextval', 'setval', 'pg_sleep', 'pg_read_file', 'dblink_exec', 'sleep', 'get_lock', 'load_file', 'txid_current']) {
      expect(isSafeFunction([unsafe]), unsafe).toBe(false);
    }
  });
});
