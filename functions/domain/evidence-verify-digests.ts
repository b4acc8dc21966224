/**
 * The verifier's checks on what vouches for the evidence: the digests (their exact bytes, place and
 * signature), the public keys (only those the digests name, each byte for byte), the digest chain, and
 * the pull record's claim about which periods the folder covers. One function per check; each reports
 * into the shared Inspection and returns what the next check needs.
 */
import { isUtf8 } from 'node:buffer';
import { constants, createPublicKey, type KeyObject, verify as verifySignature } from 'node:crypto';
import { isCanonicalJsonBytes } from './canonical-bytes';
import * as z from './zod';
import {
  canonicalBytes,
  DIGEST_FORMAT,
  DIGEST_PREFIX,
  digestKey,
  digestStringToSign,
  ECDSA_SIGNING_ALGORITHM,
  EVIDENCE_PREFIX,
  PUBLIC_KEY_PREFIX,
  publicKeyKey,
  PULL_RECORD_FILE,
  type PullRecord,
  RSA_SIGNING_ALGORITHM,
  sha256Hex,
  type SignedDigest,
  TABLE_EXPORT_PREFIX,
} from './evidence';
import type { Inspection } from './evidence-verify';

export interface ReadDigest {
  readonly key: string;
  readonly digest: SignedDigest;
  /** SHA-256 of the file's exact bytes. */
  readonly sha256: string;
}

const iso = z.string().check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time'));
const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'));
/** Canonical base64 only: a decoder ignores stray characters and unused bits, so two spellings could carry one signature. */
const base64 = z.string().check(z.minLength(1), z.refine((value) => Buffer.from(value, 'base64').toString('base64') === value, 'must be canonical base64'));

export const digestSchema = z.strictObject({
  format: z.literal(DIGEST_FORMAT),
  digestKey: z.string(),
  periodStart: iso,
  periodEnd: iso,
  periodSeconds: z.int().check(z.positive()),
  objects: z.array(z.strictObject({ key: z.string(), sha256: hex64, size: z.int().check(z.nonnegative()) })),
  previous: z.nullable(z.strictObject({ key: z.string(), sha256: hex64, signature: base64, periodStart: iso })),
  publicKey: z.strictObject({ fingerprint: hex64, key: z.string() }).check(z.refine((value) => value.key === publicKeyKey(value.fingerprint), 'publicKey.key must be public-keys/<fingerprint>.pem')),
  signatureAlgorithm: z.enum([RSA_SIGNING_ALGORITHM, ECDSA_SIGNING_ALGORITHM]),
  signature: base64,
});

const pullRecordSchema = z.strictObject({
  from: iso,
  to: iso,
  sealedUntil: z.optional(iso),
  source: z.string(),
  pulledAt: iso,
  digests: z.int().check(z.nonnegative()),
  objects: z.int().check(z.nonnegative()),
});

const DIGEST_FIELDS = ['format', 'digestKey', 'periodStart', 'periodEnd', 'periodSeconds', 'objects', 'previous', 'publicKey', 'signatureAlgorithm', 'signature'];
const ENTRY_FIELDS = ['key', 'sha256', 'size'];
const DIGEST_LINK_FIELDS = ['key', 'sha256', 'signature', 'periodStart'];
const PUBLIC_KEY_FIELDS = ['fingerprint', 'key'];
// Shared with evidence-verify-segment.ts's written-out segment check.
export const HEX64 = /^[0-9a-f]{64}$/;
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
export const hasExactly = (value: Record<string, unknown>, fields: readonly string[]) => Object.keys(value).length === fields.length && fields.every((field) => Object.hasOwn(value, field));
const isTime = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));
const isHex64 = (value: unknown) => typeof value === 'string' && HEX64.test(value);
const isBase64 = (value: unknown) => typeof value === 'string' && value !== '' && Buffer.from(value, 'base64').toString('base64') === value;

/**
 * digestSchema's checks written out, for speed (a digest lists every object of its period): true only
 * for what digestSchema accepts (it is at least as strict), so a digest it passes needs no schema run;
 * anything else goes through the schema, which also names the problem.
 */
