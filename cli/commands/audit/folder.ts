/**
 * An evidence folder on disk (what `audit pull` writes, laid out as the bucket is) as the verifier's
 * EvidenceSource, and the pull record beside it. Files are hashed in 1 MiB reads, so a large table
 * export is never held in memory whole; the report output and the pull record are not evidence files
 * and are left out of the listing (the verifier checks the pull record on its own).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PULL_RECORD_FILE } from '../../../functions/domain/evidence';
import type { EvidenceSource } from '../../../functions/domain/evidence-verify';

export const REPORT_FOLDER = 'report';

/** `found`, when given, hears of each evidence file's key as the walk finds it, before the listing ends. */
export function folderSource(root: string, found?: (key: string) => void): EvidenceSource {
  const keys: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const key = relative(root, full).split(sep).join('/');
      if (key === PULL_RECORD_FILE || key === REPORT_FOLDER) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        keys.push(key);
        found?.(key);
      }
    }
  };
  walk(root);
  const path = (key: string) => join(root, ...key.split('/'));
  // One read buffer for the whole folder: allocating a fresh MiB per file costs more than hashing it.
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  return {
    keys: () => keys,
    read: (key) => {
      try {
        return readFileSync(path(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    hash: (key) => {
      if (!existsSync(path(key))) return undefined;
      const hash = createHash('sha256');
      const fd = openSync(path(key), 'r');
      let size = 0;
      try {
        for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
          hash.update(buffer.subarray(0, read));
          size += read;
        }
      } finally {
        closeSync(fd);
      }
      return { sha256: hash.digest('hex'), size };
    },
  };
}

/** The pull record's bytes, or null when the folder has none. */
export function readPullRecord(root: string): Buffer | null {
  const file = join(root, PULL_RECORD_FILE);
  return existsSync(file) && statSync(file).isFile() ? readFileSync(file) : null;
}
