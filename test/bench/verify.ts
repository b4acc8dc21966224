/**
 * Part of `npm run bench`: how fast `accessgate audit verify` checks an evidence folder, beside
 * `sha256sum` over the very same files (the floor for anything that must read and hash every byte).
 * The folder is built as the exporter and sealer lay it out (session segments of six events, config and
 * security segments, one signed digest per hour) and written to a temporary folder; the verification is
 * the CLI's own code path (folder source + verifier), timed after one warm-up pass of each side so both
 * read from the page cache. It also times the canonical-form check of every evidence object both ways
 * (read from the bytes, and encoded again and compared). Figures are printed, never asserted; except that 1,000 random mutations of
 * a sealed folder (EVIDENCE_FUZZ_SEED replays a run) must all be caught, or the benchmark fails.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { examinedFolderSource } from '../../cli/commands/audit/examine-pool';
import { isCanonicalJsonBytes } from '../../functions/domain/canonical-bytes';
import { canonicalJson } from '../../functions/domain/canonical-json';
import { EVIDENCE_PREFIX } from '../../functions/domain/evidence';
import { verifyEvidence } from '../../functions/domain/evidence-verify';
import { buildEvidence, mapSource, rsaKey } from '../fixtures/evidence';
import { recordBenchFigures } from './bench-json';
import { fuzzEvidence, fuzzSeed } from '../fixtures/evidence-mutations';

const SESSIONS = Number(process.env.BENCH_VERIFY_SESSIONS ?? 20_000);
const PERIODS = Number(process.env.BENCH_VERIFY_PERIODS ?? 168);
const FUZZ_RUNS = Number(process.env.BENCH_FUZZ_RUNS ?? 1_000);
// Worker threads examining the objects: the CLI's default (one per core) unless set; 0 examines in this thread.
const THREADS = process.env.BENCH_VERIFY_THREADS === undefined ? {} : { threads: Number(process.env.BENCH_VERIFY_THREADS) };
const run = promisify(execFile);

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [(performance.now() - start) / 1000, value];
}

const dir = mkdtempSync(join(tmpdir(), 'accessgate-bench-verify-'));
try {
  const key = rsaKey();
  const [buildSeconds, built] = await timed(() => buildEvidence({ key, sessions: SESSIONS, periods: PERIODS }));
  let bytes = 0;
  for (const [name, body] of built.files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), body);
    bytes += body.length;
  }
  const mb = bytes / 1e6;
  // The same files, in one list, hashed by coreutils.
  const sha256sum = () => run('sh', ['-c', 'find . -type f -print0 | xargs -0 sha256sum > /dev/null'], { cwd: dir, maxBuffer: 1 << 26 });
  const verify = async () => {
    const report = verifyEvidence(await examinedFolderSource(dir, THREADS), { trustedKeys: [key.publicPem], pullRecord: built.pullRecord });
    if (!report.ok) throw new Error(`the benchmark folder did not verify: ${report.problems[0]?.message}`);
    return report;
  };

  await sha256sum();
  await verify();
  const [hashSeconds] = await timed(sha256sum);
  const [verifySeconds, report] = await timed(verify);

  // The canonical-form check alone, both ways, over the same evidence objects in this thread.
  const objects = [...built.files].filter(([name]) => name.startsWith(EVIDENCE_PREFIX)).map(([, body]) => ({ body, text: body.toString('utf8') }));
  const values = objects.map(({ text }) => JSON.parse(text) as unknown);
  const [bytesCheckSeconds] = await timed(() => objects.every(({ body }) => isCanonicalJsonBytes(body)));
  const [encodeCheckSeconds] = await timed(() => objects.every(({ text }, index) => canonicalJson(values[index]) === text));

  console.log(`
audit evidence verification (${new Date().toISOString()}; folder built in ${buildSeconds.toFixed(1)} s)
folder: ${SESSIONS} sessions, ${report.stats.events} events in ${report.stats.segments} objects, ${report.stats.digests} signed digests, ${built.files.size} files, ${mb.toFixed(1)} MB

accessgate audit verify (signatures, chains, hashes)   ${verifySeconds.toFixed(2)} s   ${(report.stats.events / verifySeconds).toFixed(0)} events/s   ${(mb / verifySeconds).toFixed(1)} MB/s
sha256sum over the same files                          ${hashSeconds.toFixed(2)} s   ${(mb / hashSeconds).toFixed(1)} MB/s
ratio (verify time / sha256sum time)                   ${(verifySeconds / hashSeconds).toFixed(1)}x
canonical form of every object, one thread: read from the bytes ${bytesCheckSeconds.toFixed(2)} s, encoded again and compared ${encodeCheckSeconds.toFixed(2)} s
`);
  recordBenchFigures({ verifyMBps: mb / verifySeconds, sha256sumMBps: mb / hashSeconds });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// Random mutations of a sealed folder: none may verify.
{
  const key = rsaKey();
  const built = buildEvidence({ key, sessions: 6, periods: 4, tableExport: true });
  const seed = fuzzSeed(process.env.EVIDENCE_FUZZ_SEED);
  const [seconds, outcome] = await timed(() =>
    fuzzEvidence(built, seed, FUZZ_RUNS, (files, index) => verifyEvidence(mapSource(files), { trustedKeys: index % 2 === 0 ? [key.publicPem] : [], pullRecord: built.pullRecord }).ok),
  );
  const kinds = Object.entries(outcome.byKind).map(([kind, count]) => `${kind} ${count}`).join(', ');
  console.log(`evidence fuzz: ${outcome.runs} random mutations (${kinds}), ${outcome.missed.length} missed, ${seconds.toFixed(1)} s; seed ${seed} (replay with EVIDENCE_FUZZ_SEED=${seed})`);
  for (const miss of outcome.missed) console.log(`  MISSED run ${miss.run}: ${miss.description}`);
  if (outcome.missed.length) process.exitCode = 1;
}
