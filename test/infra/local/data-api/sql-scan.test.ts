/**
 * The SQL scanner decides what the local Data API rejects as multi-statement and where named
 * parameters go; a mistake there either blocks valid SQL or rewrites text inside literals, so its
 * edge cases are pinned here without starting a database.
 */
import { describe, expect, it } from 'vitest';
import { parsePgArray, scanSql } from '../../../../infra/local/data-api/backends';

const count = (sql: string, dialect: 'postgres' | 'mysql' = 'postgres') => scanSql(sql, dialect).statementCount;

describe('statement counting', () => {
  it('counts one statement with or without a trailing semicolon', () => {
    expect(count('SELECT 1')).toBe(1);
    expect(count('SELECT 1;')).toBe(1);
    expect(count('SELECT 1;  -- done\n')).toBe(1);
    expect(count('SELECT 1;;')).toBe(1);
    expect(count('  ')).toBe(0);
  });

  it('counts separate statements', () => {
    expect(count('SELECT 1; SELECT 2')).toBe(2);
    expect(count('DELETE FROM t; DROP TABLE t;')).toBe(2);
    expect(count('SELECT 1; SELECT 2', 'mysql')).toBe(2);
  });

  it('ignores semicolons in literals, identifiers, comments and dollar quotes', () => {
    expect(count("SELECT ';' AS a, 'it''s;' AS b")).toBe(1);
    expect(count('SELECT 1 AS ";"')).toBe(1);
    expect(count("SELECT E'\\';' AS x")).toBe(1);
    expect(count('SELECT 1 /* ; */ -- ;\n')).toBe(1);
    expect(count('SELECT 1 /* nested /* ; */ still comment ; */')).toBe(1);
    expect(count('CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql')).toBe(1);
    expect(count('SELECT $tag$ ; $notit$ ; $tag$')).toBe(1);
    expect(count("SELECT 'a\\';' ; ", 'mysql')).toBe(1);
    expect(count('SELECT "x;y" # ;\n', 'mysql')).toBe(1);
    expect(count('SELECT `a;b` FROM t', 'mysql')).toBe(1);
  });

  it('keeps routine bodies with BEGIN … END blocks whole', () => {
    expect(
      count(
        `CREATE PROCEDURE p() BEGIN
           DECLARE x INT DEFAULT 0;
           IF x = 0 THEN SET x = 1; END IF;
           CASE x WHEN 1 THEN SET x = 2; ELSE SET x = 3; END CASE;
           SELECT CASE WHEN x > 1 THEN 'a' ELSE 'b' END;
         END`,
        'mysql',
      ),
    ).toBe(1);
    expect(count('CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; END; SELECT 1', 'mysql')).toBe(2);
    expect(count('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END')).toBe(1);
    expect(count('BEGIN; SELECT 1')).toBe(2);
  });

  it('does not split inside parentheses', () => {
    expect(count('CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))')).toBe(1);
  });
});

describe('named parameters', () => {
  const replaceAll = (sql: string, dialect: 'postgres' | 'mysql' = 'postgres') =>
    scanSql(sql, dialect, { named: (name) => `<${name}>` }).text;

  it('replaces placeholders outside literals only', () => {
    expect(replaceAll("SELECT :a, ':b', \":c\", :d -- :e\n/* :f */")).toBe("SELECT <a>, ':b', \":c\", <d> -- :e\n/* :f */");
    expect(replaceAll('SELECT $$ :x $$, $q$:y$q$, :z')).toBe('SELECT $$ :x $$, $q$:y$q$, <z>');
  });

  it('leaves casts and assignments alone', () => {
    expect(replaceAll('SELECT :n::int, x::text, :m')).toBe('SELECT <n>::int, x::text, <m>');
    expect(replaceAll('SELECT @v := :p', 'mysql')).toBe('SELECT @v := <p>');
    expect(replaceAll('SELECT a[1:2] FROM t')).toBe('SELECT a[1:2] FROM t');
  });

  it('keeps names the visitor does not know', () => {
    expect(scanSql('SELECT a[lo:hi], :k', 'postgres', { named: (n) => (n === 'k' ? '$1' : undefined) }).text).toBe('SELECT a[lo:hi], $1');
  });

  it('finds MySQL question marks outside literals', () => {
    const text = scanSql("SELECT ?, '?', `?`, ? # ?\n", 'mysql', { question: (i) => `@${i}` }).text;
    expect(text).toBe("SELECT @0, '?', `?`, @1 # ?\n");
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
