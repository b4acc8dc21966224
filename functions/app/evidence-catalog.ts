/**
 * What an auditor can download for a time range: the digests whose period starts in it, every object
 * those digests list (with the SHA-256 the digest records), and the public keys those digests name
 * (no other: the verifier reports any key file no digest names). Used by
 * GET /audit/exports and by the CLI when it reads the bucket directly, so both pull the same set.
 */
import { DIGEST_PREFIX, digestDayPrefixes, EVIDENCE_PREFIX, PUBLIC_KEY_PREFIX, type SignedDigest, TABLE_EXPORT_PREFIX } from '../domain/evidence';
import { isSafeKey } from '../domain/evidence-verify';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import type { ObjectStore } from './evidence-ports';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** Known for listed objects (from their digest); digests and keys are checked by the verifier itself. */
  readonly sha256?: string;
}

export interface ExportListing {
  readonly from: string;
  readonly to: string;
  /** Every period before this is sealed: a digest missing before it is a removed digest. */
  readonly sealedUntil?: string;
  readonly digests: ListedObject[];
  readonly objects: ListedObject[];
  readonly publicKeys: ListedObject[];
  /** Present when more digests follow: pass it back to get them. */
  readonly cursor?: string;
}

export const MAX_DIGESTS_PER_PAGE = 200;
/** Under Lambda's 6 MB response limit once base64-encoded. */
export const MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024;

const periodOfDigest = (key: string): number | undefined => {
  const match = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.json$/.exec(key);
  return match ? Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5], +match[6]) : undefined;
};

export async function listExports(
  objects: ObjectStore,
  range: { from: Date; to: Date; cursor?: string; limit?: number; sealedUntil?: string },
): Promise<ExportListing> {
  if (!(range.from < range.to)) throw new InvalidInputError('from: must be before to', { fields: ['from', 'to'] });
  const limit = Math.min(range.limit ?? MAX_DIGESTS_PER_PAGE, MAX_DIGESTS_PER_PAGE);
  const digests: ListedObject[] = [];
  let more = false;
  for (const prefix of digestDayPrefixes(range.from, range.to)) {
    if (range.cursor && `${prefix}\uffff` < range.cursor) continue;
    let startAfter = range.cursor && range.cursor.startsWith(prefix) ? range.cursor : undefined;
    for (;;) {
      const page = await objects.list(prefix, { ...(startAfter ? { startAfter } : {}), limit: 1000 });
      for (const item of page.items) {
        const start = periodOfDigest(item.key);
        if (start === undefined || start < range.from.getTime() || start >= range.to.getTime()) continue;
        if (digests.length === limit) {
          more = true;
          break;
        }
        digests.push(item);
      }
      if (more || !page.more || !page.items.length) break;
      startAfter = page.items.at(-1)!.key;
    }
    if (more) break;
  }

  const listed = new Map<string, ListedObject>();
  const keysNamed = new Set<string>();
  for (const digest of digests) {
    const bytes = await objects.get(digest.key);
    if (!bytes) continue;
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<SignedDigest>;
    for (const entry of parsed.objects ?? []) {
      if (isSafeKey(entry.key)) listed.set(entry.key, { key: entry.key, size: entry.size, sha256: entry.sha256 });
      if (entry.key.startsWith(PUBLIC_KEY_PREFIX)) keysNamed.add(entry.key);
    }
    if (parsed.publicKey && isSafeKey(parsed.publicKey.key)) keysNamed.add(parsed.publicKey.key);
  }
  const publicKeys = (await objects.list(PUBLIC_KEY_PREFIX, { limit: 1000 })).items.filter((item) => keysNamed.has(item.key));
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    ...(range.sealedUntil ? { sealedUntil: range.sealedUntil } : {}),
    digests,
    objects: [...listed.values()].filter((entry) => !entry.key.startsWith(PUBLIC_KEY_PREFIX)),
    publicKeys,
    ...(more ? { cursor: digests.at(-1)!.key } : {}),
  };
}

const DOWNLOADABLE = [DIGEST_PREFIX, EVIDENCE_PREFIX, TABLE_EXPORT_PREFIX, PUBLIC_KEY_PREFIX];

/** One object, or one range of a large one (the CLI asks for a large object piece by piece). */
export async function readExport(objects: ObjectStore, key: string, offset = 0, length = MAX_DOWNLOAD_BYTES): Promise<{ bytes: Uint8Array; size: number }> {
  if (!isSafeKey(key) || !DOWNLOADABLE.some((prefix) => key.startsWith(prefix))) {
    throw new InvalidInputError(`key: "${key.slice(0, 200)}" is not an export object`, { fields: ['key'] });
  }
  if (length > MAX_DOWNLOAD_BYTES) throw new InvalidInputError(`length: at most ${MAX_DOWNLOAD_BYTES} bytes per request`, { fields: ['length'] });
  const head = await objects.head(key);
  if (!head) throw new NotFoundError(`Export object ${key} does not exist.`);
  if (offset > head.size) throw new InvalidInputError(`offset: beyond the object's ${head.size} bytes`, { fields: ['offset'] });
  const bytes = head.size === 0 || offset === head.size ? new Uint8Array() : await objects.get(key, { offset, length: Math.min(length, head.size - offset) });
  if (!bytes) throw new NotFoundError(`Export object ${key} does not exist.`);
  return { bytes, size: head.size };
}
