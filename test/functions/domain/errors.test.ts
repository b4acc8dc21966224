import { describe, expect, it } from 'vitest';
import { AppError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError, PayloadTooLargeError, UnauthenticatedError } from '../../../functions/domain/errors';

const classes = [
  [InvalidInputError, 'InvalidInputError', 400, 'invalid_input'],
  [UnauthenticatedError, 'UnauthenticatedError', 401, 'unauthenticated'],
  [ForbiddenError, 'ForbiddenError', 403, 'forbidden'],
  [NotFoundError, 'NotFoundError', 404, 'not_found'],
  [ConflictError, 'ConflictError', 409, 'conflict'],
  [PayloadTooLargeError, 'PayloadTooLargeError', 413, 'payload_too_large'],
] as const;

describe('the failure classes', () => {
  it.each(classes)('%o is named %s, answers %i with code %s, and is an AppError of its own class only', (Failure, name, status, code) => {
    const error = new Failure('why it failed');
    expect(error).toMatchObject({ name, status, code, message: 'why it failed' });
    expect(String(error)).toBe(`${name}: why it failed`);
    expect(error).toBeInstanceOf(Failure);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(Error);
    for (const [other] of classes) if (other !== Failure) expect(error).not.toBeInstanceOf(other);
  });

  it.each([InvalidInputError, UnauthenticatedError, NotFoundError, PayloadTooLargeError])('%o carries its details', (Failure) => {
    expect(new Failure('command is empty', { field: 'command' }).details).toEqual({ field: 'command' });
  });

  it.each([ForbiddenError, ConflictError])('%o carries the code of the rule that refused, and its details', (Failure) => {
    const error = new Failure('you reviewed your own session', 'self_review', { sessionId: 's-1' });
    expect(error).toMatchObject({ code: 'self_review', details: { sessionId: 's-1' } });
  });
});