function plainlyDigest(value: unknown): boolean {
  if (!isRecord(value) || !hasExactly(value, DIGEST_FIELDS)) return false;
  const { format, digestKey: key, periodStart, periodEnd, periodSeconds, objects, previous, publicKey, signatureAlgorithm, signature } = value;
  if (format !== DIGEST_FORMAT || typeof key !== 'string' || !isTime(periodStart) || !isTime(periodEnd)) return false;
  if (!Number.isSafeInteger(periodSeconds) || (periodSeconds as number) <= 0 || !Array.isArray(objects)) return false;
  for (const entry of objects) {
    if (!isRecord(entry) || !hasExactly(entry, ENTRY_FIELDS) || typeof entry.key !== 'string' || !isHex64(entry.sha256) || !Number.isSafeInteger(entry.size) || (entry.size as number) < 0) return false;
  }
  if (previous !== null) {
    if (!isRecord(previous) || !hasExactly(previous, DIGEST_LINK_FIELDS) || typeof previous.key !== 'string' || !isHex64(previous.sha256)) return false;
    if (!isBase64(previous.signature) || !isTime(previous.periodStart)) return false;
  }
  if (!isRecord(publicKey) || !hasExactly(publicKey, PUBLIC_KEY_FIELDS) || !isHex64(publicKey.fingerprint) || publicKey.key !== publicKeyKey(publicKey.fingerprint as string)) return false;
  return (signatureAlgorithm === RSA_SIGNING_ALGORITHM || signatureAlgorithm === ECDSA_SIGNING_ALGORITHM) && isBase64(signature);
}

export const firstIssue = (error: z.core.$ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
};

export function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

/**
 * Every file under digests/: a signed digest in its canonical bytes (anything else, a trailing newline
 * included, is named), kept under its own period's key. Sorted by period.
 */
export function readDigests(inspection: Inspection): ReadDigest[] {
  const digests: ReadDigest[] = [];
  for (const key of inspection.keys.filter((k) => k.startsWith(DIGEST_PREFIX))) {
    const bytes = inspection.source.read(key);
    if (!bytes) continue;
    inspection.bytes += bytes.length;
    let digest: SignedDigest;
    try {
      const parsed = parseJson(bytes);
      const result = plainlyDigest(parsed) ? undefined : digestSchema.safeParse(parsed);
      if (result && !result.success) {
        inspection.problem({ kind: 'malformed_digest', key, message: `${key} is not a digest (${firstIssue(result.error)})` });
        continue;
      }
      // The text's own value (the schema adds nothing), in its member order: canonical bytes read back
      // are already in canonical order, so canonicalJson takes its fast path for the checks below.
      digest = parsed as SignedDigest;
    } catch (error) {
      inspection.problem({ kind: 'malformed_digest', key, message: `${key} is not valid JSON (${(error as Error).message})` });
      continue;
    }
    // Read from the bytes when they are valid UTF-8 (else the text parsed is not what they spell);
    // encoded again and compared when the byte check declines.
    if (!(isUtf8(bytes) && isCanonicalJsonBytes(bytes)) && !canonicalBytes(digest).equals(Buffer.from(bytes))) {
      inspection.problem({ kind: 'noncanonical_digest', key, message: `${key} is not byte for byte the canonical form accessgate writes: its bytes were changed (whitespace, escaping or order)` });
    }
    if (digest.digestKey !== key || digestKey(new Date(digest.periodStart)) !== key) {
      inspection.problem({ kind: 'misplaced_digest', key, message: `${key} holds the digest of ${digest.digestKey} (period ${digest.periodStart}): a digest was swapped or copied over another` });
      continue;
    }
    digests.push({ key, digest, sha256: sha256Hex(bytes) });
  }
  return digests.sort((a, b) => (a.digest.periodStart < b.digest.periodStart ? -1 : 1));
}

/**
 * The keys the digests are checked with. Only keys a digest names are used: every file under
 * public-keys/ must be one of them (no extra, renamed or duplicate file), present, and byte for byte
 * the PEM the sealer published. Pinned keys, when given, are the only ones trusted.
 */
