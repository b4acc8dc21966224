/**
 * Runs one governed command through the RDS Data API, always inside a transaction:
 * BeginTransaction → ExecuteStatement (one per statement of a script) → CommitTransaction
 * (RollbackTransaction when anything fails before the commit, or when the statements changed more
 * rows than the approval's ceiling). Turns the typed records into plain JSON values. The endpoint comes from the SDK's
 * configuration (AWS_ENDPOINT_URL_RDS_DATA locally, where a server speaking the Data API protocol
 * fronts PGlite, Postgres or MySQL).
 *
 * The transaction is what makes "at most once" checkable: until CommitTransaction is sent, every
 * failure leaves the database unchanged, whatever the failure was (the Data API rolls back a
 * transaction nobody commits). Only a CommitTransaction whose answer is lost leaves the outcome
 * unknown, and that is reported as such, never retried. MySQL is the exception the transaction cannot
 * cover: it commits DDL (and the other statements of functions/domain/implicit-commit.ts) on its own.
 * Such a statement whose answer is lost is outcome unknown too, and a script holding one is refused
 * before anything is sent, since it could not run as one unit.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type ExecuteStatementCommandOutput,
  type Field,
  type RDSDataClient,
  type SqlParameter as DataApiParameter,
} from '@aws-sdk/client-rds-data';
import type { QueryResult, RunLimits, SqlRunner, SqlTarget } from '../app/ports';
import { OutcomeUnknownError, RowLimitExceededError, SqlError, TransientDatabaseError } from '../domain/execution';
import { mayCommitOnItsOwn, MYSQL_DDL_IN_SCRIPT, selfCommittingScript } from '../domain/implicit-commit';
import { unreadableStatement } from '../domain/sql-statements';
import type { SqlParameter } from '../domain/session';
import { loadSqlParsers } from './sql-parser';
import { parametersOf, readScript } from './sql-script';

/**
 * Refusals that prove the request was turned away before the database started any work, so running
 * the command again cannot apply it twice. `DatabaseResumingException`: "a request was cancelled
 * because the Aurora Serverless v2 DB instance was paused … wait a few seconds and try again". The Data
 * API documents no throttling exception of its own. `InternalServerErrorException`, timeouts, dropped
 * connections and the SDK's `$retryable` flag prove nothing: the statement may have run.
 */
const NEVER_STARTED = new Set(['DatabaseResumingException']);

/**
 * Answers in which the database (or the Data API) refused the statement. For a statement MySQL commits
 * on its own even these leave the outcome unknown: MySQL may have applied part of it before refusing
 * (MariaDB's `DROP TABLE a, b` drops `a`, then fails on a missing `b`). Any other failure of such a
 * statement (a lost answer, an InternalServerErrorException, a StatementTimeoutException) leaves it
 * unknown too, as a lost CommitTransaction answer does.
 */
const REFUSED = new Set(['DatabaseErrorException', 'BadRequestException']);

/**
 * Failures of BeginTransaction worth another try later. Whatever BeginTransaction's failure, the
 * command was not sent yet; these are the ones where trying again can succeed.
 */
const TRY_AGAIN = new Set([
  'DatabaseResumingException',
  'DatabaseUnavailableException',
  'ServiceUnavailableError',
  'InternalServerErrorException',
  'ThrottlingException',
  'TooManyRequestsException',
]);

/** The SQLSTATE the Data API appends to a database error (`…; SQLState: 22P02`). */
const SQLSTATE = /SQLState: ([0-9A-Z]{5})/;

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? 'Error';
}

function errorMessage(error: unknown): string {
  return (error as { message?: string }).message ?? String(error);
}

function tryAgainLater(error: unknown): boolean {
  return TRY_AGAIN.has(errorName(error)) || Boolean((error as { $retryable?: unknown }).$retryable) || errorName(error) === 'TimeoutError';
}

/** A refusal of the command, coded by SQLSTATE when the database gave one. */
function refusal(error: unknown): SqlError {
  const message = errorMessage(error);
  return new SqlError(message, SQLSTATE.exec(message)?.[1] ?? errorName(error));
}

export function fieldValue(field: Field): unknown {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64');
  if (field.arrayValue !== undefined) {
    const array = field.arrayValue;
    return (
      array.stringValues ?? array.longValues ?? array.doubleValues ?? array.booleanValues ??
      array.arrayValues?.map((inner) => fieldValue({ arrayValue: inner ?? undefined } as Field)) ?? []
    );
  }
  return null;
}

/** The session keeps blobs as base64 (it is JSON); the SDK wants their bytes. */
export function dataApiParameter(parameter: SqlParameter): DataApiParameter {
  const { value } = parameter;
  const field: Field =
    'blobValue' in value ? { blobValue: Buffer.from(value.blobValue, 'base64') } : (value as Field);
  return { name: parameter.name, value: field, ...(parameter.typeHint ? { typeHint: parameter.typeHint } : {}) };
}

/** One call of a script: a statement's text and the parameters it refers to. */
interface Call {
  readonly sql: string;
  readonly parameters: readonly SqlParameter[];
  /** MySQL may commit it on its own: a rollback cannot undo it (domain/implicit-commit.ts). */
  readonly commitsOnItsOwn: boolean;
}

