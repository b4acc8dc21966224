/**
 * An evidence folder on disk (what `audit pull` writes, laid out as the bucket is) as the verifier's
 * EvidenceSource, and the pull record beside it. Files are hashed in 1 MiB reads, so a large table
 * export is never held in memory whole; the report output and the pull record are not evidence files
 * and are left out of the listing (the verifier checks the pull record on its own).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PULL_RECORD_FILE } from '../../../functions/domain/evidence';
import type { EvidenceSource } from '../../../functions/domain/evidence-verify';

export const REPORT_FOLDER = 'report';

/**
 * Walks the folder `root`/`from` (the whole folder when `from` is empty) depth first. `file` hears
 * each regular file's key ('/'-separated, relative to root); `folder`, when given, is offered each
 * folder before the walk enters it, and takes it by answering true: the walk then leaves it out.
 * The report output and the pull record are not evidence files and are left out.
 */
export function walkFolder(root: string, from: string, file: (key: string) => void, folder?: (key: string) => boolean): void {
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const key = prefix + entry.name;
      if (key === PULL_RECORD_FILE || key === REPORT_FOLDER) continue;
      if (entry.isDirectory()) {
        if (!folder?.(key)) walk(`${dir}/${entry.name}`, `${key}/`);
      } else if (entry.isFile()) file(key);
    }
  };
  walk(from ? join(root, ...from.split('/')) : root, from ? `${from}/` : '');
}

/**
 * The folder as a source. `found.file`, when given, hears of each file's key as the walk finds it,
 * before the listing ends; `found.folder` may take folders from the walk (see walkFolder), whose
 * files are then not in this source's listing: the caller lists them.
 */
export function folderSource(root: string, found: { file?(key: string): void; folder?(key: string): boolean } = {}): EvidenceSource {
  const keys: string[] = [];
  walkFolder(root, '', (key) => {
    keys.push(key);
    found.file?.(key);
  }, found.folder);
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
