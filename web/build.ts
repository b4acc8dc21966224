/**
 * Builds the web UI with esbuild, the project's only bundler: web/src/main.ts and web/styles.css into
 * <out>/assets/app.js and styles.css (with source maps), and index.html naming them with `?v=<content
 * hash>`. The query makes each version a new URL, so CDNs and browsers may cache assets forever while
 * index.html is always revalidated; the object names stay fixed, so the AWS deployment writes exactly
 * the keys listed in WEB_FILES and its IAM policy can name each one.
 *
 *   npx tsx web/build.ts [outDir]     (default web/dist; `npm run build:web`)
 *
 * Used three ways: this CLI, the local runtime (infra/local/web.ts builds on demand when the bundle is
 * missing or older than its sources) and CDK asset bundling (packWebBundleSync, because CDK's local
 * bundling hook is synchronous).
 */
import { createHash } from 'node:crypto';
import { build, buildSync, type BuildOptions } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(WEB_DIR, '..');
export const DEFAULT_OUT_DIR = join(WEB_DIR, 'dist');

export interface WebBuildOptions {
  /** Minify (default true). */
  readonly minify?: boolean;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** Every file a build produces, with how it is served. config.json is not built: each runtime writes its own. */
export const WEB_FILES = [
  { key: 'index.html', contentType: 'text/html; charset=utf-8', cacheControl: REVALIDATE },
  { key: 'assets/app.js', contentType: 'text/javascript; charset=utf-8', cacheControl: IMMUTABLE },
  { key: 'assets/app.js.map', contentType: 'application/json; charset=utf-8', cacheControl: IMMUTABLE },
  { key: 'assets/styles.css', contentType: 'text/css; charset=utf-8', cacheControl: IMMUTABLE },
  { key: 'assets/styles.css.map', contentType: 'application/json; charset=utf-8', cacheControl: IMMUTABLE },
] as const;
export const WEB_CONFIG_KEY = 'config.json';

const options = (outDir: string, web: WebBuildOptions): BuildOptions => ({
  absWorkingDir: PROJECT_ROOT,
  entryPoints: { app: join(WEB_DIR, 'src', 'main.ts'), styles: join(WEB_DIR, 'styles.css') },
  outdir: join(outDir, 'assets'),
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: web.minify ?? true,
  sourcemap: 'linked',
  // Licence notices stay inside the files, so the set of files is always WEB_FILES.
  legalComments: 'eof',
  logLevel: 'warning',
  tsconfig: join(WEB_DIR, 'tsconfig.json'),
});

const version = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);

/** Writes index.html naming this build's assets by content hash. */
function finish(outDir: string): void {
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8')
    .replace('__SCRIPT__', `app.js?v=${version(join(outDir, 'assets', 'app.js'))}`)
    .replace('__STYLES__', `styles.css?v=${version(join(outDir, 'assets', 'styles.css'))}`);
  // index.html last and by rename: a server reading it mid-build sees the old or the new, never half.
  const temporary = join(outDir, `.index.${process.pid}.html`);
  writeFileSync(temporary, html);
  renameSync(temporary, join(outDir, 'index.html'));
}

export async function buildWeb(outDir = DEFAULT_OUT_DIR, web: WebBuildOptions = {}): Promise<string> {
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  await build(options(outDir, web));
  finish(outDir);
  return outDir;
}

export function buildWebSync(outDir = DEFAULT_OUT_DIR, web: WebBuildOptions = {}): string {
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  buildSync(options(outDir, web));
  finish(outDir);
  return outDir;
}

export interface PackedFile {
  readonly key: string;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly base64: string;
}

/**
 * Builds into `workDir` and packs every file into one JSON document, the single-file asset the AWS
 * deployment handler unpacks into the web bucket (one object per WEB_FILES key).
 */
export function packWebBundleSync(workDir: string): string {
  buildWebSync(workDir);
  const files: PackedFile[] = WEB_FILES.map((file) => ({ ...file, base64: readFileSync(join(workDir, file.key)).toString('base64') }));
  return JSON.stringify({ files });
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
  buildWeb(outDir).then(
    () => console.log(`web UI built into ${relative(process.cwd(), outDir) || '.'} in ${Math.round(performance.now() - started)} ms`),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exitCode = 1;
    },
  );
}
