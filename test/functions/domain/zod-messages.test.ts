/**
 * The Lambda code's zod (functions/domain/zod.ts, the functional build) answers in the same English as
 * the chained API: without its locale every issue would read "Invalid input", and a 400 would no
 * longer say what is wrong with the field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOrThrow } from '../../../functions/domain/validation';
import * as z from '../../../functions/domain/zod';

const schema = z.strictObject({
  name: z.string().check(z.minLength(1)),
  sessionId: z.uuid(),
  limit: z.optional(z.coerce.number().check(z.int(), z.lte(200))),
});

describe('validation messages', () => {
  it('name what is wrong with each field, as the chained zod API words it', () => {
    expect(() => parseOrThrow(schema, { name: '', sessionId: 'x', limit: '1000', extra: 1 }, 'request')).toThrow(
      'Invalid request: name: Too small: expected string to have >=1 characters; sessionId: Invalid UUID; limit: Too big: expected number to be <=200; Unrecognized key: "extra"',
    );
  });
});

describe('zod in functions/', () => {
  it('comes from functions/domain/zod.ts only', () => {
    const modules = (readdirSync('functions', { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    const direct = modules.filter((file) => file !== join('domain', 'zod.ts') && /from 'zod(\/[a-z0-9/-]+)?'/.test(readFileSync(join('functions', file), 'utf8')));
    expect(modules.length).toBeGreaterThan(100);
    expect(direct).toEqual([]);
  });
});
