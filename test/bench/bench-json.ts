/**
 * test-output/bench.json: the benchmark's figures for machines to read. Each part of `npm run bench`
 * merges the figures it measured; a figure no part measured stays null, never invented.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_JSON = fileURLToPath(new URL('../../test-output/bench.json', import.meta.url));

export const BENCH_FIELDS = [
  'governedP50Ms',
  'directP50Ms',
  'ratio',
  'approveToRowsP50Ms',
  'sessionsPerSecond',
  'slackAckP99Ms',
  'verifyMBps',
  'sha256sumMBps',
  'bundleMaxKB',
  'bundleMaxNoSqlKB',
  'costPer1kReviewedUsd',
  'costPer1kReviewedHourUsd',
  'costPer1kLongPollHourUsd',
  'costPer1kRuleFreeUsd',
  'wruPerReviewed',
] as const;
export type BenchFigures = Record<(typeof BENCH_FIELDS)[number], number | null>;

/** Merges `figures` into the file; `fresh` starts from all-null (the first part of a run). */
export function recordBenchFigures(figures: Partial<BenchFigures>, fresh = false): BenchFigures {
  let current: Partial<BenchFigures> = {};
  if (!fresh) {
    try {
      current = JSON.parse(readFileSync(BENCH_JSON, 'utf8')) as Partial<BenchFigures>;
    } catch {
      current = {};
    }
  }
  const merged = Object.fromEntries(BENCH_FIELDS.map((field) => [field, figures[field] ?? current[field] ?? null])) as BenchFigures;
  mkdirSync(dirname(BENCH_JSON), { recursive: true });
  writeFileSync(BENCH_JSON, `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}
