/** Failures a backend of the local Data API reports; server.ts maps each to one Data API exception. */
/** A database error, with its message already formatted the way the Data API reports it. */
export class BackendDatabaseError extends Error {
  constructor(message: string, readonly sqlState?: string) {
    super(message);
    this.name = 'BackendDatabaseError';
  }
}

/** The statement ran past its timeout (and was cancelled unless continueAfterTimeout). */
export class StatementTimeoutError extends Error {
  constructor(message = 'The statement exceeded the timeout', readonly connectionId?: number) {
    super(message);
    this.name = 'StatementTimeoutError';
  }
}

/** The database could not be reached at all (connection refused, server gone). */
export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** A value the backend cannot represent in its results or parameters (Data API: UnsupportedResultException / BadRequest). */
export class UnsupportedValueError extends Error {
  constructor(message: string, readonly where: 'result' | 'parameter') {
    super(message);
    this.name = 'UnsupportedValueError';
  }
}

/** The driver could not reach the database (as opposed to the database refusing the statement). */
export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'PROTOCOL_CONNECTION_LOST'
  );
}