export function trustedKeys(inspection: Inspection, digests: readonly ReadDigest[], pinned: readonly string[]): Map<string, KeyObject> {
  const named = new Map(digests.map(({ digest }) => [digest.publicKey.key, digest.publicKey.fingerprint]));
  const intact = new Map<string, KeyObject>();
  for (const key of inspection.keys.filter((k) => k.startsWith(PUBLIC_KEY_PREFIX))) {
    const fingerprint = named.get(key);
    if (!fingerprint) {
      inspection.problem({ kind: 'unreferenced_key', key, message: `${key} is named by no digest in this folder: an extra, renamed or duplicate key file (only keys the digests name are used)` });
      continue;
    }
    const bytes = Buffer.from(inspection.source.read(key) ?? []);
    const publicKey = readPublicKey(bytes.toString('utf8'));
    if (!publicKey || fingerprintOf(publicKey) !== fingerprint || !Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'utf8').equals(bytes)) {
      inspection.problem({ kind: 'altered_key', key, message: `${key} is not byte for byte the PEM public key with fingerprint ${fingerprint}: it was altered or replaced` });
      continue;
    }
    intact.set(fingerprint, publicKey);
  }
  const present = new Set(inspection.keys);
  for (const [key, fingerprint] of named) {
    if (!present.has(key)) inspection.problem({ kind: 'missing_key', key, message: `${key}, the public key ${fingerprint} that digests name, is missing` });
  }
  if (pinned.length === 0) {
    inspection.note(`trusted keys (taken from the folder's public-keys/; compare with the published fingerprint or pin with --public-key): ${[...intact.keys()].join(', ') || 'none'}`);
    return intact;
  }
  const trusted = new Map<string, KeyObject>();
  for (const pem of pinned) {
    const publicKey = readPublicKey(pem);
    if (publicKey) trusted.set(fingerprintOf(publicKey), publicKey);
    else inspection.note('a pinned public key could not be read as a PEM public key and was ignored');
  }
  inspection.note(`trusted keys (pinned): ${[...trusted.keys()].join(', ') || 'none'}`);
  return trusted;
}

function readPublicKey(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}

/** As publicKeyFingerprint (./evidence.ts), from a key already read. */
const fingerprintOf = (key: KeyObject): string => sha256Hex(key.export({ type: 'spki', format: 'der' }));

