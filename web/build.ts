/**
 * Builds the web UI with esbuild, the project's only bundler: web/src/main.ts and web/styles.css into
 * content-hashed files under <out>/assets, and index.html naming them. Hashed names let the CDN cache
 * assets forever while index.html is always revalidated.
 *
 *   npx tsx web/build.ts [outDir]     (default web/dist; `npm run build:web`)
 *
 * Used three ways: this CLI, the local runtime (infra/local/web.ts builds on demand when the bundle is
 * missing or older than its sources) and CDK asset bundling (buildWebSync, because CDK's local bundling
 * hook is synchronous).
 */
import { build, buildSync, type BuildOptions, type Metafile } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(WEB_DIR, '..');
export const DEFAULT_OUT_DIR = join(WEB_DIR, 'dist');

export interface WebBuildOptions {
  /** Minify and drop source maps from the index (default true). */
  readonly minify?: boolean;
}

const options = (outDir: string, web: WebBuildOptions): BuildOptions => ({
  absWorkingDir: PROJECT_ROOT,
  entryPoints: { app: join(WEB_DIR, 'src', 'main.ts'), styles: join(WEB_DIR, 'styles.css') },
  outdir: join(outDir, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: web.minify ?? true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  tsconfig: join(WEB_DIR, 'tsconfig.json'),
});

/** Writes index.html for this build's asset names, then removes assets no build output names any more. */
function finish(outDir: string, metafile: Metafile): void {
  const outputs = Object.entries(metafile.outputs);
  const nameOf = (entry: string) => {
    const found = outputs.find(([, output]) => output.entryPoint && resolve(PROJECT_ROOT, output.entryPoint) === resolve(entry));
    if (!found) throw new Error(`web build: no output for ${entry}`);
    return basename(found[0]);
  };
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8')
    .replace('__SCRIPT__', nameOf(join(WEB_DIR, 'src', 'main.ts')))
    .replace('__STYLES__', nameOf(join(WEB_DIR, 'styles.css')));
  // index.html last and by rename: a server reading it mid-build sees the old or the new, never half.
  const temporary = join(outDir, `.index.${process.pid}.html`);
  writeFileSync(temporary, html);
  renameSync(temporary, join(outDir, 'index.html'));
  const keep = new Set(outputs.map(([path]) => basename(path)));
  for (const file of readdirSync(join(outDir, 'assets'))) {
    if (!keep.has(file)) rmSync(join(outDir, 'assets', file), { force: true });
  }
}

export async function buildWeb(outDir = DEFAULT_OUT_DIR, web: WebBuildOptions = {}): Promise<string> {
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const result = await build(options(outDir, web));
  finish(outDir, result.metafile!);
  return outDir;
}

export function buildWebSync(outDir = DEFAULT_OUT_DIR, web: WebBuildOptions = {}): string {
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  const result = buildSync(options(outDir, web));
  finish(outDir, result.metafile!);
  return outDir;
}

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether <outDir>/index.html is missing or older than any source of the bundle. */
export function isStale(outDir = DEFAULT_OUT_DIR): boolean {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = [join(WEB_DIR, 'src'), join(WEB_DIR, 'index.html'), join(WEB_DIR, 'styles.css'), join(WEB_DIR, 'build.ts')];
  return sources.some((source) => newest(source) > built);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const outDir = resolve(process.argv[2] ?? DEFAULT_OUT_DIR);
  const started = performance.now();
  await buildWeb(outDir);
  console.log(`web UI built into ${relative(process.cwd(), outDir) || '.'} in ${Math.round(performance.now() - started)} ms`);
}