/**
 * The calls a command becomes. The Data API refuses several statements in one call, so a script is
 * cut by the engine's parser (functions/adapters/sql-script.ts) into one call per statement, each a
 * slice of the approved text. A single statement, or text the parser refuses, is sent as it was
 * submitted, and the database decides. A MySQL script holding a statement MySQL commits on its own is
 * refused here too (submission refuses it already; this holds for a session approved before that).
 */
function callsOf(target: SqlTarget, sql: string, parameters: readonly SqlParameter[]): Call[] {
  const reading = readScript(sql, target.type);
  if (!reading.ok || reading.statements.length < 2) {
    const statement = reading.ok ? (reading.statements[0] ?? unreadableStatement()) : unreadableStatement();
    return [{ sql, parameters, commitsOnItsOwn: mayCommitOnItsOwn(target.type, statement) }];
  }
  const notOneUnit = selfCommittingScript(target.type, reading.statements);
  if (notOneUnit) throw new SqlError(notOneUnit, MYSQL_DDL_IN_SCRIPT);
  return reading.statements.map((statement) => ({
    sql: statement.text,
    parameters: parametersOf(statement.text, target.type, parameters),
    commitsOnItsOwn: mayCommitOnItsOwn(target.type, statement),
  }));
}

export class DataApiSqlRunner implements SqlRunner {
  constructor(private readonly client: RDSDataClient) {}

  async run(target: SqlTarget, sql: string, maxRows: number, parameters?: readonly SqlParameter[], limits: RunLimits = {}): Promise<QueryResult> {
    await loadSqlParsers();
    const calls = callsOf(target, sql, parameters ?? []);
    const where = { resourceArn: target.clusterArn, secretArn: target.secretArn };
    let transactionId: string;
    try {
      const begun = await this.client.send(new BeginTransactionCommand({ ...where, database: target.database }));
      if (!begun.transactionId) throw new Error('BeginTransaction answered without a transaction id');
      transactionId = begun.transactionId;
    } catch (error) {
      // The command was not sent: nothing ran, whatever the failure.
      if (tryAgainLater(error)) throw new TransientDatabaseError(`${errorName(error)}: ${errorMessage(error)}`);
      throw refusal(error);
    }
    // Not committed, so not applied: roll back now to free the locks at once. Should the rollback
    // fail too, the Data API rolls the idle transaction back itself (after 3 minutes).
    const rollBack = () => this.client.send(new RollbackTransactionCommand({ ...where, transactionId })).catch(() => undefined);

    // The statements of a script run one after another in the one transaction: all or nothing.
    let shown: ExecuteStatementCommandOutput | undefined;
    let rowsChanged = 0;
    // A statement MySQL committed on its own has been applied, whatever follows: neither the ceiling
    // nor a failed commit can take it back, so neither may report it as rolled back.
    let selfCommitted = false;
    for (const call of calls) {
      let output: ExecuteStatementCommandOutput;
      try {
        output = await this.client.send(
          new ExecuteStatementCommand({
            ...where,
            database: target.database,
            transactionId,
            sql: call.sql,
            ...(call.parameters.length ? { parameters: call.parameters.map(dataApiParameter) } : {}),
            includeResultMetadata: true,
          }),
        );
      } catch (error) {
        await rollBack();
        if (NEVER_STARTED.has(errorName(error))) throw new TransientDatabaseError(`${errorName(error)}: ${errorMessage(error)}`);
        if (call.commitsOnItsOwn) {
          const refused = REFUSED.has(errorName(error));
          throw new OutcomeUnknownError(
            `ExecuteStatement of a statement MySQL commits on its own failed with ${errorName(error)}; it may be applied, in part or whole.`,
            refused ? 'self_commit_refused' : 'self_commit_lost',
            refused ? refusal(error) : undefined,
          );
        }
        throw refusal(error);
      }
      if (output.columnMetadata?.length || !shown?.columnMetadata?.length) shown = output;
      rowsChanged += output.numberOfRecordsUpdated ?? 0;
      selfCommitted ||= call.commitsOnItsOwn;
      // The approval covered at most rowLimit changed rows: more, and nothing is committed.
      if (!selfCommitted && limits.rowLimit !== undefined && rowsChanged > limits.rowLimit) {
        await rollBack();
        throw new RowLimitExceededError(rowsChanged, limits.rowLimit);
      }
    }

    try {
      await this.client.send(new CommitTransactionCommand({ ...where, transactionId }));
    } catch (error) {
      if (selfCommitted) return resultOf(shown, rowsChanged, maxRows);
      // The database answered and refused the commit (a deferred constraint, a serialization
      // failure): it rolled the transaction back. Any other failure may have come after the commit.
      if (errorName(error) === 'DatabaseErrorException') throw refusal(error);
      throw new OutcomeUnknownError(`CommitTransaction failed with ${errorName(error)}; the change may or may not be applied.`);
    }

    return resultOf(shown, rowsChanged, maxRows);
  }
}

/** A script answers with the rows of its last statement that returned rows, and the rows all its statements changed. */
function resultOf(shown: ExecuteStatementCommandOutput | undefined, rowsChanged: number, maxRows: number): QueryResult {
  const records = shown?.records ?? [];
  return {
    columns: (shown?.columnMetadata ?? []).map((column) => ({
      name: column.label ?? column.name ?? '',
      type: column.typeName ?? 'unknown',
    })),
    rows: records.slice(0, maxRows).map((record) => record.map(fieldValue)),
    rowCount: records.length,
    truncated: records.length > maxRows,
    ...(shown?.columnMetadata?.length ? {} : { recordsUpdated: rowsChanged }),
  };
}
