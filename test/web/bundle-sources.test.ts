/**
 * The web UI shares the server's session types by `import type` (web/src/types.ts): the session's
 * shape and its module's zod schemas never reach the browser bundle, while the statuses module, which
 * imports nothing, does. Read from the bundle's source map: a value import of the shape would pull zod in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildWeb } from '../../web/build';

const outDir = mkdtempSync(join(tmpdir(), 'accessgate-web-bundle-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

it("bundles the session statuses but neither the session's shape nor zod", async () => {
  await buildWeb(outDir, { minify: false });
  const { sources } = JSON.parse(readFileSync(join(outDir, 'assets', 'app.js.map'), 'utf8')) as { sources: string[] };
  expect(sources.filter((source) => /functions\/domain\/session(-shape|-status)?\.ts$/.test(source)).map((source) => source.replace(/.*functions\//, ''))).toEqual(['domain/session-status.ts']);
  expect(sources.filter((source) => source.includes('node_modules/zod'))).toEqual([]);
}, 60_000);
