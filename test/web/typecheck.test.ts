/**
 * The browser code type-checks on its own: web/tsconfig.json adds the DOM library, which the root
 * project (Node handlers, infra, tests) must not see, so the root tsconfig excludes web/src and this
 * test runs the compiler over it with the same strict settings.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

it('type-checks web/src strictly against the DOM library', async () => {
  const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'web/tsconfig.json']).then(
    () => ({ code: 0, output: '' }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
}, 60_000);
