/**
 * The functions that read SQL carry the SQL parsers (bundled, with libpg-query's WebAssembly beside
 * them); every other function leaves them out of its bundle. Every handler imports the parsers' adapter
 * through the composition root, so the bundle alone cannot tell who calls it: the use cases can. A
 * submission classifies the command (guardrails, autoApprove), a preview reads it before the review,
 * and Execute cuts a script into its statements. Without the parsers, those die at their first
 * command on Lambda (Execute once did); with them, any other function pays their size at cold start.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { AccessgateFunction, ESM_BANNER, PROJECT_ROOT, SQL_PARSER_WASM } from '../../../infra/constructs/accessgate-function';
import { synth } from '../synth';

const run = promisify(execFile);
const { stack } = synth();
const functions = stack.node.findAll().filter((c): c is AccessgateFunction => c instanceof AccessgateFunction);

const READ_SQL = {
  'functions/api/sessions.ts': 'submission: guardrails and autoApprove classify the command',
  'functions/workflow/await-review.ts': 'the preview before the review request',
  'functions/workflow/evaluate.ts': 'the preview, when a re-driven workflow routes the session again',
  'functions/workflow/execute.ts': 'a script runs as one call per statement',
  'functions/workflow/run.ts': 'a script no rule covers runs as one call per statement',
} as const;

describe('the SQL parsers in Lambda bundles', () => {
  it.each(Object.entries(READ_SQL))('%s carries them (%s)', (handlerModule) => {
    const carriers = functions.filter((fn) => fn.handlerModule === handlerModule);
    expect(carriers.length, handlerModule).toBeGreaterThan(0);
    for (const fn of carriers) expect(fn.readsSql, fn.node.path).toBe(true);
  });

  it('no other function carries them', () => {
    const others = functions.filter((fn) => !(fn.handlerModule in READ_SQL));
    expect(others.length).toBeGreaterThan(10);
    expect(others.filter((fn) => fn.readsSql).map((fn) => fn.node.path)).toEqual([]);
  });
});

describe('a bundle that reads SQL, as the stack builds it', () => {
  it('loads the parsers from its own folder and reads PostgreSQL and MySQL, from any working directory', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'accessgate-sql-bundle-'));
    try {
      const entry = join(PROJECT_ROOT, 'functions/adapters/sql-parser.ts');
      await build({
        stdin: { contents: `export { analyseSql, loadSqlParsers } from ${JSON.stringify(entry)};`, resolveDir: PROJECT_ROOT, loader: 'ts' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        minify: true,
        outfile: join(folder, 'index.mjs'),
        external: ['@aws-sdk/*'],
        mainFields: ['module', 'main'],
        banner: { js: ESM_BANNER },
        logLevel: 'silent',
      });
      copyFileSync(join(PROJECT_ROOT, SQL_PARSER_WASM), join(folder, basename(SQL_PARSER_WASM)));
      const script = `const m = await import(${JSON.stringify(pathToFileURL(join(folder, 'index.mjs')).href)}); await m.loadSqlParsers();
        console.log(JSON.stringify([m.analyseSql('select 1; delete from t', 'postgres'), m.analyseSql('delete from t', 'mysql')].map((r) => r.ok && r.statements.map((s) => s.kind))));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir() });
      expect(JSON.parse(stdout)).toEqual([['read', 'write'], ['write']]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
