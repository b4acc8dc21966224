/**
 * Sizes of Lambda bundles as the stack builds them (esbuild, ESM, minified, the AWS SDK left to the
 * runtime), with the largest packages in each from esbuild's metafile.
 *   node test/bench/bundle-size.mjs functions/workflow/evaluate.ts functions/api/sessions.ts ...
 * BUNDLE_WITHOUT=libpg-query,node-sql-parser leaves packages out, as the stack does for every function
 * that does not read SQL (infra/constructs/accessgate-function.ts, SQL_PARSER_MODULES).
 */
import { build } from 'esbuild';

const entries = process.argv.slice(2);
if (!entries.length) throw new Error('name the handler files to bundle, e.g. functions/workflow/evaluate.ts');
for (const entry of entries) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    write: false,
    metafile: true,
    outfile: 'bundle.mjs',
    external: ['@aws-sdk/*', ...(process.env.BUNDLE_WITHOUT ?? '').split(',').filter(Boolean)],
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  const byPackage = {};
  for (const [path, input] of Object.entries(output.inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'accessgate';
    byPackage[name] = (byPackage[name] ?? 0) + input.bytesInOutput;
  }
  const largest = Object.entries(byPackage).sort((a, b) => b[1] - a[1]).slice(0, 6);
  console.log(`${entry}: ${Math.round(output.bytes / 1024)} KiB (${largest.map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)}`).join(', ')})`);
}
