/**
 * What a SQL statement is, read from a real parser's tree: its kind (read, write, ddl, privilege,
 * transaction, other), the tables it names, and the flags a reviewer needs to see. Pure: the trees come
 * from `adapters/sql-parser.ts` (PostgreSQL's own parser, libpg-query; node-sql-parser for MySQL).
 *
 * The kind is the most consequential reading the tree allows, never a guess downwards: a SELECT whose
 * WITH holds a DELETE is a write, `SELECT … INTO t` and `EXPLAIN ANALYZE` of a DDL statement are ddl,
 * and what the tree cannot tell (DO blocks, CALL, SET) is `other`. A function called from a SELECT may
 * still write: `callsFunctions` says so instead of pretending to know.
 */
import type { Node, ParseResult } from 'libpg-query';

export type StatementKind = 'read' | 'write' | 'ddl' | 'privilege' | 'transaction' | 'other';

export interface SqlStatement {
  kind: StatementKind;
  /** The parser's name for the statement: `SelectStmt`, `CreateStmt`… (PostgreSQL); `select`, `create`… (MySQL). */
  command: string;
  /** Tables and views the statement names, `schema.table` when qualified, first mention first, no repeats. */
  tables: string[];
  /** UPDATE or DELETE without WHERE: every row of the table. */
  unboundedWrite: boolean;
  /** SELECT … FOR UPDATE / FOR SHARE: a read that takes row locks. */
  lockingRead: boolean;
  /** The statement calls functions, which may have effects of their own. */
  callsFunctions: boolean;
}

type Tree = Record<string, unknown>;

const PRIVILEGE = new Set([
  'GrantStmt',
  'GrantRoleStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'AlterRoleSetStmt',
  'DropRoleStmt',
  'ReassignOwnedStmt',
  'DropOwnedStmt',
  'AlterOwnerStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'SecLabelStmt',
]);
const DDL = new Set([
  'RenameStmt',
  'CommentStmt',
  'TruncateStmt',
  'IndexStmt',
  'ViewStmt',
  'DefineStmt',
  'CompositeTypeStmt',
  'RuleStmt',
  'ClusterStmt',
  'ReindexStmt',
  'RefreshMatViewStmt',
  'ImportForeignSchemaStmt',
  'CreateTableAsStmt',
]);
const WRITE = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const READ = new Set(['SelectStmt', 'VariableShowStmt']);
const RANK: Record<StatementKind, number> = { other: 0, transaction: 0, read: 1, write: 2, ddl: 3, privilege: 4 };

/** Calls `visit` on every object in a parse tree, with the key it sits under (an array's key for its items). */
function walk(node: unknown, visit: (key: string, value: Tree) => void, key = ''): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit, key);
    return;
  }
  if (!node || typeof node !== 'object') return;
  visit(key, node as Tree);
  for (const [childKey, value] of Object.entries(node)) walk(value, visit, childKey);
}

function pgKindOf(command: string, body: Tree): StatementKind {
  if (PRIVILEGE.has(command)) return 'privilege';
  if (command === 'TransactionStmt') return 'transaction';
  if (DDL.has(command) || /^(Create|Alter|Drop)/.test(command)) return 'ddl';
  if (WRITE.has(command)) return 'write';
  if (command === 'CopyStmt') return body.is_from === true ? 'write' : 'read';
  if (command === 'SelectStmt') return body.intoClause ? 'ddl' : 'read';
  if (command === 'ExplainStmt') {
    const analyze = ((body.options as Tree[] | undefined) ?? []).some((o) => (o.DefElem as Tree | undefined)?.defname === 'analyze');
    // EXPLAIN ANALYZE runs its statement; a plain EXPLAIN only plans it.
    if (!analyze) return 'read';
    const [inner, innerBody] = Object.entries((body.query as Tree | undefined) ?? {})[0] ?? ['', {}];
    return pgKindOf(inner, innerBody as Tree);
  }
  if (READ.has(command)) return 'read';
  return 'other';
}

/** The statements of a PostgreSQL parse tree, in order. */
export function postgresStatements(tree: ParseResult): SqlStatement[] {
  return (tree.stmts ?? []).map((raw) => {
    const [command, body] = Object.entries((raw.stmt ?? {}) as Node)[0] as [string, Tree];
    let kind = pgKindOf(command, body);
    const cteNames = new Set<string>();
    const tables: Array<{ name: string; at: number }> = [];
    let lockingRead = false;
    let callsFunctions = false;
    const raise = (to: StatementKind) => {
      if (RANK[to] > RANK[kind]) kind = to;
    };
    walk(body, (key, value) => {
      if (key === 'CommonTableExpr' && typeof value.ctename === 'string') cteNames.add(value.ctename);
      if ((key === 'RangeVar' || key === 'relation' || key === 'rel') && typeof value.relname === 'string') {
        const name = typeof value.schemaname === 'string' ? `${value.schemaname}.${value.relname}` : value.relname;
        tables.push({ name, at: typeof value.location === 'number' ? value.location : 0 });
      }
      if (key === 'LockingClause') lockingRead = true;
      if (key === 'FuncCall') callsFunctions = true;
      // A data-modifying statement nested anywhere (WITH d AS (DELETE …) SELECT …) makes the whole a write.
      if (WRITE.has(key)) raise('write');
      if (key === 'AlterTableCmd' && value.subtype === 'AT_ChangeOwner') raise('privilege');
    });
    const isWrite = command === 'UpdateStmt' || command === 'DeleteStmt';
    return {
      kind,
      command,
      tables: [...new Set(tables.sort((a, b) => a.at - b.at).map((t) => t.name).filter((t) => !cteNames.has(t)))],
      unboundedWrite: isWrite && !body.whereClause,
      lockingRead,
      callsFunctions,
    };
  });
}

const MYSQL_KIND: Record<string, StatementKind> = {
  select: 'read',
  show: 'read',
  desc: 'read',
  insert: 'write',
  replace: 'write',
  update: 'write',
  delete: 'write',
  create: 'ddl',
  alter: 'ddl',
  drop: 'ddl',
  truncate: 'ddl',
  rename: 'ddl',
  grant: 'privilege',
  revoke: 'privilege',
  transaction: 'transaction',
};

/** The statements of a node-sql-parser MySQL tree (`astify` answers one statement or a list). */
export function mysqlStatements(ast: unknown): SqlStatement[] {
  const list = (Array.isArray(ast) ? ast : [ast]) as Tree[];
  return list.map((stmt) => {
    const command = String(stmt.type ?? '');
    let kind = MYSQL_KIND[command] ?? 'other';
    if (command === 'select' && (stmt.into as Tree | undefined)?.position) kind = 'write';
    const tables: string[] = [];
    let callsFunctions = false;
    const visitTable = (value: Tree) => {
      // Table references are `{ db, table }`; column references carry `type: 'column_ref'`.
      if (typeof value.table === 'string' && 'db' in value && value.type !== 'column_ref') {
        tables.push(typeof value.db === 'string' && value.db ? `${value.db}.${value.table}` : value.table);
      }
      if (value.type === 'function') callsFunctions = true;
    };
    walk(stmt, (_key, value) => visitTable(value));
    const locking = stmt.locking_read as unknown;
    return {
      kind,
      command,
      tables: [...new Set(tables)],
      unboundedWrite: (command === 'update' || command === 'delete') && !stmt.where,
      lockingRead: command === 'select' && Boolean(locking),
      callsFunctions,
    };
  });
}
