/** The exceptions the local Data API answers with, named and coded as the RDS Data API sends them. */
import { BackendDatabaseError, BackendUnavailableError, StatementTimeoutError, UnsupportedValueError } from './errors';

/** HTTP status AWS uses for each RDS Data API exception (from the service model). */
const ERROR_STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  BadRequestException: 400,
  DatabaseErrorException: 400,
  DatabaseNotFoundException: 404,
  DatabaseResumingException: 400,
  DatabaseUnavailableException: 504,
  ForbiddenException: 403,
  HttpEndpointNotEnabledException: 400,
  InternalServerErrorException: 500,
  InvalidResourceStateException: 400,
  InvalidSecretException: 400,
  NotFoundException: 404,
  SecretsErrorException: 400,
  ServiceUnavailableError: 503,
  StatementTimeoutException: 400,
  TransactionNotFoundException: 404,
  UnsupportedResultException: 400,
};

export class DataApiError extends Error {
  readonly status: number;
  constructor(
    readonly type: string,
    message: string,
    status?: number,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.status = status ?? ERROR_STATUS[type] ?? 400;
  }
}

export const badRequest = (message: string) => new DataApiError('BadRequestException', message);

export function toDataApiError(err: unknown): DataApiError {
  if (err instanceof DataApiError) return err;
  if (err instanceof BackendDatabaseError) return new DataApiError('DatabaseErrorException', err.message);
  if (err instanceof StatementTimeoutError) {
    return new DataApiError('StatementTimeoutException', 'The statement timed out', undefined, err.connectionId !== undefined ? { dbConnectionId: err.connectionId } : undefined);
  }
  if (err instanceof BackendUnavailableError) return new DataApiError('DatabaseUnavailableException', err.message);
  if (err instanceof UnsupportedValueError) {
    return err.where === 'parameter' ? badRequest(err.message) : new DataApiError('UnsupportedResultException', err.message);
  }
  return new DataApiError('InternalServerErrorException', err instanceof Error ? err.message : String(err));
}
