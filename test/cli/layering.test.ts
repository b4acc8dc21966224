import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

/** Every module specifier a file imports, statically or with `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}

describe('the CLI works against any deployment', () => {
  // The local runtime is one deployment among others: what the CLI needs from it comes over HTTP.
  it('imports nothing from the local runtime (infra/)', () => {
    const leaks = sources(join(ROOT, 'cli')).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /(^|\/)infra\//.test(specifier))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`));
    expect(leaks).toEqual([]);
  });
});
