/**
 * The audit evidence formats, modelled on CloudTrail log file integrity validation: what an exported
 * evidence object and an hourly digest contain, where each lives in the bucket, and the exact string a
 * digest's signature covers. Pure (hashing only, no I/O), so the exporter, the digest sealer, the API
 * and the auditor's offline verifier all build and read the same bytes from one definition.
 *
 * Every object is the canonical JSON (./audit-chain.ts, documented in the README) of its value, UTF-8,
 * with no trailing newline: anyone can re-encode a parsed object and get the bytes that were hashed.
 */
import { createPublicKey, hash as hashOnce } from 'node:crypto';
import { type AuditEvent, canonicalJson } from './audit-chain';

export const EVIDENCE_FORMAT = 'accessgate-evidence/1';
export const DIGEST_FORMAT = 'accessgate-digest/1';

/**
 * RSASSA-PKCS1-v1_5 with SHA-256 (what KMS calls RSASSA_PKCS1_V1_5_SHA_256 and CloudTrail calls
 * SHA256withRSA). Chosen over ECDSA because it is deterministic: two sealers racing for the same period,
 * or a retry after a crash, produce byte-identical digests, so a re-put can never fork the chain.
 */
export const RSA_SIGNING_ALGORITHM = 'RSASSA_PKCS1_V1_5_SHA_256';
/** Accepted by the verifier too, so a deployment may sign with an ECDSA P-256 KMS key. */
export const ECDSA_SIGNING_ALGORITHM = 'ECDSA_SHA_256';
export type SigningAlgorithm = typeof RSA_SIGNING_ALGORITHM | typeof ECDSA_SIGNING_ALGORITHM;

export const EVIDENCE_PREFIX = 'evidence/';
export const DIGEST_PREFIX = 'digests/';
export const PUBLIC_KEY_PREFIX = 'public-keys/';
export const TABLE_EXPORT_PREFIX = 'table-exports/';

// One-shot: the verifier hashes every object, and a Hash object per object costs more than small objects' hashing.
export const sha256Hex = (bytes: Uint8Array | string): string => hashOnce('sha256', bytes, 'hex');

/** The bytes of an evidence or digest object: canonical JSON, UTF-8. */
export const canonicalBytes = (value: unknown): Buffer => Buffer.from(canonicalJson(value), 'utf8');

// ---------------------------------------------------------------------------------------------------
// Streams

export type StreamKind = 'session' | 'config' | 'security' | 'other';

export function streamKind(stream: string): StreamKind {
  if (stream.startsWith('SESSION#')) return 'session';
  if (stream === 'CONFIG') return 'config';
  if (stream.startsWith('SECURITY#')) return 'security';
  return 'other';
}

/**
 * Event types after which a session can change no more (its status is final). The exporter writes a
 * session's evidence when it sees one; anything recorded later (a failed notification) follows as a
 * further segment of the same chain.
 */
export const FINAL_SESSION_EVENT_TYPES: readonly string[] = [
  'session.done',
  'session.failed',
  'session.expired',
  'session.cancelled',
  'review.denied',
];

// ---------------------------------------------------------------------------------------------------
// Periods and keys

/** Start of the digest period holding `at`: periods are aligned to the Unix epoch, so hours are UTC hours. */
export function periodStartOf(at: Date, periodSeconds: number): Date {
  const length = periodSeconds * 1000;
  return new Date(Math.floor(at.getTime() / length) * length);
}

export const addSeconds = (at: Date | string, seconds: number): Date => new Date(new Date(at).getTime() + seconds * 1000);

const datePath = (at: Date) => at.toISOString().slice(0, 10).replaceAll('-', '/');
/** 2026-11-26T10:00:00.000Z → 20261126T100000Z */
export const compactTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');
const seqPart = (seq: number) => String(seq).padStart(10, '0');

/**
 * Where a segment of a stream is written: partitioned by the UTC date it was exported, then by kind,
 * so a day's evidence is one prefix and a session's segments sit together.
 */
export function evidenceKey(stream: string, fromSeq: number, toSeq: number, exportedAt: Date): string {
  const range = `${seqPart(fromSeq)}-${seqPart(toSeq)}.json`;
  const base = `${EVIDENCE_PREFIX}${datePath(exportedAt)}`;
  switch (streamKind(stream)) {
    case 'session':
      return `${base}/sessions/${stream.slice('SESSION#'.length)}/${range}`;
    case 'config':
      return `${base}/config/${range}`;
    case 'security':
      return `${base}/security/${stream.slice('SECURITY#'.length)}/${range}`;
    case 'other':
      return `${base}/other/${Buffer.from(stream, 'utf8').toString('base64url')}/${range}`;
  }
}

export const digestKey = (periodStart: Date): string => `${DIGEST_PREFIX}${datePath(periodStart)}/${compactTime(periodStart)}.json`;

/** The day partitions holding digests whose period starts within [from, to). */
export function digestDayPrefixes(from: Date, to: Date): string[] {
  const prefixes: string[] = [];
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  for (; day < to; day.setUTCDate(day.getUTCDate() + 1)) prefixes.push(`${DIGEST_PREFIX}${datePath(day)}/`);
  return prefixes;
}

/**
 * What `audit pull` fetched, written beside the evidence as pull.json: the range asked for, how far
 * digests were sealed at the time, and how many files came. Not signed (the auditor's tool writes it),
 * but `audit verify` holds the folder to it: every sealed period of the range has its digest, none lies
 * outside it, and the counts match.
 */
