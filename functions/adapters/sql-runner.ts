/**
 * Runs one SQL statement through the RDS Data API and turns the typed records into plain JSON values.
 * The endpoint comes from the SDK's configuration (AWS_ENDPOINT_URL_RDS_DATA locally, where a server
 * speaking the Data API protocol fronts PGlite, Postgres or MySQL).
 */
import { ExecuteStatementCommand, type Field, type RDSDataClient, type SqlParameter as DataApiParameter } from '@aws-sdk/client-rds-data';
import type { QueryResult, SqlRunner, SqlTarget } from '../app/ports';
import type { SqlParameter } from '../domain/session';

/** Failures where the statement certainly did not run, so the workflow may retry it. */
const TRANSIENT = new Set([
  'DatabaseResumingException',
  'DatabaseUnavailableException',
  'ServiceUnavailableError',
  'InternalServerErrorException',
  'ThrottlingException',
  'TooManyRequestsException',
]);

/** Thrown for a retryable failure; its name is what the ASL's Retry matches. */
export class TransientDatabaseError extends Error {
  override readonly name = 'TransientDatabaseError';
}

/** The database refused the statement (syntax, permissions, constraint): permanent, reported as is. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
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
    try {
      const output = await this.client.send(
        new ExecuteStatementCommand({
          resourceArn: target.clusterArn,
          secretArn: target.secretArn,
          database: target.database,
          sql,
          ...(parameters?.length ? { parameters: parameters.map(dataApiParameter) } : {}),
          includeResultMetadata: true,
        }),
      );
      const records = output.records ?? [];
      const truncated = records.length > maxRows;
      return {
        columns: (output.columnMetadata ?? []).map((column) => ({
          name: column.label ?? column.name ?? '',
          type: column.typeName ?? 'unknown',
        })),
        rows: records.slice(0, maxRows).map((record) => record.map(fieldValue)),
        rowCount: records.length,
        truncated,
        ...(output.columnMetadata?.length ? {} : { recordsUpdated: output.numberOfRecordsUpdated ?? 0 }),
      };
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      const message = (error as { message?: string }).message ?? String(error);
      if (TRANSIENT.has(name) || (error as { $retryable?: unknown }).$retryable) {
        throw new TransientDatabaseError(`${name}: ${message}`);
      }
      throw new SqlError(message, name);
    }
  }
}
