/**
 * A worker thread of the examine pool (./examine-pool.ts): reads each evidence object of a batch from
 * the folder and examines it from its bytes alone; answers, per key, what examineSegment found, or
 * null when the file is absent. Any other read error fails the batch, and with it the verification.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { type ExaminedSegment, examineSegment } from '../../../functions/domain/evidence-verify-segment';

export interface ExamineBatch {
  readonly root: string;
  readonly keys: readonly string[];
}

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

/** A batch's answer: per key, in the batch's order, its examination (null when the file is absent), and every object's bytes in one buffer, handed over rather than copied. */
export interface ExaminedBatch {
  readonly objects: readonly (ExaminedObject | null)[];
  readonly bytes: ArrayBuffer;
}

parentPort?.on('message', ({ root, keys }: ExamineBatch) => {
  const read = keys.map((key) => readObject(root, key));
  const bytes = new Uint8Array(read.reduce((sum, file) => sum + (file?.length ?? 0), 0));
  let offset = 0;
  const objects = keys.map((key, index): ExaminedObject | null => {
    const file = read[index];
    if (!file) return null;
    const { segment: _parsed, ...examined } = examineSegment(key, file);
    bytes.set(file, offset);
    offset += file.length;
    return { examined, offset: offset - file.length, size: file.length };
  });
  parentPort?.postMessage({ objects, bytes: bytes.buffer } satisfies ExaminedBatch, [bytes.buffer]);
});
