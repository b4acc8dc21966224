/**
 * How a form finds the field an API validation error concerns (web/src/api.ts `fieldErrors`): paths
 * name list items as `guardrails.deny[1]`, and the message must still land beside the top-level field.
 * Browser code, loaded by a path the root project does not follow (as in format.test.ts).
 */
import { describe, expect, it } from 'vitest';

const API = '../../web/src/api';
type ApiErrorClass = new (status: number, code: string, message: string, fields?: readonly string[]) => Error;
const { ApiError, fieldErrors } = (await import(/* @vite-ignore */ API)) as {
  ApiError: ApiErrorClass;
  fieldErrors(error: Error): Map<string, string>;
};

describe('fieldErrors', () => {
  it('puts an error on a list item beside its top-level field', () => {
    const error = new ApiError(400, 'invalid_input', 'Invalid rule: guardrails.deny[1]: Invalid option: expected one of "ddl"|"drop"; approvalGroups: name at least one approval group', [
      'guardrails.deny[1]',
      'approvalGroups',
    ]);
    expect([...fieldErrors(error)]).toEqual([
      ['guardrails', 'Invalid option: expected one of "ddl"|"drop"'],
      ['approvalGroups', 'name at least one approval group'],
    ]);
  });

  it('falls back to the whole message for a field named only in details', () => {
    const error = new ApiError(400, 'invalid_input', 'Rule is wrong', ['resources[0]']);
    expect([...fieldErrors(error)]).toEqual([['resources', 'Rule is wrong']]);
  });
});
