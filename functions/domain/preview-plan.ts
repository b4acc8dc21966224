/**
 * What may be previewed, and how: which statements a dry run may run (never one whose effects could
 * escape the rolled-back transaction), and the compact plan read from an
 * engine's `EXPLAIN … FORMAT JSON`. Pure: the statements come from the parser, the plans from the
 * database through the CommandPreviewer adapter.
 */
import type { PlanNode } from './preview';
import type { SqlStatement } from './sql-statements';

/**
 * Why the writes of this script may not be dry run, or undefined when they may. A dry run runs each
 * write inside a transaction that is always rolled back; that undoes only what the database keeps in
 * the transaction. Sequences (`nextval`, serial columns), functions (which may call out: dblink,
 * pg_notify, set_config), COPY (files), DDL (MySQL commits it by itself) and transaction statements
 * (which would end the rolled-back transaction) can escape it. Foreign and non-transactional tables,
 * and inserts into tables that number their rows from a sequence, are checked against the database's
 * catalog by the adapter.
 */
export function dryRunBlocker(statements: readonly SqlStatement[]): string | undefined {
  for (const [index, statement] of statements.entries()) {
    const which = statements.length > 1 ? `statement ${index + 1}` : 'the statement';
    if (/^copy/i.test(statement.command)) return `${which} is COPY, which reads or writes files outside the transaction`;
    if (statement.kind !== 'read' && statement.kind !== 'write') {
      return `${which} is ${statement.kind}: only reads and writes are previewed (DDL commits by itself on MySQL; a transaction statement would end the rolled-back transaction)`;
    }
    // Functions on the allow-list (functions/domain/safe-functions.ts) only compute; any other may act outside the transaction.
    if (statement.kind === 'write' && statement.flags.includes('volatile-function')) {
      return `${which} calls a function not known to be safe, which can have effects a rollback does not undo (sequences, calls out of the database)`;
    }
  }
  return undefined;
}

type Json = Record<string, unknown>;
const MAX_PLAN_DEPTH = 4;
const MAX_PLAN_CHILDREN = 4;

/** PostgreSQL `EXPLAIN (FORMAT JSON)`: `[{ Plan: { "Node Type", "Relation Name", "Plan Rows", Plans } }]`. */
export function postgresPlan(explained: unknown): { plan: PlanNode; estimatedRows: number } | undefined {
  const top = (Array.isArray(explained) ? explained[0] : undefined) as Json | undefined;
  const root = top?.Plan as Json | undefined;
  if (!root) return undefined;
  const node = (plan: Json, depth: number): PlanNode => {
    const children = ((plan.Plans as Json[] | undefined) ?? []).slice(0, MAX_PLAN_CHILDREN);
    return {
      node: String(plan['Node Type'] ?? 'unknown'),
      ...(typeof plan['Relation Name'] === 'string' ? { relation: plan['Relation Name'] } : {}),
      ...(typeof plan['Plan Rows'] === 'number' ? { rows: plan['Plan Rows'] } : {}),
      ...(children.length && depth < MAX_PLAN_DEPTH ? { children: children.map((child) => node(child, depth + 1)) } : {}),
    };
  };
  const plan = node(root, 1);
  return { plan, estimatedRows: plan.rows ?? 0 };
}

/**
 * MySQL and MariaDB `EXPLAIN FORMAT=JSON`: a `query_block` whose tables (`table_name`, `access_type`,
 * MySQL's `rows_produced_per_join`, MariaDB's `rows`) sit at any depth. The estimate is the last
 * table's: the rows the join produces.
 */
export function mysqlPlan(explained: unknown): { plan: PlanNode; estimatedRows: number } | undefined {
  const block = (explained as Json | undefined)?.query_block as Json | undefined;
  if (!block) return undefined;
  const tables: PlanNode[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const object = value as Json;
    if (typeof object.table_name === 'string') {
      const rows = Number(object.rows_produced_per_join ?? object.rows);
      tables.push({ node: String(object.access_type ?? 'table'), relation: object.table_name, ...(Number.isFinite(rows) ? { rows } : {}) });
    }
    Object.values(object).forEach(visit);
  };
  visit(block);
  const estimatedRows = tables.at(-1)?.rows ?? 0;
  return { plan: { node: 'query_block', rows: estimatedRows, ...(tables.length ? { children: tables.slice(0, MAX_PLAN_CHILDREN) } : {}) }, estimatedRows };
}

/** Whether a statement inserts rows (and so may take sequence or auto-increment values). */
export const insertsRows = (statement: SqlStatement): boolean => /^(insertstmt|insert|replace|mergestmt)$/i.test(statement.command);
