/**
 * The preview over the RDS Data API (CommandPreviewer): reads get the planner's view (`EXPLAIN`,
 * never `ANALYZE`), writes a dry run inside a Data API transaction that is always rolled back, with a
 * short statement timeout (PostgreSQL: `SET LOCAL statement_timeout`, which ends with the transaction).
 * Rows never come back: only counts and plans leave this module.
 *
 * A dry run is skipped, with the reason in `skipped`, when it could have effects outside the
 * transaction: the parser's reading decides for sequences, functions, COPY, DDL and transaction
 * statements (functions/domain/preview-plan.ts); the database's catalog decides for foreign tables,
 * MySQL tables that are not InnoDB (FEDERATED, MyISAM) and inserts into tables numbered from a
 * sequence or AUTO_INCREMENT. Writes that are not dry run still get the planner's estimate.
 *
 * Time: every statement of the dry run (and every EXPLAIN) is stopped by the database after
 * DRY_RUN_TIMEOUT_MS, so none runs on after the preview gives up: PostgreSQL by `SET LOCAL
 * statement_timeout` (it ends with the transaction); MariaDB by `SET STATEMENT max_statement_time=N
 * FOR …` (that statement only: the Data API's pooled connection keeps no setting); MySQL, Aurora
 * MySQL included, has no server timeout for writes (`max_execution_time` covers SELECT only), so the
 * previewer asks for the transaction's `CONNECTION_ID()` and, when a statement passes the deadline,
 * sends `KILL QUERY` for it in a call of its own (a user may kill their own statements). On every
 * engine the whole preview is abandoned after PREVIEW_BUDGET_MS.
 */
import {
  BeginTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandOutput,
  RollbackTransactionCommand,
  type RDSDataClient,
} from '@aws-sdk/client-rds-data';
import type { CommandPreviewer, SqlTarget } from '../app/ports';
import type { Preview, StatementPreview } from '../domain/preview';
import { skippedPreview } from '../domain/preview';
import { dryRunBlocker, insertsRows, mysqlPlan, postgresPlan } from '../domain/preview-plan';
import type { SqlParameter } from '../domain/session';
import { loadSqlParsers, parserVersions } from './sql-parser';
import { parametersOf, readScript, type ScriptStatement } from './sql-script';
import { dataApiParameter } from './sql-runner';

/** A dry run is a preview, not a workload: the database stops each statement after this long. */
export const DRY_RUN_TIMEOUT_MS = 5000;
/**
 * The whole preview's bound, on the client, for every engine: past it the calls are abandoned and the
 * preview is recorded as skipped. Well below the AwaitReview function's 20 s, so the review request
 * still goes out. The abandoned transaction is never committed; the Data API rolls it back.
 */
export const PREVIEW_BUDGET_MS = 8000;

type Execute = (sql: string, bound?: readonly SqlParameter[]) => Promise<ExecuteStatementCommandOutput>;

/** A value a Data API record holds as a number or as text (`CONNECTION_ID()` is a BIGINT UNSIGNED). */
const recordText = (field: { longValue?: number; stringValue?: string } | undefined): string => String(field?.longValue ?? field?.stringValue ?? '');

/** The name the Data API gives an error, or the SQLSTATE it appends: never the database's words, which may quote rows. */
function failureCode(error: unknown): string {
  const message = (error as { message?: string }).message ?? '';
  return /SQLState: ([0-9A-Z]{5})/.exec(message)?.[1] ?? (error as { name?: string }).name ?? 'Error';
}

/** `schema.table` as PostgreSQL's to_regclass reads it, each part quoted as the parser gave it. */
const pgRegclass = (table: string) => table.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.');

export class DataApiCommandPreviewer implements CommandPreviewer {
  get parser(): string {
    return parserVersions();
  }

  constructor(
    private readonly client: RDSDataClient,
    private readonly timeoutMs = DRY_RUN_TIMEOUT_MS,
    private readonly budgetMs = PREVIEW_BUDGET_MS,
  ) {}

  async preview(target: SqlTarget, command: string, parameters: readonly SqlParameter[] = []): Promise<Preview> {
    await loadSqlParsers();
    const reading = readScript(command, target.type);
    if (!reading.ok) return skippedPreview(`the ${target.type === 'mysql' ? 'MySQL' : 'PostgreSQL'} parser could not read the command`);
    const statements = reading.statements;
    const described = statements.map((s): StatementPreview => ({ kind: s.kind, tables: s.tables, flags: s.flags }));
    let skipped = dryRunBlocker(statements);
    // A script holding DDL or a transaction statement is not planned either: its later statements may depend on them.
    if (statements.some((s) => s.kind !== 'read' && s.kind !== 'write')) return { statements: described, ...(skipped ? { skipped } : {}) };

    const where = { resourceArn: target.clusterArn, secretArn: target.secretArn };
    const abortSignal = AbortSignal.timeout(this.budgetMs);
    let transactionId: string | undefined;
    try {
      transactionId = (await this.client.send(new BeginTransactionCommand({ ...where, database: target.database }), { abortSignal })).transactionId;
      if (!transactionId) throw new Error('BeginTransaction answered without a transaction id');
      const execute: Execute = (sql, bound = []) =>
        this.client.send(
          new ExecuteStatementCommand({ ...where, database: target.database, transactionId, sql, ...(bound.length ? { parameters: bound.map(dataApiParameter) } : {}) }),
          { abortSignal },
        );
      const bounded = await this.statementTimeout(target, execute);
      skipped ??= await this.catalogBlocker(target, statements, execute);

      const previews: StatementPreview[] = [];
      let rowsAffected = 0;
      for (const [index, statement] of statements.entries()) {
        const bound = parametersOf(statement.text, target.type, parameters);
        if (statement.kind === 'write' && !skipped) {
          // Only the count is kept: rows a RETURNING clause sends back are dropped here.
          const changed = (await bounded(statement.text, bound)).numberOfRecordsUpdated ?? 0;
          rowsAffected += changed;
          previews.push({ ...described[index], rowsAffected: changed });
        } else {
          previews.push({ ...described[index], ...(await this.explain(target, statement, bound, bounded)) });
        }
      }
      const wrote = !skipped && statements.some((s) => s.kind === 'write');
      return { statements: previews, ...(wrote ? { rowsAffected } : {}), ...(skipped ? { skipped } : {}) };
    } catch (error) {
      return { statements: described, skipped: `the preview failed (${failureCode(error)}); nothing was counted` };
    } finally {
      // Always: the dry run's changes must never be committed.
      if (transactionId) await this.client.send(new RollbackTransactionCommand({ ...where, transactionId })).catch(() => undefined);
    }
  }

