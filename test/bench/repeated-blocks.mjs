/**
 * Counts copy-paste twins: blocks of at least N (default 10) consecutive lines that appear, identical
 * after trimming, in two places of the tracked TypeScript under functions/, infra/, cli/, web/ and test/.
 * Blank lines and comment lines are skipped, so a repeated block with different comments still counts.
 *
 *   node test/bench/repeated-blocks.mjs [N] [--list]
 *
 * Prints the number of pairs and the lines they repeat; --list names each pair.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const size = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 10);
const files = execFileSync('git', ['ls-files', 'functions', 'infra', 'cli', 'web', 'test'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|mjs)$/.test(file));

const isComment = (line) => line.startsWith('//') || line.startsWith('/*') || line.startsWith('*');
/** Each file's meaningful lines, with their line numbers. */
const lines = files.map((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .map((text, index) => ({ text: text.trim(), number: index + 1 }))
    .filter((line) => line.text && !isComment(line.text)),
);

const windows = new Map();
lines.forEach((fileLines, file) => {
  for (let start = 0; start + size <= fileLines.length; start++) {
    const key = fileLines.slice(start, start + size).map((line) => line.text).join('\n');
    const places = windows.get(key) ?? [];
    places.push({ file, start });
    windows.set(key, places);
  }
});

// Two places that share a window lie on one diagonal (file pair, offset); consecutive windows on it are one block.
const diagonals = new Map();
for (const places of windows.values()) {
  if (places.length < 2 || places.length > 8) continue;
  for (let i = 0; i < places.length; i++) {
    for (let j = i + 1; j < places.length; j++) {
      const [a, b] = [places[i], places[j]];
      if (a.file === b.file && Math.abs(a.start - b.start) < size) continue;
      const key = `${a.file}:${b.file}:${b.start - a.start}`;
      (diagonals.get(key) ?? diagonals.set(key, []).get(key)).push(a.start);
    }
  }
}

const blocks = [];
for (const [key, starts] of diagonals) {
  const [fileA, fileB, offset] = key.split(':').map(Number);
  starts.sort((x, y) => x - y);
  let first = starts[0];
  for (let k = 1; k <= starts.length; k++) {
    if (k < starts.length && starts[k] === starts[k - 1] + 1) continue;
    const last = starts[k - 1] + size - 1;
    const at = (file, from, to) => `${files[file]}:${lines[file][from].number}-${lines[file][to].number}`;
    blocks.push({ lines: last - first + 1, a: at(fileA, first, last), b: at(fileB, first + offset, last + offset) });
    first = starts[k];
  }
}

blocks.sort((x, y) => y.lines - x.lines);
console.log(`${blocks.length} pairs of repeated blocks of ${size}+ lines, ${blocks.reduce((sum, block) => sum + block.lines, 0)} lines repeated (${files.length} files)`);
if (args.includes('--list')) for (const block of blocks) console.log(`${block.lines}\t${block.a} ~ ${block.b}`);
