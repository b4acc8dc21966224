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

function read(root: string, key: string): Buffer | null {
  try {
    return readFileSync(join(root, ...key.split('/')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * What a worker answers for one object. The parsed segment is not sent: copying an object graph between
 * threads costs more than parsing its text again, so the bytes go back and the segment is re-read from
 * them when the examination found one.
 */
export interface ExaminedObject {
  readonly examined: Omit<ExaminedSegment, 'segment'>;
  readonly isSegment: boolean;
  readonly bytes: Uint8Array;
}

parentPort?.on('message', ({ root, keys }: ExamineBatch) => {
  parentPort?.postMessage(keys.map((key): ExaminedObject | null => {
    const bytes = read(root, key);
    if (!bytes) return null;
    const { segment, ...examined } = examineSegment(key, bytes);
    return { examined, isSegment: segment !== undefined, bytes };
  }));
});
