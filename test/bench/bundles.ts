/**
 * Part of `npm run bench`: the size of every Lambda bundle the stack ships, minified, in KiB, each bundled
 * as its construct bundles it (infra/constructs/accessgate-function.ts, `bundlingOf`: the AWS SDK left to
 * the runtime, the SQL parsers only in the functions that read SQL). Which functions there are, and which
 * of them read SQL, comes from the stack itself, synthesized without bundling: once with Slack and the
 * demo database, once trusting an external OIDC issuer, so every optional function is counted.
 *
 * Prints the largest bundle overall and the largest of the functions that read no SQL (bench.json's
 * `bundleMaxKB` and `bundleMaxNoSqlKB`), and fails when either is over its budget.
 *   npx tsx test/bench/bundles.ts            the figures
 *   npx tsx test/bench/bundles.ts --parts    every bundle, with its largest packages (esbuild's metafile)
 */
import { build } from 'esbuild';
import { AccessgateFunction, bundlingOf, PROJECT_ROOT } from '../../infra/constructs/accessgate-function';
import { synth } from '../infra/synth';
import { recordBenchFigures } from './bench-json';

const BUDGET_KB = 740;
const BUDGET_NO_SQL_KB = 400;

/** Each handler module the stack deploys, with whether its functions bundle the SQL parsers. */
function shippedHandlers(): Map<string, boolean> {
  const variants = [
    { demoDatabase: true, slackChannel: 'C0123456789' },
    { jwtIssuer: 'https://login.example.com/oauth2/default', jwtAudience: 'accessgate-web', slackChannel: 'C0123456789', slackDirectory: 'table' },
  ];
  const handlers = new Map<string, boolean>();
  for (const context of variants) {
    for (const fn of synth(context).stack.node.findAll()) {
      if (!(fn instanceof AccessgateFunction)) continue;
      const readsSql = handlers.get(fn.handlerModule);
      if (readsSql !== undefined && readsSql !== fn.readsSql) throw new Error(`${fn.handlerModule} is bundled both with and without the SQL parsers`);
      handlers.set(fn.handlerModule, fn.readsSql);
    }
  }
  return handlers;
}

interface Bundle {
  readonly entry: string;
  readonly readsSql: boolean;
  readonly kb: number;
  /** KiB in the bundle per package; the project's own code is `accessgate`. */
  readonly parts: [string, number][];
}

async function bundle(entry: string, readsSql: boolean): Promise<Bundle> {
  const { external, ...options } = bundlingOf(readsSql);
  const result = await build({
    ...options,
    mainFields: [...options.mainFields],
    banner: { js: options.banner },
    external: [...external],
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    outfile: 'index.mjs',
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  const byPackage = new Map<string, number>();
  for (const [path, input] of Object.entries(output!.inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'accessgate';
    byPackage.set(name, (byPackage.get(name) ?? 0) + input.bytesInOutput / 1024);
  }
  const parts = [...byPackage].sort((a, b) => b[1] - a[1]);
  return { entry, readsSql, kb: output!.bytes / 1024, parts };
}

const describe = (b: Bundle) => `${b.entry} ${b.kb.toFixed(0)} KiB`;
const partsOf = (b: Bundle) => b.parts.slice(0, 8).map(([name, kb]) => `${name} ${kb.toFixed(0)}`).join(', ');

const bundles: Bundle[] = [];
for (const [entry, readsSql] of shippedHandlers()) bundles.push(await bundle(entry, readsSql));
bundles.sort((a, b) => b.kb - a.kb);
const largest = bundles[0]!;
const largestNoSql = bundles.find((b) => !b.readsSql)!;

if (process.argv.includes('--parts')) {
  for (const b of bundles) console.log(`${describe(b)}${b.readsSql ? ' (reads SQL)' : ''}: ${partsOf(b)}`);
}
console.log(
  `Lambda bundles: ${bundles.length} (${bundles.filter((b) => b.readsSql).length} read SQL), largest ${describe(largest)} (budget ${BUDGET_KB}); ` +
    `largest that reads no SQL ${describe(largestNoSql)} (budget ${BUDGET_NO_SQL_KB}): ${partsOf(largestNoSql)}`,
);
recordBenchFigures({ bundleMaxKB: Math.round(largest.kb), bundleMaxNoSqlKB: Math.round(largestNoSql.kb) });
if (largest.kb > BUDGET_KB || largestNoSql.kb > BUDGET_NO_SQL_KB) process.exitCode = 1;
