/**
 * A worker thread of the examine pool (./examine-pool.ts). A batch is either evidence objects the
 * folder's walk found, or folders it handed over, which this thread walks itself; either way it reads
 * each object and examines it from its bytes alone, and answers, per key, what examineSegment found,
 * or null when the file is absent. Any other read error fails the batch, and with it the verification.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { type ExaminedSegment, examineSegment } from '../../../functions/domain/evidence-verify-segment';
import { walkFolder } from './folder';

export type ExamineBatch =
  | { readonly root: string; readonly keys: readonly string[] }
  /** Folders under evidence/, each walked whole: every file in them is an evidence object. */
  | { readonly root: string; readonly folders: readonly string[] };

function readObject(root: string, key: string): Buffer | null {
  try {
    return readFileSync(join(root, ...key.split('/')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * What a worker answers for one object: what examineSegment found but the parsed segment, and where
 * the object's bytes lie in the batch's buffer. Copying an object graph between threads costs more
 * than parsing its text again, so the segment is parsed again from the bytes, and only if asked for:
 * verifying needs no more than the segment's outline.
 */
export interface ExaminedObject {
  readonly examined: Omit<ExaminedSegment, 'segment'>;
  readonly offset: number;
  readonly size: number;
}

/**
 * A batch's answer: the keys examined (for a batch of folders, the files found in them), per key its
 * examination (null when the file is absent), and every object's bytes in one buffer, handed over
 * rather than copied.
 */
export interface ExaminedBatch {
  readonly keys: readonly string[];
  readonly objects: readonly (ExaminedObject | null)[];
  readonly bytes: ArrayBuffer;
}

function examineBatch(batch: ExamineBatch): ExaminedBatch {
  const { root } = batch;
  let keys: readonly string[];
  if ('folders' in batch) {
    const found: string[] = [];
    for (const folder of batch.folders) walkFolder(root, folder, (key) => found.push(key));
    keys = found;
  } else keys = batch.keys;
  const read = keys.map((key) => readObject(root, key));
  const bytes = new Uint8Array(read.reduce((sum, file) => sum + (file?.length ?? 0), 0));
  let offset = 0;
  const objects = keys.map((key, index): ExaminedObject | null => {
    const file = read[index];
    if (!file) return null;
    // Picked by name: an object rest copy of each result was a visible part of the worker's profile.
    const { sha256, size, outline, problems, undocumented } = examineSegment(key, file);
    const examined = { sha256, size, outline, problems, undocumented };
    bytes.set(file, offset);
    offset += file.length;
    return { examined, offset: offset - file.length, size: file.length };
  });
  return { keys, objects, bytes: bytes.buffer };
}

parentPort?.on('message', (batch: ExamineBatch) => {
  const answer = examineBatch(batch);
  parentPort?.postMessage(answer, [answer.bytes]);
});
