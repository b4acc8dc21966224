/**
 * Part of `npm run bench`: the largest Lambda bundle, as the stack builds them (esbuild, ESM, minified,
 * the AWS SDK left to the runtime), the SQL parsers included in every one, so the figure is an upper
 * bound for the functions that do not read SQL; in KiB. Fails when it is over the budget: the size reached
 * when zod was imported as a namespace (node test/bench/bundle-size.mjs names the largest parts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { recordBenchFigures } from './bench-json';

const BUDGET_KB = 860;
const folders = ['api', 'audit', 'config', 'push', 'slack', 'webhooks', 'workflow'];
const entries = folders.flatMap((folder) =>
  readdirSync(`functions/${folder}`).filter((file) => file.endsWith('.ts')).map((file) => `functions/${folder}/${file}`),
).filter((entry) => /export const handler\b/.test(readFileSync(entry, 'utf8')));

const sizes: [string, number][] = [];
for (const entry of entries) {
  const result = await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node22', minify: true, write: false,
    external: ['@aws-sdk/*'], mainFields: ['module', 'main'], logLevel: 'silent', outfile: 'bundle.mjs',
  });
  sizes.push([entry, result.outputFiles.reduce((sum, file) => sum + file.contents.length, 0) / 1024]);
}
sizes.sort((a, b) => b[1] - a[1]);
const [largest, kb] = sizes[0];
console.log(`Lambda bundles: ${sizes.length}, largest ${largest} ${kb.toFixed(0)} KiB (budget ${BUDGET_KB} KiB); next ${sizes.slice(1, 4).map(([entry, size]) => `${entry} ${size.toFixed(0)}`).join(', ')}`);
recordBenchFigures({ bundleMaxKB: Math.round(kb) });
if (kb > BUDGET_KB) process.exitCode = 1;
