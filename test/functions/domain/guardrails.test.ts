/**
 * Rules that decide by what a command is: the rule fields and their validation, the guardrail a
 * command matches, and the proof that lets a read run without review. Statements come from the real
 * parsers; everything else is pure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseSql, loadSqlParsers, type SqlDialect } from '../../../functions/adapters/sql-parser';
import { InvalidInputError } from '../../../functions/domain/errors';
import { guardrailMatched, provenReadOnly, type Guardrail } from '../../../functions/domain/guardrails';
import { ruleSchema } from '../../../functions/domain/rule';
import { type SqlStatement, unreadableStatement } from '../../../functions/domain/sql-statements';
import { parseOrThrow } from '../../../functions/domain/validation';

beforeAll(() => loadSqlParsers());

const read = (sql: string, dialect: SqlDialect = 'postgres'): SqlStatement[] => {
  const analysis = analyseSql(sql, dialect);
  return analysis.ok ? analysis.statements : [unreadableStatement()];
};
const base = { name: 'orders', resources: ['postgres-demo'], approvalGroups: ['dba'] };

describe('rule fields guardrails and autoApprove', () => {
  it('accepts the fixed vocabulary and read-only, and leaves both out when absent', () => {
    const rule = parseOrThrow(ruleSchema, { ...base, guardrails: { deny: ['ddl', 'drop', 'truncate', 'delete-without-where', 'update-without-where', 'privilege', 'multi-statement'] }, autoApprove: 'read-only' }, 'rule');
    expect(rule.guardrails?.deny).toHaveLength(7);
    expect(rule.autoApprove).toBe('read-only');
    const plain = parseOrThrow(ruleSchema, base, 'rule');
    expect('guardrails' in plain || 'autoApprove' in plain).toBe(false);
  });

  it('refuses unknown values with a 400 that names the field', () => {
    const refusal = (body: unknown) => {
      try {
        parseOrThrow(ruleSchema, body, 'rule');
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInputError);
        return { message: (err as InvalidInputError).message, fields: (err as InvalidInputError).details?.fields };
      }
      throw new Error('accepted');
    };
    const bad = refusal({ ...base, guardrails: { deny: ['drop', 'delete'] } });
    expect(bad.fields).toEqual(['guardrails.deny[1]']);
    expect(bad.message).toMatch(/^Invalid rule: guardrails\.deny\[1\]: /);
    expect(refusal({ ...base, autoApprove: 'everything' }).fields).toEqual(['autoApprove']);
    expect(refusal({ ...base, guardrails: { allow: ['ddl'] } }).fields).toContain('guardrails');
    expect(refusal({ ...base, guardrails: ['ddl'] }).fields).toEqual(['guardrails']);
  });
});

describe('guardrailMatched', () => {
  const deny: Guardrail[] = ['delete-without-where', 'drop', 'multi-statement'];

  it('names the first guardrail of the rule that the command matches', () => {
    expect(guardrailMatched(deny, read('delete from orders'))).toEqual({
      guardrail: 'delete-without-where',
      message: 'The command is write, delete-without-where on orders, which this rule\'s guardrail "delete-without-where" refuses.',
    });
    expect(guardrailMatched(deny, read('/* tidy up */ DrOp\n TABLE orders'))?.guardrail).toBe('drop');
    expect(guardrailMatched(deny, read('select 1; select 2'))?.guardrail).toBe('multi-statement');
    expect(guardrailMatched(['drop', 'multi-statement'], read('select 1; drop table t'))?.message).toMatch(/^Statement 2 of 2 is ddl, drop, which this rule's guardrail "drop" refuses/);
    expect(guardrailMatched(deny, read('with d as (delete from orders returning 1) select * from d'))?.guardrail).toBe('delete-without-where');
  });

  it('matches each guardrail by what the parser read', () => {
    const hit = (guardrail: Guardrail, sql: string, dialect: SqlDialect = 'postgres') => guardrailMatched([guardrail], read(sql, dialect))?.guardrail;
    expect(hit('ddl', 'create index on orders (id)')).toBe('ddl');
    expect(hit('ddl', 'select 1')).toBeUndefined();
    expect(hit('truncate', 'TRUNCATE orders')).toBe('truncate');
    expect(hit('update-without-where', 'update orders set total = 0', 'mysql')).toBe('update-without-where');
    expect(hit('update-without-where', 'update orders set total = 0 where id = 1', 'mysql')).toBeUndefined();
    expect(hit('privilege', 'revoke select on orders from bob')).toBe('privilege');
    expect(hit('drop', 'alter table orders drop column note')).toBe('drop');
    expect(hit('multi-statement', 'delete from orders where id = 1')).toBeUndefined();
  });

  it('refuses text the parser cannot read under the first guardrail, and nothing without guardrails', () => {
    expect(guardrailMatched(['truncate', 'drop'], read('dropp table orders'))).toMatchObject({ guardrail: 'truncate', message: expect.stringMatching(/could not read/) });
    expect(guardrailMatched([], read('drop table orders'))).toBeUndefined();
  });

  it('never lets a MySQL executable comment, which MySQL runs and the parser skips, hide a statement', () => {
    for (const sql of ['/*! DROP TABLE orders */', '/*M! drop table orders */', 'select 1 /*!50000 ; drop table orders */', 'delete from orders where id = 1; /*!50000 drop table orders */']) {
      expect(guardrailMatched(['drop'], read(sql, 'mysql')), sql).toMatchObject({ guardrail: 'drop', message: expect.stringMatching(/could not read/) });
      expect(provenReadOnly(read(sql, 'mysql')), sql).toBe(false);
    }
    // Literals, ordinary comments and optimizer hints are not executable comments.
    for (const sql of ["select '/*! drop table orders */'", 'select 1 /* ! not this */', '/*+ MAX_EXECUTION_TIME(1000) */ select 1', 'select 1 -- /*! drop table orders */']) {
      expect(provenReadOnly(read(sql, 'mysql')), sql).toBe(true);
    }
  });
});

describe('provenReadOnly', () => {
  it('proves plain reads on both engines', () => {
    for (const sql of ['select count(*) from orders', 'SELECT lower(email) FROM customers WHERE id = 1; show search_path', 'explain select * from orders', 'with a as (select 1) select * from a']) {
      expect(provenReadOnly(read(sql)), sql).toBe(true);
    }
    expect(provenReadOnly(read('select count(*) from orders', 'mysql'))).toBe(true);
  });

  it('never proves what could change something, wait on a lock, or was not read', () => {
    for (const sql of [
      'with d as (delete from orders where id = 1 returning 1) select * from d',
      "select set_config('a.b', 'c', false)",
      'select pg_terminate_backend(1)',
      "select nextval('s')",
      'select * from orders for update',
      'select * from orders for share',
      'select 1; delete from orders where id = 1',
      'copy orders to stdout',
      'begin',
      'explain analyze delete from orders where id = 1',
      'selec 1',
      '',
    ]) {
      expect(provenReadOnly(read(sql)), sql).toBe(false);
    }
    expect(provenReadOnly(read('select sleep(5)', 'mysql'))).toBe(false);
    expect(provenReadOnly(read('select * from orders lock in share mode', 'mysql'))).toBe(false);
  });
});
