/**
 * The preview's pure rules: the ceiling (the rule's maxRowsAffected, else the count plus 10 %, at least
 * one more), which scripts may be dry run, and the compact plans read
 * from PostgreSQL's and MySQL's EXPLAIN JSON.
 */
import { describe, expect, it } from 'vitest';
import { rowLimitFor, rowLimitOf } from '../../../functions/domain/preview';
import { dryRunBlocker, mysqlPlan, postgresPlan } from '../../../functions/domain/preview-plan';
import type { SqlStatement } from '../../../functions/domain/sql-statements';

const statement = (overrides: Partial<SqlStatement>): SqlStatement => ({
  kind: 'write', command: 'DeleteStmt', tables: ['orders'], unboundedWrite: false, lockingRead: false, callsFunctions: false, flags: [], ...overrides,
});

describe('rowLimitFor', () => {
  it.each([
    [undefined, 10, 11],
    [undefined, 0, 1],
    [undefined, 100, 110],
    [undefined, 101, 112],
    [undefined, undefined, undefined],
    [5, 100, 5],
    [0, undefined, 0],
  ])('maxRowsAffected %s, previewed %s → %s', (max, previewed, limit) => {
    expect(rowLimitFor(max, previewed)).toBe(limit);
  });

  it('holds a run to the preview\'s ceiling, else the rule\'s', () => {
    expect(rowLimitOf({ preview: { statements: [], rowLimit: 11 }, rule: { maxRowsAffected: 50 } })).toBe(11);
    expect(rowLimitOf({ rule: { maxRowsAffected: 50 } })).toBe(50);
    expect(rowLimitOf({})).toBeUndefined();
  });
});

describe('dryRunBlocker', () => {
  it('lets plain reads and writes be dry run', () => {
    expect(dryRunBlocker([statement({}), statement({ kind: 'read', command: 'SelectStmt', callsFunctions: true, flags: ['volatile-function'] })])).toBeUndefined();
    // now() and the like are on the allow-list: they only compute.
    expect(dryRunBlocker([statement({ callsFunctions: true })])).toBeUndefined();
  });

  it.each([
    [statement({ callsFunctions: true, flags: ['volatile-function'] }), /calls a function not known to be safe/],
    [statement({ kind: 'read', command: 'CopyStmt' }), /COPY/],
    [statement({ kind: 'ddl', command: 'DropStmt' }), /the statement is ddl/],
    [statement({ kind: 'transaction', command: 'TransactionStmt' }), /is transaction/],
    [statement({ kind: 'other', command: 'DoStmt' }), /is other/],
  ])('refuses %o', (blocked, reason) => {
    expect(dryRunBlocker([blocked])).toMatch(reason);
  });

  it('names the statement of a script that blocks it', () => {
    expect(dryRunBlocker([statement({}), statement({ callsFunctions: true, flags: ['volatile-function'] })])).toMatch(/^statement 2 calls a function/);
  });
});

describe('plans', () => {
  it('reads PostgreSQL\'s EXPLAIN (FORMAT JSON) into a compact plan and the top estimate', () => {
    const explained = [{ Plan: { 'Node Type': 'Hash Join', 'Plan Rows': 42, Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'orders', 'Plan Rows': 3000 }, { 'Node Type': 'Hash', 'Plan Rows': 10, Plans: [{ 'Node Type': 'Index Scan', 'Relation Name': 'customers', 'Plan Rows': 10 }] }] } }];
    expect(postgresPlan(explained)).toEqual({
      estimatedRows: 42,
      plan: { node: 'Hash Join', rows: 42, children: [{ node: 'Seq Scan', relation: 'orders', rows: 3000 }, { node: 'Hash', rows: 10, children: [{ node: 'Index Scan', relation: 'customers', rows: 10 }] }] },
    });
    expect(postgresPlan({})).toBeUndefined();
  });

  it('reads MySQL\'s and MariaDB\'s EXPLAIN FORMAT=JSON, the last table\'s rows as the estimate', () => {
    const mysql = { query_block: { nested_loop: [{ table: { table_name: 'c', access_type: 'ALL', rows_produced_per_join: 1000 } }, { table: { table_name: 'o', access_type: 'ref', rows_produced_per_join: 3000 } }] } };
    expect(mysqlPlan(mysql)).toEqual({ estimatedRows: 3000, plan: { node: 'query_block', rows: 3000, children: [{ node: 'ALL', relation: 'c', rows: 1000 }, { node: 'ref', relation: 'o', rows: 3000 }] } });
    const mariadb = { query_block: { select_id: 1, table: { table_name: 'orders', access_type: 'ALL', rows: 3000, filtered: 100 } } };
    expect(mysqlPlan(mariadb)?.estimatedRows).toBe(3000);
  });
});
