/**
 * One error class per failure the product can explain to its user. The HTTP layer maps each to a status
 * in one place (functions/api/http.ts); anything else becomes a generic 500. Pure: no AWS imports.
 */

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Fields a route's contract puts in the error body beside `code` and `message` (e.g. `guardrail`). */
  readonly body?: Readonly<Record<string, string>>;
  constructor(message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

export class InvalidInputError extends AppError {
  override readonly name = 'InvalidInputError';
  readonly status = 400;
  readonly code = 'invalid_input';
}

export class PayloadTooLargeError extends AppError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnauthenticatedError extends AppError {
  override readonly name = 'UnauthenticatedError';
  readonly status = 401;
  readonly code = 'unauthenticated';
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly code: string;
  constructor(message: string, code = 'forbidden', details?: Record<string, unknown>) {
    super(message, details);
    this.code = code;
  }
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly code = 'not_found';
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly code: string;
  constructor(message: string, code = 'conflict', details?: Record<string, unknown>) {
    super(message, details);
    this.code = code;
  }
}