function signatureValid(digest: SignedDigest, key: KeyObject): boolean {
  const data = Buffer.from(digestStringToSign(digest), 'utf8');
  const signature = Buffer.from(digest.signature, 'base64');
  try {
    return digest.signatureAlgorithm === RSA_SIGNING_ALGORITHM
      ? verifySignature('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      : verifySignature('sha256', data, key, signature);
  } catch {
    return false;
  }
}

/** Each digest is signed by a trusted key, and the signature verifies. */
export function checkSignatures(inspection: Inspection, digests: readonly ReadDigest[], trusted: ReadonlyMap<string, KeyObject>): void {
  for (const { key, digest } of digests) {
    const publicKey = trusted.get(digest.publicKey.fingerprint);
    if (!publicKey) {
      inspection.problem({ kind: 'unknown_key', key, message: `${key} is signed with key ${digest.publicKey.fingerprint}, which is not a trusted key` });
    } else if (!signatureValid(digest, publicKey)) {
      inspection.problem({ kind: 'bad_signature', key, message: `${key}: the signature does not verify with key ${digest.publicKey.fingerprint}: the digest was altered or signed with another key` });
    }
  }
}

/** Each digest names its predecessor's key, exact bytes (SHA-256) and signature, period after period. */
export function checkDigestChain(inspection: Inspection, digests: readonly ReadDigest[]): void {
  digests.forEach(({ key, digest }, index) => {
    const before = digests[index - 1];
    if (!before) {
      inspection.note(digest.previous ? `the digest chain continues from ${digest.previous.key}, before the first digest in this folder` : `the digest chain begins at ${key} (the first digest ever sealed)`);
      return;
    }
    if (digest.periodStart !== before.digest.periodEnd) {
      const names = digest.previous && digest.previous.key !== before.key ? ` (it names ${digest.previous.key} as its predecessor)` : '';
      inspection.problem({ kind: 'missing_digest', key, message: `no digest between ${before.digest.periodEnd} and ${digest.periodStart}${names}: a digest was removed` });
      return;
    }
    const link = digest.previous;
    if (link && link.key === before.key && link.sha256 === before.sha256 && link.signature === before.digest.signature) return;
    const what = !link
      ? 'names no predecessor'
      : link.key !== before.key
        ? `names ${link.key} as its predecessor`
        : link.sha256 !== before.sha256
          ? `records a different SHA-256 for ${before.key}: that digest's bytes were altered`
          : `records a different signature for ${before.key}: that digest was re-signed`;
    inspection.problem({ kind: 'broken_digest_chain', key, message: `${key} ${what}` });
  });
}

/**
 * The pull record (pull.json, written by `audit pull`) states the range pulled and how far it was
 * sealed. Every period of that range up to the sealed point must have its digest here, no digest may
 * lie outside it, and its counts must match the folder. Unsealed periods are stated, not failed.
 */
export function checkPullRecord(inspection: Inspection, bytes: Uint8Array | null, digests: readonly ReadDigest[]): PullRecord | undefined {
  const key = PULL_RECORD_FILE;
  if (!bytes) {
    inspection.problem({ kind: 'missing_pull_record', key, message: `${key} is missing: which periods this folder claims to cover is unknown, so a digest removed at either end cannot be told` });
    return undefined;
  }
  let record: PullRecord;
  try {
    const result = pullRecordSchema.safeParse(parseJson(bytes));
    if (!result.success) {
      inspection.problem({ kind: 'malformed_pull_record', key, message: `${key} is not a pull record (${firstIssue(result.error)})` });
      return undefined;
    }
    record = result.data;
  } catch (error) {
    inspection.problem({ kind: 'malformed_pull_record', key, message: `${key} is not valid JSON (${(error as Error).message})` });
    return undefined;
  }
  const from = Date.parse(record.from);
  const to = Date.parse(record.to);
  if (!(from < to)) inspection.problem({ kind: 'malformed_pull_record', key, message: `${key} claims a range that ends (${record.to}) before it starts (${record.from})` });
  const until = Math.min(to, Date.parse(record.sealedUntil ?? record.to));
  if (until < to) inspection.note(`periods from ${new Date(until).toISOString()} to ${record.to} were not yet sealed when the folder was pulled: they are not covered`);

  for (const { key: outside, digest } of digests) {
    const start = Date.parse(digest.periodStart);
    if (start < from || start >= to) {
      inspection.problem({ kind: 'outside_range', key: outside, message: `${outside} (period ${digest.periodStart}) lies outside the range ${key} claims (${record.from} to ${record.to})` });
    }
  }
  const first = digests[0]?.digest;
  const last = digests.at(-1)?.digest;
  if (!first || !last) {
    if (until > from) inspection.problem({ kind: 'missing_digest', message: `no digest at all for ${record.from} to ${new Date(until).toISOString()}, which ${key} claims` });
  } else {
    const period = first.periodSeconds * 1000;
    const floor = Math.max(from, first.previous === null ? Date.parse(first.periodStart) : -Infinity);
    if (Date.parse(first.periodStart) - floor >= period) {
      inspection.problem({ kind: 'missing_digest', message: `no digest between ${new Date(floor).toISOString()} and ${first.periodStart}, the first digest present: digests were removed` });
    }
    if (until - Date.parse(last.periodEnd) >= period) {
      inspection.problem({ kind: 'missing_digest', message: `no digest between ${last.periodEnd}, the last digest present, and ${new Date(until).toISOString()}: digests were removed` });
    }
  }

  const digestFiles = inspection.keys.filter((k) => k.startsWith(DIGEST_PREFIX)).length;
  const objectFiles = inspection.keys.filter((k) => [EVIDENCE_PREFIX, TABLE_EXPORT_PREFIX, PUBLIC_KEY_PREFIX].some((prefix) => k.startsWith(prefix))).length;
  if (record.digests !== digestFiles || record.objects !== objectFiles) {
    inspection.problem({
      kind: 'pull_record_mismatch',
      key,
      message: `${key} records ${record.digests} digest(s) and ${record.objects} object(s) pulled; the folder holds ${digestFiles} and ${objectFiles}: files were added or removed since the pull`,
    });
  }
  return record;
}
