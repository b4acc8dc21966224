/**
 * How the local Data API reads a request's SQL before running it: how many statements it holds (more
 * than one is refused, as the Data API does, before anything runs) and where its `:name` parameters
 * go. Both come from the engines' real parsers; the cases that fooled the old hand-written scanner are
 * pinned here without starting a database.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParsers } from '../../../../functions/adapters/sql-parser';
import { prepareStatement, type SqlParameter } from '../../../../infra/local/data-api/parameters';
import { replaceMysqlPlaceholders } from '../../../../infra/local/data-api/mysql-placeholders';
import { parsePgArray } from '../../../../infra/local/data-api/backends';

beforeAll(() => loadSqlParsers());

const count = (sql: string, engine: 'postgres' | 'mysql' = 'postgres') => prepareStatement(sql, [], engine, true).statementCount;
const text = (sql: string, names: string[], engine: 'postgres' | 'mysql' = 'postgres') => {
  const parameters: SqlParameter[] = names.map((name) => ({ name, value: { stringValue: name } }));
  return prepareStatement(sql, parameters, engine, true);
};

describe('statement counting', () => {
  it('counts one statement with or without a trailing semicolon', () => {
    expect(count('SELECT 1')).toBe(1);
    expect(count('SELECT 1;')).toBe(1);
    expect(count('SELECT 1;  -- done\n')).toBe(1);
    expect(count('SELECT 1;;')).toBe(1);
    expect(count('  ')).toBe(0);
    expect(count('SELECT 1;', 'mysql')).toBe(1);
  });

  it('counts separate statements', () => {
    expect(count('SELECT 1; SELECT 2')).toBe(2);
    expect(count('DELETE FROM t; DROP TABLE t;')).toBe(2);
    expect(count('SELECT 1; SELECT 2', 'mysql')).toBe(2);
    expect(count('BEGIN; SELECT 1')).toBe(2);
  });

  it('is not fooled by words that open blocks in other statements (the old scanner ran this as one)', () => {
    expect(count('create temp table event (begin int); create table x (x int)')).toBe(2);
    expect(count('create temporary table event (`begin` int); create table x (x int)', 'mysql')).toBe(2);
  });

  it('ignores semicolons in literals, identifiers, comments and dollar quotes', () => {
    const postgres = [
      "SELECT ';' AS a, 'it''s;' AS b",
      'SELECT 1 AS ";"',
      "SELECT E'\\';' AS x",
      'SELECT 1 /* ; */ -- ;\n',
      'SELECT 1 /* nested /* ; */ still comment ; */',
      'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql',
      'SELECT $tag$ ; $notit$ ; $tag$',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END',
    ];
    const mysql = ["SELECT 'a\\';' ; ", 'SELECT `a;b` FROM t'];
    for (const sql of postgres) expect(count(sql), sql).toBe(1);
    for (const sql of mysql) expect(count(sql, 'mysql'), sql).toBe(1);
  });

  it('counts text the parser refuses as one statement, for the database to refuse whole', () => {
    expect(count('selec 1; create table x (x int)')).toBe(1);
    expect(count("SELECT 'unterminated; DROP TABLE t")).toBe(1);
  });
});

describe('named parameters', () => {
  it('replaces placeholders outside literals, identifiers, comments and dollar quotes only', () => {
    expect(text("SELECT :a, ':b', \":c\", :d -- :e\n/* :f */", ['a', 'b', 'c', 'd', 'e', 'f']).text).toBe(
      "SELECT $1::text, ':b', \":c\", $2::text -- :e\n/* :f */",
    );
    expect(text('SELECT $$ :x $$, $q$:y$q$, :z', ['x', 'y', 'z']).text).toBe('SELECT $$ :x $$, $q$:y$q$, $1::text');
  });

  it('numbers each name once, in order of first use', () => {
    const p = text('SELECT :b, :a, :b', ['a', 'b']);
    expect(p.text).toBe('SELECT $1::text, $2::text, $1::text');
    expect(p.values).toEqual(['b', 'a']);
  });

  it('keeps positions right after multi-byte text', () => {
    expect(text("SELECT 'é😀', :a", ['a']).text).toBe("SELECT 'é😀', $1::text");
  });

  it('leaves casts, assignments, slices and unknown names alone', () => {
    expect(text('SELECT :n::int, x::text, :m', ['n', 'm']).text).toBe('SELECT $1::text::int, x::text, $2::text');
    expect(text('SELECT a[1:2], a[lo:hi], :k FROM t', ['k']).text).toBe('SELECT a[1:2], a[lo:hi], $1::text FROM t');
    expect(text('SELECT @v := :p', ['p'], 'mysql').text).toBe('SELECT @v := ?');
  });

  it('finds MySQL placeholders outside literals and comments', () => {
    expect(text("SELECT :a, ':a', `:a`, \"it\\\":a\" # :a\n", ['a'], 'mysql')).toMatchObject({ text: "SELECT ?, ':a', `:a`, \"it\\\":a\" # :a\n", values: ['a'] });
    const inlined = replaceMysqlPlaceholders("SELECT ?, '?', `?`, ? # ?\n-- ?\n/* ? */", { question: (i) => `@${i}` });
    expect(inlined).toBe("SELECT @0, '?', `?`, @1 # ?\n-- ?\n/* ? */");
  });
});

describe('Postgres array literals', () => {
  it('parses flat, quoted, null and nested arrays', () => {
    expect(parsePgArray('{1,2,NULL}', (s) => s)).toEqual(['1', '2', null]);
    expect(parsePgArray('{"a b","NULL","q\\"x",plain}', (s) => s)).toEqual(['a b', 'NULL', 'q"x', 'plain']);
    expect(parsePgArray('{{1,2},{3,4}}', Number)).toEqual([[1, 2], [3, 4]]);
    expect(parsePgArray('{}', (s) => s)).toEqual([]);
    expect(parsePgArray('[0:1]={7,8}', Number)).toEqual([7, 8]);
  });
});
