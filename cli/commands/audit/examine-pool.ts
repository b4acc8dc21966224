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
import { folderSource, walkFolder } from './folder';

/** Below this many evidence objects the folder is examined in this thread. */
const THREADS_FROM_OBJECTS = 2_000;
/** Objects (or folders) per message: large enough that messaging costs little, small enough to share out evenly. */
const BATCH = 100;
/**
 * Batches a worker holds at once; the rest wait here and go to whichever worker answers first. On a
 * shared machine one thread may get far less time than the other, so work is not dealt out ahead.
 */
const IN_HAND = 3;

/**
 * A stream's own folder in the layout (evidence/<yyyy>/<mm>/<dd>/<kind>/<stream>, functions/domain/evidence.ts
 * evidenceKey): a session's holds its segments. Listing the folders is as much work as reading the
 * files in them, so the workers walk them.
 */
const isStreamFolder = (key: string) => key.startsWith(EVIDENCE_PREFIX) && key.split('/').length === 6;

/**
 * The folder as a source. The walk holds back stream folders and gathers evidence objects; once it
 * has `threadsFrom` of them (a folder counting as one), `threads` workers start and take them in
 * batches while the walk goes on, walking the folders themselves. A smaller folder is walked and
 * examined in this thread.
 */
export async function examinedFolderSource(root: string, { threads = availableParallelism(), threadsFrom = THREADS_FROM_OBJECTS } = {}): Promise<EvidenceSource> {
  let pool: ExaminePool | undefined;
  const objects: string[] = [];
  const folders: string[] = [];
  const share = (all: boolean) => {
    if (!pool && objects.length + folders.length >= threadsFrom) pool = new ExaminePool(threads);
    if (!pool) return;
    while (objects.length >= BATCH || (all && objects.length)) pool.add({ root, keys: objects.splice(0, BATCH) });
    while (folders.length >= BATCH || (all && folders.length)) pool.add({ root, folders: folders.splice(0, BATCH) });
  };
  try {
    const source = folderSource(root, threads > 0
      ? {
        file: (key) => {
          if (!key.startsWith(EVIDENCE_PREFIX)) return;
          objects.push(key);
          share(false);
        },
        folder: (key) => {
          if (!isStreamFolder(key)) return false;
          folders.push(key);
          share(false);
          return true;
        },
      }
      : {});
    share(true);
    if (!pool) {
      const keys = [...source.keys()];
      for (const folder of folders) walkFolder(root, folder, (key) => keys.push(key));
      return { ...source, keys: () => keys };
    }
    const { examined, listed } = await pool.done();
    // Every evidence key was examined; a file that appeared since the listing is no evidence anyway.
    const keys = [...source.keys(), ...listed];
    return { ...source, keys: () => keys, examine: (key) => examined.get(key) ?? undefined };
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

/** Every object the workers examined (null when its file was absent), and the files they found in the folders they walked. */
interface PoolResult {
  readonly examined: ReadonlyMap<string, ExaminedSegment | null>;
  readonly listed: readonly string[];
}

/**
 * Worker threads taking batches of keys or folders as the walk finds them: each worker holds up to
 * IN_HAND batches, and takes the next waiting one as it answers.
 */
class ExaminePool {
  private readonly workers: { readonly worker: Worker; readonly inFlight: boolean[] }[];
  private readonly waiting: ExamineBatch[] = [];
  private readonly examined = new Map<string, ExaminedSegment | null>();
  /** Files found in the folders the workers walked. */
  private readonly listed: string[] = [];
  private sent = 0;
  private answered = 0;
  private failed: Error | undefined;
  private settle: { resolve(found: PoolResult): void; reject(error: Error): void } | undefined;

  constructor(threads: number) {
    const code = workerCode();
    this.workers = Array.from({ length: threads }, () => ({ worker: new Worker(code, { eval: true }), inFlight: [] }));
    for (const entry of this.workers) {
      const { worker, inFlight } = entry;
      worker.on('message', ({ keys, objects, bytes }: ExaminedBatch) => {
        if (inFlight.shift()) this.listed.push(...keys);
        keys.forEach((key, index) => {
          const found = objects[index];
          this.examined.set(key, found ? examinedFrom(found, bytes) : null);
        });
        this.answered++;
        const next = this.waiting.shift();
        if (next) this.send(entry, next);
        this.check();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => this.fail(new Error(`an evidence examining thread stopped (exit code ${code}) before answering`)));
    }
  }

  add(batch: ExamineBatch): void {
    this.sent++;
    const entry = this.workers.reduce((least, next) => (next.inFlight.length < least.inFlight.length ? next : least));
    if (entry.inFlight.length < IN_HAND) this.send(entry, batch);
    else this.waiting.push(batch);
  }

  private send(entry: ExaminePool['workers'][number], batch: ExamineBatch): void {
    entry.inFlight.push('folders' in batch);
    entry.worker.postMessage(batch);
  }

  done(): Promise<PoolResult> {
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
    else if (this.answered === this.sent) this.settle.resolve({ examined: this.examined, listed: this.listed });
  }
}
