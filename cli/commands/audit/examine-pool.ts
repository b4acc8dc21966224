/**
 * An evidence folder as the verifier's source, with its evidence objects examined ahead in worker
 * threads, one per core: reading, hashing, parsing and hashing every event is most of `audit verify`'s
 * work, and each object's part depends on no other file (functions/domain/evidence-verify-segment.ts).
 * The verifier itself then runs as before, on the results; its report is the same as without threads.
 * Small folders are examined in this thread, where starting workers would cost more than it saves.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { EVIDENCE_PREFIX, type EvidenceSegment } from '../../../functions/domain/evidence';
import type { EvidenceSource } from '../../../functions/domain/evidence-verify';
import { parseJson } from '../../../functions/domain/evidence-verify-digests';
import type { ExaminedSegment } from '../../../functions/domain/evidence-verify-segment';
import type { ExamineBatch, ExaminedBatch, ExaminedObject } from './examine-worker';
import { folderSource } from './folder';

/** Below this many evidence objects the folder is examined in this thread. */
const THREADS_FROM_OBJECTS = 2_000;
/** Objects per message: large enough that messaging costs little, small enough to share out evenly. */
const BATCH = 200;

/**
 * The folder as a source. Once the walk has found `threadsFrom` evidence objects, `threads` workers
 * start and take them in batches while the walk goes on; a smaller folder is examined in this thread.
 */
export async function examinedFolderSource(root: string, { threads = availableParallelism(), threadsFrom = THREADS_FROM_OBJECTS } = {}): Promise<EvidenceSource> {
  let pool: ExaminePool | undefined;
  const waiting: string[] = [];
  try {
    const source = folderSource(root, (key) => {
      if (!key.startsWith(EVIDENCE_PREFIX)) return;
      waiting.push(key);
      if (!pool && waiting.length >= threadsFrom && threads > 0) pool = new ExaminePool(root, threads);
      if (pool && waiting.length >= BATCH) pool.add(waiting.splice(0));
    });
    if (!pool) return source;
    if (waiting.length) pool.add(waiting.splice(0));
    const examined = await pool.done();
    // Every evidence key was examined; a file that appeared since the listing is no evidence anyway.
    return { ...source, examine: (key) => examined.get(key) ?? undefined };
  } finally {
    await pool?.close();
  }
}

/**
 * A worker's answer as the verifier takes it. The segment is parsed from the object's bytes when first
 * asked for: the schema check passed on these very bytes and changes no value, so the text's own value
 * is the segment.
 */
function examinedFrom({ examined, offset, size }: ExaminedObject, bytes: ArrayBuffer): ExaminedSegment {
  if (!examined.outline) return examined;
  let segment: EvidenceSegment | undefined;
  return {
    ...examined,
    get segment() {
      segment ??= parseJson(new Uint8Array(bytes, offset, size)) as EvidenceSegment;
      return segment;
    },
  };
}

/**
 * The worker's code, bundled once per process. A worker thread does not inherit the CLI's TypeScript
 * loader, and registering the loader in each thread costs about 0.7 s of CPU; esbuild (which that
 * loader runs on) bundles the worker and the domain code it needs in a fraction of that.
 */
let bundled: string | undefined;
function workerCode(): string {
  bundled ??= buildSync({
    entryPoints: [fileURLToPath(new URL('./examine-worker.ts', import.meta.url))],
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent',
  }).outputFiles[0].text;
  return bundled;
}

/**
 * Worker threads taking batches of keys as the walk finds them. The walk blocks this thread, so no
 * answer is read until it ends: each batch goes at once to the worker with the fewest batches in hand.
 */
class ExaminePool {
  private readonly workers: { readonly worker: Worker; readonly inFlight: string[][] }[];
  private readonly examined = new Map<string, ExaminedSegment | null>();
  private sent = 0;
  private answered = 0;
  private failed: Error | undefined;
  private settle: { resolve(examined: Map<string, ExaminedSegment | null>): void; reject(error: Error): void } | undefined;

  constructor(private readonly root: string, threads: number) {
    const code = workerCode();
    this.workers = Array.from({ length: threads }, () => ({ worker: new Worker(code, { eval: true }), inFlight: [] }));
    for (const { worker, inFlight } of this.workers) {
      worker.on('message', ({ objects, bytes }: ExaminedBatch) => {
        inFlight.shift()!.forEach((key, index) => {
          const found = objects[index];
          this.examined.set(key, found ? examinedFrom(found, bytes) : null);
        });
        this.answered++;
        this.check();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`an evidence examining thread stopped (exit code ${code}) before answering`)));
    }
  }

  add(keys: string[]): void {
    const entry = this.workers.reduce((least, next) => (next.inFlight.length < least.inFlight.length ? next : least));
    entry.inFlight.push(keys);
    this.sent++;
    entry.worker.postMessage({ root: this.root, keys } satisfies ExamineBatch);
  }

  done(): Promise<Map<string, ExaminedSegment | null>> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.check();
    });
  }

  async close(): Promise<void> {
    this.settle = undefined;
    await Promise.all(this.workers.map(({ worker }) => worker.removeAllListeners('exit').terminate()));
  }

  private fail(error: Error): void {
    this.failed ??= error;
    this.check();
  }

  private check(): void {
    if (!this.settle) return;
    if (this.failed) this.settle.reject(this.failed);
    else if (this.answered === this.sent) this.settle.resolve(this.examined);
  }
}
