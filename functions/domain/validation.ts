/**
 * Turns zod failures into InvalidInputError messages that name the bad field, so every entry point
 * (HTTP body, query string, config file at synth) reports problems the same way.
 */
import { InvalidInputError } from './errors';
import * as z from './zod';

/** A field's path as a reader writes it: `guardrails.deny[1]`, not `guardrails.deny.1`. */
const pathOf = (path: readonly PropertyKey[]): string =>
  path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('');

export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .map((issue) => {
      const path = pathOf(issue.path);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

export function parseOrThrow<T extends z.core.$ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    throw new InvalidInputError(`Invalid ${what}: ${describeIssues(parsed.error)}`, {
      fields: [...new Set(parsed.error.issues.map((issue) => pathOf(issue.path)))],
    });
  }
  return parsed.data;
}
