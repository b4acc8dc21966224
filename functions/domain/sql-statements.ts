/**
 * What a SQL statement is, read from a real parser's tree: its kind (read, write, ddl, privilege,
 * transaction, other), the tables it names, and the flags a reviewer needs to see. Pure: the trees come
 * from `adapters/sql-parser.ts` (PostgreSQL's own parser, libpg-query; node-sql-parser for MySQL).
 *
 * The kind is the most consequential reading the tree allows, never a guess downwards: a SELECT whose
 * WITH holds a DELETE is a write, `SELECT … INTO t` and `EXPLAIN ANALYZE` of a DDL statement are ddl,
 * and what the tree cannot tell (DO blocks, CALL, SET) is `other`. A function called from a SELECT may
 * still write: `callsFunctions` says so instead of pretending to know.
 *
 * `flags` name the risky shapes in the words. They are read anywhere in the tree, not only at
 * the top: a DELETE without WHERE inside a WITH, or inside EXPLAIN, is still flagged. A statement the
 * parser cannot read is `unreadableStatement()`: kind `other`, flagged `unparsable`, never safe.
 */
import type { Node, ParseResult } from 'libpg-query';
import { isSafeFunction } from './safe-functions';

export const STATEMENT_KINDS = ['read', 'write', 'ddl', 'privilege', 'transaction', 'other'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

export const STATEMENT_FLAGS = [
  'delete-without-where',
  'update-without-where',
  'drop',
  'truncate',
  /** GRANT of a privilege or a role (REVOKE is kind `privilege` without this flag). */
  'grant',
  /** A WITH whose query inserts, updates, deletes or merges. */
  'data-modifying-cte',
  /** A call to a function not on the allow-list in `safe-functions.ts`. */
  'volatile-function',
  /** SELECT … FOR UPDATE / FOR SHARE (MySQL: LOCK IN SHARE MODE). */
  'select-for-update',
  /** Text the parser could not read. */
  'unparsable',
] as const;
export type StatementFlag = (typeof STATEMENT_FLAGS)[number];

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
  /** The risky shapes found anywhere in the statement, in `STATEMENT_FLAGS` order, no repeats. */
  flags: StatementFlag[];
}

/** What stands for text the parser could not read: nothing about it is known, so nothing about it is safe. */
export const unreadableStatement = (): SqlStatement => ({
  kind: 'other',
  command: 'unparsable',
  tables: [],
  unboundedWrite: false,
  lockingRead: false,
  callsFunctions: false,
  flags: ['unparsable'],
});

const inFlagOrder = (found: Set<StatementFlag>): StatementFlag[] => STATEMENT_FLAGS.filter((flag) => found.has(flag));

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
    const flags = new Set<StatementFlag>();
    const raise = (to: StatementKind) => {
      if (RANK[to] > RANK[kind]) kind = to;
    };
    pgFlags(command, body, flags);
    walk(body, (key, value) => {
      if (key === 'CommonTableExpr' && typeof value.ctename === 'string') cteNames.add(value.ctename);
      if ((key === 'RangeVar' || key === 'relation' || key === 'rel') && typeof value.relname === 'string') {
        const name = typeof value.schemaname === 'string' ? `${value.schemaname}.${value.relname}` : value.relname;
        tables.push({ name, at: typeof value.location === 'number' ? value.location : 0 });
      }
      if (key === 'LockingClause') lockingRead = true;
      if (key === 'FuncCall') callsFunctions = true;
      pgFlags(key, value, flags);
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
      flags: inFlagOrder(flags),
    };
  });
}

const names = (list: unknown): string[] =>
  ((list as Tree[] | undefined) ?? []).map((part) => (part.String as Tree | undefined)?.sval).filter((s): s is string => typeof s === 'string');

/** Adds the flags one PostgreSQL tree node shows, `key` being its node type (or the statement's command). */
function pgFlags(key: string, value: Tree, flags: Set<StatementFlag>): void {
  if (key === 'DeleteStmt' && !value.whereClause) flags.add('delete-without-where');
  if (key === 'UpdateStmt' && !value.whereClause) flags.add('update-without-where');
  if (/^Drop/.test(key) || (key === 'AlterTableCmd' && value.subtype === 'AT_DropColumn')) flags.add('drop');
  if (key === 'TruncateStmt') flags.add('truncate');
  if ((key === 'GrantStmt' || key === 'GrantRoleStmt') && value.is_grant === true) flags.add('grant');
  if (key === 'CommonTableExpr' && WRITE.has(Object.keys((value.ctequery as Tree | undefined) ?? {})[0] ?? '')) flags.add('data-modifying-cte');
  if (key === 'FuncCall' && !isSafeFunction(names(value.funcname))) flags.add('volatile-function');
  if (key === 'LockingClause') flags.add('select-for-update');
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
    const flags = new Set<StatementFlag>();
    const visit = (value: Tree) => {
      // Table references are `{ db, table }`; column references carry `type: 'column_ref'`.
      if (typeof value.table === 'string' && 'db' in value && value.type !== 'column_ref') {
        tables.push(typeof value.db === 'string' && value.db ? `${value.db}.${value.table}` : value.table);
      }
      if (value.type === 'function') callsFunctions = true;
      mysqlFlags(value, flags);
    };
    walk(stmt, (_key, value) => visit(value));
    const locking = stmt.locking_read as unknown;
    const lockingRead = command === 'select' && Boolean(locking);
    const unboundedWrite = (command === 'update' || command === 'delete') && !stmt.where;
    if (unboundedWrite) flags.add(command === 'update' ? 'update-without-where' : 'delete-without-where');
    if (command === 'drop') flags.add('drop');
    if (command === 'truncate') flags.add('truncate');
    if (command === 'grant') flags.add('grant');
    return {
      kind,
      command,
      tables: [...new Set(tables)],
      unboundedWrite,
      lockingRead,
      callsFunctions,
      flags: inFlagOrder(flags),
    };
  });
}

/** A node-sql-parser function name: `{ name: [{ value }] }` (one part per qualifier) or a plain string. */
function mysqlFunctionName(name: unknown): string[] {
  if (typeof name === 'string') return [name];
  const parts = ((name as Tree | undefined)?.name as Tree[] | undefined) ?? [];
  return parts.map((part) => String(part.value ?? ''));
}

/** Adds the flags one node-sql-parser node shows. */
function mysqlFlags(value: Tree, flags: Set<StatementFlag>): void {
  if (value.type === 'function' || value.type === 'aggr_func') {
    const parts = mysqlFunctionName(value.name);
    // A qualified name is a stored function of some database, never one of the engine's own.
    if (parts.length !== 1 || !isSafeFunction(parts)) flags.add('volatile-function');
  }
  if (value.action === 'drop' && value.resource === 'column') flags.add('drop');
  if (value.locking_read) flags.add('select-for-update');
}