export const PULL_RECORD_FILE = 'pull.json';
export interface PullRecord {
  readonly from: string;
  readonly to: string;
  /** Every period before this was sealed when the folder was pulled. */
  readonly sealedUntil?: string;
  readonly source: string;
  readonly pulledAt: string;
  readonly digests: number;
  /** Files under evidence/, table-exports/ and public-keys/. */
  readonly objects: number;
}

export const publicKeyKey = (fingerprint: string): string => `${PUBLIC_KEY_PREFIX}${fingerprint}.pem`;

/** Where a file of a daily point-in-time table export is kept under lock. */
export const tableExportKey = (day: string, exportId: string, name: string): string =>
  `${TABLE_EXPORT_PREFIX}${day.replaceAll('-', '/')}/${exportId}/${name}`;

// ---------------------------------------------------------------------------------------------------
// Evidence segments

/** Names the segment before this one in the same stream, so segments chain as the events do. */
export interface SegmentLink {
  readonly key: string;
  /** SHA-256 of that object's bytes. */
  readonly sha256: string;
  readonly toSeq: number;
  /** Hash of its last event: this segment's first event names it as `prev`. */
  readonly lastHash: string;
}

/**
 * One contiguous run of a stream's events, fromSeq..toSeq. A session's first segment holds its whole
 * chain up to its final event; configuration and security streams are exported in batches.
 */
export interface EvidenceSegment {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly kind: StreamKind;
  readonly stream: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly exportedAt: string;
  readonly previous: SegmentLink | null;
  readonly events: readonly AuditEvent[];
}

export function buildSegment(input: { stream: string; exportedAt: string; previous: SegmentLink | null; events: readonly AuditEvent[] }): EvidenceSegment {
  const first = input.events[0];
  const last = input.events.at(-1);
  if (!first || !last) throw new Error(`a segment of ${input.stream} needs at least one event`);
  return {
    format: EVIDENCE_FORMAT,
    kind: streamKind(input.stream),
    stream: input.stream,
    fromSeq: first.seq,
    toSeq: last.seq,
    exportedAt: input.exportedAt,
    previous: input.previous,
    events: input.events,
  };
}

export const linkTo = (key: string, bytes: Uint8Array, segment: Pick<EvidenceSegment, 'toSeq' | 'events'>): SegmentLink => ({
  key,
  sha256: sha256Hex(bytes),
  toSeq: segment.toSeq,
  lastHash: segment.events.at(-1)!.hash,
});

// ---------------------------------------------------------------------------------------------------
// Digests

export interface DigestEntry {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

export interface DigestLink {
  readonly key: string;
  /** SHA-256 of the previous digest object's bytes (signature included). */
  readonly sha256: string;
  readonly signature: string;
  readonly periodStart: string;
}

export interface DigestBody {
  readonly format: typeof DIGEST_FORMAT;
  /** Its own key: a digest copied over another period's is caught even before its chain is walked. */
  readonly digestKey: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly periodSeconds: number;
  /** Every object recorded in the period, sorted by key. */
  readonly objects: readonly DigestEntry[];
  /** null only for the first digest of the chain. */
  readonly previous: DigestLink | null;
  readonly publicKey: { readonly fingerprint: string; readonly key: string };
  readonly signatureAlgorithm: SigningAlgorithm;
}

export interface SignedDigest extends DigestBody {
  /** Base64 signature over digestStringToSign(body). */
  readonly signature: string;
}

export function buildDigestBody(input: {
  periodStart: Date;
  periodSeconds: number;
  objects: readonly DigestEntry[];
  previous: DigestLink | null;
  publicKeyFingerprint: string;
  signatureAlgorithm: SigningAlgorithm;
}): DigestBody {
  return {
    format: DIGEST_FORMAT,
    digestKey: digestKey(input.periodStart),
    periodStart: input.periodStart.toISOString(),
    periodEnd: addSeconds(input.periodStart, input.periodSeconds).toISOString(),
    periodSeconds: input.periodSeconds,
    objects: [...input.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    previous: input.previous,
    publicKey: { fingerprint: input.publicKeyFingerprint, key: publicKeyKey(input.publicKeyFingerprint) },
    signatureAlgorithm: input.signatureAlgorithm,
  };
}

/**
 * What the signature covers, one field per line (as CloudTrail's digest signing string): the format,
 * the period end, the digest's own key, the SHA-256 of the canonical JSON of the digest without its
 * signature, and the previous digest's signature ("null" for the first). Every field of the digest is
 * therefore covered, and each signature commits to the whole chain before it.
 */
export function digestStringToSign(body: DigestBody): string {
  const { signature: _ignored, ...unsigned } = body as SignedDigest;
  return [DIGEST_FORMAT, body.periodEnd, body.digestKey, sha256Hex(canonicalJson(unsigned)), body.previous?.signature ?? 'null'].join('\n');
}

export const signDigest = (body: DigestBody, signature: Uint8Array): SignedDigest => ({ ...body, signature: Buffer.from(signature).toString('base64') });

export const linkToDigest = (digest: SignedDigest, bytes: Uint8Array): DigestLink => ({
  key: digest.digestKey,
  sha256: sha256Hex(bytes),
  signature: digest.signature,
  periodStart: digest.periodStart,
});

/** SHA-256 of the key's DER SubjectPublicKeyInfo: the same for its PEM with any line breaks. */
export function publicKeyFingerprint(pem: string): string {
  return sha256Hex(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
}
