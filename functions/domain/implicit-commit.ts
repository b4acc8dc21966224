/**
 * Statements MySQL commits on its own. MySQL (MariaDB and Aurora MySQL alike) ends the open transaction
 * with an implicit commit before and after DDL (`CREATE`, `ALTER`, `DROP`, `TRUNCATE`, `RENAME`), account
 * and privilege statements (`GRANT`, `REVOKE`, `CREATE USER`), and transaction control (`BEGIN`,
 * `COMMIT`, `SET autocommit = 1`, `LOCK TABLES`). A rollback cannot undo such a statement, so two
 * promises need to know which statements are of that sort:
 *
 * - a script runs as one unit only if none of its statements commits on its own: on MySQL a script
 *   holding one is refused at submission (`refuseSelfCommittingScript`), before anything is stored;
 * - a statement of that sort whose answer is lost may be applied, whatever the transaction's fate:
 *   its outcome is unknown, never "rolled back" (the SQL runner asks `mayCommitOnItsOwn`).
 *
 * What the parser cannot place (kind `other`: unreadable text, `CALL`, `SET`, `LOCK`, …) may commit on
 * its own too: a procedure may commit, `SET autocommit = 1` does. PostgreSQL runs all of these inside
 * the transaction, so nothing here applies to it. Pure: it reads the parser's classification.
 */
import { AppError } from './errors';
import type { SqlStatement, StatementKind } from './sql-statements';

type Engine = 'postgres' | 'mysql';

/** Kinds MySQL runs inside the transaction; every other kind may commit on its own. */
const TRANSACTIONAL_ON_MYSQL: ReadonlySet<StatementKind> = new Set(['read', 'write']);

/** Whether running this statement may commit, whatever becomes of the transaction it was sent in. */
export function mayCommitOnItsOwn(engine: Engine, statement: Pick<SqlStatement, 'kind'>): boolean {
  return engine === 'mysql' && !TRANSACTIONAL_ON_MYSQL.has(statement.kind);
}

/** The refusal's code, in the API's error body and (should the runner meet such a script) the session's error. */
export const MYSQL_DDL_IN_SCRIPT = 'mysql_ddl_in_script';

/**
 * A script refused because MySQL would commit one of its statements on its own, so a failing statement
 * could not roll back the ones before it: 400 `{ error: { code: "mysql_ddl_in_script", message } }`.
 */
export class SelfCommittingScriptError extends AppError {
  override readonly name = 'SelfCommittingScriptError';
  readonly status = 400;
  readonly code = MYSQL_DDL_IN_SCRIPT;
}

/**
 * Why a script could not run as one unit: two or more statements on MySQL, one of which may commit on
 * its own; undefined when it can. A lone statement is always its own unit.
 */
export function selfCommittingScript(engine: Engine, statements: readonly SqlStatement[]): string | undefined {
  if (statements.length < 2) return undefined;
  const at = statements.findIndex((statement) => mayCommitOnItsOwn(engine, statement));
  if (at < 0) return undefined;
  const statement = statements[at];
  const what = statement.flags.includes('unparsable') ? 'one the parser cannot read' : `${statement.kind} (${statement.command})`;
  return (
    `Statement ${at + 1} of ${statements.length} is ${what}, which MySQL may commit on its own, so this script could not run ` +
    'as one unit (a failing statement could not roll it back). Submit that statement on its own, and the others as a separate command.'
  );
}

/** Throws SelfCommittingScriptError for a script `selfCommittingScript` finds could not run as one unit. */
export function refuseSelfCommittingScript(engine: Engine, statements: readonly SqlStatement[]): void {
  const why = selfCommittingScript(engine, statements);
  if (why) throw new SelfCommittingScriptError(why);
}
