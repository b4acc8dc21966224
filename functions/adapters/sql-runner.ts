/**
 * Runs one governed command through the RDS Data API, always inside a transaction:
 * BeginTransaction → ExecuteStatement → CommitTransaction (RollbackTransaction when anything fails
 * before the commit). Turns the typed records into plain JSON values. The endpoint comes from the SDK's
 * configuration (AWS_ENDPOINT_URL_RDS_DATA locally, where a server speaking the Data API protocol
 * fronts PGlite, Postgres or MySQL).
 *
 * The transaction is what makes "at most once" checkable: until CommitTransaction is sent, every
 * failure leaves the database unchanged, whatever the failure was (the Data API rolls back a
 * transaction nobody commits). Only a CommitTransaction whose answer is lost leaves the outcome
 * unknown, and that is reported as such, never retried.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type Field,
  type RDSDataClient,
  type SqlParameter as DataApiParameter,
} from '@aws-sdk/client-rds-data';
import type { QueryResult, SqlRunner, SqlTarget } from '../app/ports';
import { OutcomeUnknownError, SqlError, TransientDatabaseError } from '../domain/execution';
import type { SqlParameter } from '../domain/session';

/**
 * Refusals that prove the request was turned away before the database started any work, so running
 * the command again cannot apply it twice. `DatabaseResumingException`: "a request was cancelled
 * because the Aurora Serverless v2 DB instance was paused … wait a few seconds and try again". The Data
 * API documents no throttling exception of its own. `InternalServerErrorException`, timeouts, dropped
 * connections and the SDK's `$retryable` flag prove nothing: the statement may have run.
 */
const NEVER_STARTED = new Set(['DatabaseResumingException']);

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

export class DataApiSqlRunner implements SqlRunner {
  constructor(private readonly client: RDSDataClient) {}

  async run(target: SqlTarget, sql: string, maxRows: number, parameters?: readonly SqlParameter[]): Promise<QueryResult> {
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

    let output;
    try {
      output = await this.client.send(
        new ExecuteStatementCommand({
          ...where,
          database: target.database,
          transactionId,
          sql,
          ...(parameters?.length ? { parameters: parameters.map(dataApiParameter) } : {}),
          includeResultMetadata: true,
        }),
      );
    } catch (error) {
      // Not committed, so not applied: roll back now to free the locks at once. Should the rollback
      // fail too, the Data API rolls the idle transaction back itself (after 3 minutes).
      await this.client.send(new RollbackTransactionCommand({ ...where, transactionId })).catch(() => undefined);
      if (NEVER_STARTED.has(errorName(error))) throw new TransientDatabaseError(`${errorName(error)}: ${errorMessage(error)}`);
      throw refusal(error);
    }

    try {
      await this.client.send(new CommitTransactionCommand({ ...where, transactionId }));
    } catch (error) {
      // The database answered and refused the commit (a deferred constraint, a serialization
      // failure): it rolled the transaction back. Any other failure may have come after the commit.
      if (errorName(error) === 'DatabaseErrorException') throw refusal(error);
      throw new OutcomeUnknownError(`CommitTransaction failed with ${errorName(error)}; the change may or may not be applied.`);
    }

    const records = output.records ?? [];
    return {
      columns: (output.columnMetadata ?? []).map((column) => ({
        name: column.label ?? column.name ?? '',
        type: column.typeName ?? 'unknown',
      })),
      rows: records.slice(0, maxRows).map((record) => record.map(fieldValue)),
      rowCount: records.length,
      truncated: records.length > maxRows,
      ...(output.columnMetadata?.length ? {} : { recordsUpdated: output.numberOfRecordsUpdated ?? 0 }),
    };
  }
}
