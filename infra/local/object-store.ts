/**
 * The local stand-in for the Object Lock bucket: a folder under the data directory behind the same
 * ObjectStore port as S3. No S3 stand-in enforces Object Lock (see the toolchain notes), so this one
 * does it itself: each object's SHA-256 and MD5 are checked on put, and its compliance-mode
 * retain-until date is kept beside it; before that date it can be neither deleted nor replaced
 * (putting the identical bytes again is accepted as a retry, as the S3 adapter does).
 *
 *   <root>/objects/<key>        the bytes, exactly as put
 *   <root>/locks/<key>.json     { sha256, md5, size, contentType, mode, retainUntil, createdAt }
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { type ObjectStore, ObjectLockedError, type PutObjectOptions, type StoredObject } from '../../functions/app/evidence-ports';
import { isSafeKey } from '../../functions/domain/evidence-verify';

interface LockRecord {
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
  readonly contentType: string;
  readonly mode: 'COMPLIANCE';
  readonly retainUntil: string;
  readonly createdAt: string;
}

/** A put whose bytes do not match the checksum sent with them (S3 answers BadDigest). */
export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';
}

export class FolderObjectStore implements ObjectStore {
  private readonly objects: string;
  private readonly locks: string;

  constructor(
    readonly root: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.objects = join(root, 'objects');
    this.locks = join(root, 'locks');
    mkdirSync(this.objects, { recursive: true });
    mkdirSync(this.locks, { recursive: true });
  }

  private path(key: string): string {
    if (!isSafeKey(key)) throw new Error(`not a valid object key: ${JSON.stringify(key)}`);
    return join(this.objects, ...key.split('/'));
  }

  private lockPath(key: string): string {
    return `${join(this.locks, ...key.split('/'))}.json`;
  }

  lock(key: string): LockRecord | undefined {
    const path = this.lockPath(key);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LockRecord) : undefined;
  }

  async put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<void> {
    const path = this.path(key);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== options.sha256) throw new ChecksumMismatchError(`${key}: the body's SHA-256 is ${sha256}, not the ${options.sha256} sent with it`);
    const existing = this.lock(key);
    if (existing && existsSync(path)) {
      if (existing.sha256 === sha256) return;
      if (this.now() < new Date(existing.retainUntil)) {
        throw new ObjectLockedError(`${key} is locked in compliance mode until ${existing.retainUntil}; evidence is never replaced`);
      }
    }
    const record: LockRecord = {
      sha256,
      md5: createHash('md5').update(body).digest('base64'),
      size: body.length,
      contentType: options.contentType,
      mode: 'COMPLIANCE',
      retainUntil: options.retainUntil.toISOString(),
      createdAt: this.now().toISOString(),
    };
    // Written to a temporary name and renamed, so a crash never leaves half an object behind.
    for (const [target, bytes] of [[path, body], [this.lockPath(key), Buffer.from(JSON.stringify(record))]] as const) {
      mkdirSync(dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, bytes, { mode: 0o444 });
      renameSync(temporary, target);
    }
  }

  async get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array | undefined> {
    const path = this.path(key);
    if (!existsSync(path)) return undefined;
    if (!range) return readFileSync(path);
    const buffer = Buffer.alloc(Math.max(0, Math.min(range.length, statSync(path).size - range.offset)));
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, range.offset);
    } finally {
      closeSync(fd);
    }
    return buffer;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const path = this.path(key);
    return existsSync(path) ? { key, size: statSync(path).size } : undefined;
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<{ items: StoredObject[]; more: boolean }> {
    // Only the folder the prefix points into is walked.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = join(this.objects, ...base.split('/').filter(Boolean));
    const keys: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (!entry.name.endsWith('.tmp')) keys.push(relative(this.objects, full).split(sep).join('/'));
      }
    };
    walk(start);
    const matching = keys.filter((key) => key.startsWith(prefix) && (!options.startAfter || key > options.startAfter)).sort();
    const limit = options.limit ?? 1000;
    return { items: matching.slice(0, limit).map((key) => ({ key, size: statSync(this.path(key)).size })), more: matching.length > limit };
  }

  /** What S3 allows once a lock has expired, and refuses before. */
  async delete(key: string): Promise<void> {
    const lock = this.lock(key);
    if (lock && this.now() < new Date(lock.retainUntil)) {
      throw new ObjectLockedError(`${key} is locked in compliance mode until ${lock.retainUntil}; it cannot be deleted`);
    }
    rmSync(this.path(key), { force: true });
    rmSync(this.lockPath(key), { force: true });
  }
}
