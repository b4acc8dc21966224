/**
 * What the CLI and the gateway read from SQL text with the server's parser module: statement splitting,
 * `$n` placeholders, command tags, and the statements the gateway answers itself (transaction control,
 * SET). The hostile cases hide a `;` or a `$1` where only a real scanner sees it is not one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { commandTag, isTransactionControl, loadSqlParsers, parseSet, rewritePlaceholders, splitStatements } from '../../../cli/lib/sql';

beforeAll(() => loadSqlParsers());

describe('splitStatements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = `select ';' as a, "x;y" from t; -- a ; comment
      select $$ ; $$, $fn$ ; $fn$ /* ; /* nested ; */ still */; select E'it\\'s ;'`;
    expect(splitStatements(sql)).toEqual([
      'select \';\' as a, "x;y" from t',
      // PostgreSQL's parser starts a statement after the comments that precede it.
      'select $$ ; $$, $fn$ ; $fn$ /* ; /* nested ; */ still */',
      "select E'it\\'s ;'",
    ]);
  });

  it('keeps a semicolon inside an E string with escaped quotes, a tagged dollar body holding $$, and a nested comment', () => {
    const sql = `select E'a\\';b' as x; do $body$ begin perform 1; raise notice '$$;'; end $body$; select /* a /* b; */ c; */ 1`;
    expect(splitStatements(sql)).toEqual([`select E'a\\';b' as x`, `do $body$ begin perform 1; raise notice '$$;'; end $body$`, 'select /* a /* b; */ c; */ 1']);
  });

  it('reads a standard string ending in a backslash as ended (standard_conforming_strings), and U& identifiers', () => {
    expect(splitStatements(`select 'a\\'; select U&"d\\0061;" from t`)).toEqual([`select 'a\\'`, 'select U&"d\\0061;" from t']);
  });

  it('gives text the parser refuses to the server whole, as one statement', () => {
    expect(splitStatements("select 1; selec 2; select 'unterminated")).toEqual(["select 1; selec 2; select 'unterminated"]);
  });

  it('drops empty statements and comment-only ones', () => {
    expect(splitStatements(' ;; -- nothing\n ; ')).toEqual([]);
    expect(splitStatements('select 1;')).toEqual(['select 1']);
  });
});

describe('rewritePlaceholders', () => {
  it('turns $n into the Data API\'s :pn outside literals, identifiers, comments and dollar bodies', () => {
    const { text, count } = rewritePlaceholders(`select $1::int, '$2', "$3", $$ $4 $$, a$5 -- $6\n, $10 where x = $2`);
    expect(text).toBe(`select :p1::int, '$2', "$3", $$ $4 $$, a$5 -- $6\n, :p10 where x = :p2`);
    expect(count).toBe(10);
  });

  it('leaves $n in E strings, tagged dollar bodies and nested comments, and counts bytes right after non-ASCII text', () => {
    const { text, count } = rewritePlaceholders(`select 'é', E'\\' $1', $q$ $2 $q$, /* /* $3 */ */ $4`);
    expect(text).toBe(`select 'é', E'\\' $1', $q$ $2 $q$, /* /* $3 */ */ :p4`);
    expect(count).toBe(4);
  });

  it('lets the caller render each placeholder (casts for typed parameters)', () => {
    expect(rewritePlaceholders('select $1, $2', (n) => (n === 2 ? `CAST(:p${n} AS date)` : `:p${n}`)).text).toBe('select :p1, CAST(:p2 AS date)');
  });
});

describe('commandTag', () => {
  it.each([
    ['select 1', 3, 'SELECT 3'],
    ['  /* c */ (select 1)', 1, 'SELECT 1'],
    ['insert into t values (1)', 2, 'INSERT 0 2'],
    ['update t set a = 1', 5, 'UPDATE 5'],
    ['with x as (select 1) delete from t using x', 4, 'DELETE 4'],
    ['with x as (delete from t returning *) select * from x', 4, 'SELECT 4'],
    ['create table t (a int)', 0, 'CREATE TABLE'],
    ['create unique index i on t (a)', 0, 'CREATE INDEX'],
    ['drop view v', 0, 'DROP VIEW'],
    ['truncate t', 0, 'TRUNCATE'],
  ])('%s → %s', (sql, rows, tag) => expect(commandTag(sql, rows)).toBe(tag));
});

describe('session statements', () => {
  it('recognises transaction control', () => {
    for (const sql of ['BEGIN', 'begin work', 'start transaction', 'COMMIT', 'rollback', 'savepoint a', 'release a', 'prepare transaction \'x\'', 'end']) {
      expect(isTransactionControl(sql)).toBe(true);
    }
    for (const sql of ['select 1', 'prepare q as select 1', 'start_time']) expect(isTransactionControl(sql)).toBe(false);
  });

  it('reads SET and RESET', () => {
    expect(parseSet("SET application_name = 'psql'")).toEqual({ name: 'application_name', value: 'psql' });
    expect(parseSet('set search_path to app, public;')).toEqual({ name: 'search_path', value: 'app, public' });
    expect(parseSet('SET SESSION DateStyle TO ISO')).toEqual({ name: 'datestyle', value: 'ISO' });
    expect(parseSet('reset extra_float_digits')).toEqual({ name: 'extra_float_digits', value: 'DEFAULT' });
    expect(parseSet('select 1')).toBeUndefined();
  });
});