  /**
   * The dry run's statements, each stopped by the database after `timeoutMs` (see the module comment):
   * a PostgreSQL transaction gets its timeout once; MariaDB statements carry theirs; a MySQL statement
   * past its deadline is killed from a second call, outside the transaction.
   */
  private async statementTimeout(target: SqlTarget, execute: Execute): Promise<Execute> {
    if (target.type === 'postgres') {
      await execute(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(this.timeoutMs))}`);
      return execute;
    }
    const [connection, version] = (await execute('SELECT CONNECTION_ID(), VERSION()')).records?.[0] ?? [];
    if (/mariadb/i.test(version?.stringValue ?? '')) {
      const seconds = Math.max(0.001, this.timeoutMs / 1000);
      return (sql, bound) => execute(`SET STATEMENT max_statement_time=${seconds} FOR ${sql}`, bound);
    }
    const thread = recordText(connection);
    if (!/^\d+$/.test(thread)) throw new Error('CONNECTION_ID() gave no connection to stop a statement on');
    const where = { resourceArn: target.clusterArn, secretArn: target.secretArn, database: target.database };
    return async (sql, bound) => {
      let kill: Promise<unknown> | undefined;
      const deadline = setTimeout(() => {
        kill = this.client.send(new ExecuteStatementCommand({ ...where, sql: `KILL QUERY ${thread}` })).catch(() => undefined);
      }, this.timeoutMs);
      try {
        return await execute(sql, bound);
      } finally {
        clearTimeout(deadline);
        // Nothing more is sent on the connection (no rollback, which hands it back to the pool) until the
        // kill has landed: a late kill must never stop another caller's statement.
        await kill;
      }
    };
  }

  /** The planner's estimate and a compact plan; never EXPLAIN ANALYZE, which would run the statement. */
  private async explain(
    target: SqlTarget,
    statement: ScriptStatement,
    bound: readonly SqlParameter[],
    execute: Execute,
  ): Promise<Pick<StatementPreview, 'estimatedRows' | 'plan'>> {
    if (/^(VariableShowStmt|show|desc)$/.test(statement.command)) return {};
    const sql = target.type === 'mysql' ? `EXPLAIN FORMAT=JSON ${statement.text}` : `EXPLAIN (FORMAT JSON) ${statement.text}`;
    const output = await execute(sql, bound);
    const text = output.records?.[0]?.[0]?.stringValue;
    if (!text) return {};
    const read = target.type === 'mysql' ? mysqlPlan(JSON.parse(text)) : postgresPlan(JSON.parse(text));
    return read ? { estimatedRows: read.estimatedRows, plan: read.plan } : {};
  }

  /** Why the catalog says a dry run could escape its transaction, or undefined. */
  private async catalogBlocker(
    target: SqlTarget,
    statements: readonly ScriptStatement[],
    execute: Execute,
  ): Promise<string | undefined> {
    for (const statement of statements.filter((s) => s.kind === 'write')) {
      for (const table of statement.tables) {
        const name: SqlParameter[] = [{ name: 'name', value: { stringValue: target.type === 'mysql' ? table.split('.').at(-1) ?? table : pgRegclass(table) } }];
        if (target.type === 'mysql') {
          const schema: SqlParameter[] = table.includes('.') ? [{ name: 'schema', value: { stringValue: table.split('.')[0] } }] : [];
          const found = await execute(
            `SELECT engine, auto_increment IS NOT NULL FROM information_schema.tables WHERE table_schema = ${schema.length ? ':schema' : 'DATABASE()'} AND table_name = :name`,
            [...name, ...schema],
          );
          const [engine, numbered] = found.records?.[0] ?? [];
          if (engine?.stringValue && engine.stringValue.toLowerCase() !== 'innodb') return `table ${table} uses the ${engine.stringValue} engine, whose changes a rollback does not undo`;
          if (insertsRows(statement) && (numbered?.longValue || numbered?.booleanValue)) return `table ${table} numbers its rows with AUTO_INCREMENT, which a rollback does not give back`;
        } else {
          const found = await execute(
            "SELECT c.relkind::text, EXISTS (SELECT 1 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')) FROM pg_class c WHERE c.oid = to_regclass(:name)",
            name,
          );
          const [kind, numbered] = found.records?.[0] ?? [];
          if (kind?.stringValue === 'f') return `table ${table} is a foreign table: its changes happen outside this database`;
          if (insertsRows(statement) && numbered?.booleanValue) return `table ${table} numbers its rows from a sequence, which a rollback does not give back`;
        }
      }
    }
    return undefined;
  }
}
