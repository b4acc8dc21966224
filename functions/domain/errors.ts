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

/**
 * A failure class of one HTTP status and code. `name` is the class's own name: logs and `error.name`
 * checks read it, so it must match the exported class.
 */
function failure(name: string, status: number, code: string) {
  return class extends AppError {
    override readonly name = name;
    readonly status = status;
    readonly code = code;
  };
}

/** As `failure`, for refusals that say which rule refused in `code` (`self_review`, `already_closed`, …). */
function codedFailure(name: string, status: number, defaultCode: string) {
  return class extends AppError {
    override readonly name = name;
    readonly status = status;
    readonly code: string;
    constructor(message: string, code = defaultCode, details?: Record<string, unknown>) {
      super(message, details);
      this.code = code;
    }
  };
}

export class InvalidInputError extends failure('InvalidInputError', 400, 'invalid_input') {}
export class UnauthenticatedError extends failure('UnauthenticatedError', 401, 'unauthenticated') {}
export class ForbiddenError extends codedFailure('ForbiddenError', 403, 'forbidden') {}
export class NotFoundError extends failure('NotFoundError', 404, 'not_found') {}
export class ConflictError extends codedFailure('ConflictError', 409, 'conflict') {}
export class PayloadTooLargeError extends failure('PayloadTooLargeError', 413, 'payload_too_large') {}
