/**
 * Offline verification of an evidence folder (the bucket's layout: digests/, evidence/, table-exports/,
 * public-keys/), needing nothing but the files and the public keys the auditor trusts. It checks every
 * digest's signature, every link of the digest chain, every listed object's SHA-256 and size, and every
 * stream's event chain across its segments, and names each problem precisely (which object, which
 * event, what is wrong) rather than stopping at the first. Pure: the caller supplies file access.
 */
import { createPublicKey, verify as verifySignature, constants } from 'node:crypto';
import { z } from 'zod';
import { type AuditEvent, type ChainProblem, GENESIS_HASH, verifyChain } from './audit-chain';
import {
  DIGEST_FORMAT,
  DIGEST_PREFIX,
  digestKey,
  digestStringToSign,
  ECDSA_SIGNING_ALGORITHM,
  EVIDENCE_FORMAT,
  EVIDENCE_PREFIX,
  evidenceKey,
  type EvidenceSegment,
  PUBLIC_KEY_PREFIX,
  publicKeyFingerprint,
  RSA_SIGNING_ALGORITHM,
  sha256Hex,
  type SignedDigest,
  type StreamKind,
  TABLE_EXPORT_PREFIX,
} from './evidence';

/** Read access to the files of an evidence folder, keyed by their bucket key ('/'-separated). */
export interface EvidenceSource {
  keys(): readonly string[];
  read(key: string): Uint8Array | undefined;
  /** SHA-256 (hex) and size of a file; a source may stream large files rather than read them whole. */
  hash(key: string): { readonly sha256: string; readonly size: number } | undefined;
}

export interface VerifyOptions {
  /** PEM public keys the auditor trusts; empty means the keys found under public-keys/ (noted as such). */
  readonly trustedKeys: readonly string[];
  /** The range the folder was pulled for, so missing digests at its ends are caught too. */
  readonly expected?: { readonly from: string; readonly to: string; readonly sealedUntil?: string };
}

export type ProblemKind =
  | 'malformed_digest'
  | 'misplaced_digest'
  | 'unknown_key'
  | 'bad_signature'
  | 'missing_digest'
  | 'broken_digest_chain'
  | 'missing_object'
  | 'altered_object'
  | 'unlisted_object'
  | 'conflicting_listing'
  | 'malformed_object'
  | 'misplaced_object'
  | 'altered_event'
  | 'broken_chain'
  | 'missing_segment'
  | 'overlapping_segments';

export interface Problem {
  readonly kind: ProblemKind;
  readonly key?: string;
  readonly stream?: string;
  readonly seq?: number;
  readonly message: string;
}

export interface VerifiedSegment {
  readonly key: string;
  readonly segment: EvidenceSegment;
}

export interface VerifiedStream {
  readonly stream: string;
  readonly kind: StreamKind;
  readonly segments: readonly VerifiedSegment[];
  /** All events of the stream found in the folder, in sequence order. */
  readonly events: readonly AuditEvent[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  /** Facts worth stating that are not failures (trust anchors, where the chain begins). */
  readonly notes: readonly string[];
  readonly digests: readonly SignedDigest[];
  readonly streams: readonly VerifiedStream[];
  readonly tableExports: readonly { readonly key: string; readonly sha256: string; readonly size: number }[];
  readonly coverage?: { readonly from: string; readonly to: string };
  readonly stats: {
    readonly digests: number;
    readonly objects: number;
    readonly segments: number;
    readonly events: number;
    readonly bytes: number;
    readonly keyFingerprints: readonly string[];
  };
}

const iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');

const digestSchema = z.object({
  format: z.literal(DIGEST_FORMAT),
  digestKey: z.string(),
  periodStart: iso,
  periodEnd: iso,
  periodSeconds: z.number().int().positive(),
  objects: z.array(z.object({ key: z.string(), sha256: hex64, size: z.number().int().nonnegative() }).strict()),
  previous: z.object({ key: z.string(), sha256: hex64, signature: z.string(), periodStart: iso }).strict().nullable(),
  publicKey: z.object({ fingerprint: hex64, key: z.string() }).strict(),
  signatureAlgorithm: z.enum([RSA_SIGNING_ALGORITHM, ECDSA_SIGNING_ALGORITHM]),
  signature: z.string().min(1),
}).strict();

const eventSchema = z.object({ stream: z.string(), seq: z.number().int(), prev: z.string(), hash: z.string() }).passthrough();

const segmentSchema = z.object({
  format: z.literal(EVIDENCE_FORMAT),
  kind: z.enum(['session', 'config', 'security', 'other']),
  stream: z.string().min(1),
  fromSeq: z.number().int().positive(),
  toSeq: z.number().int().positive(),
  exportedAt: iso,
  previous: z.object({ key: z.string(), sha256: hex64, toSeq: z.number().int().positive(), lastHash: hex64 }).strict().nullable(),
  events: z.array(eventSchema).min(1),
}).strict();

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
};

function parseJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

function signatureValid(digest: SignedDigest, pem: string): boolean {
  const data = Buffer.from(digestStringToSign(digest), 'utf8');
  const signature = Buffer.from(digest.signature, 'base64');
  const key = createPublicKey(pem);
  try {
    return digest.signatureAlgorithm === RSA_SIGNING_ALGORITHM
      ? verifySignature('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      : verifySignature('sha256', data, key, signature);
  } catch {
    return false;
  }
}

const chainMessage = (problem: ChainProblem, stream: string, keyOf: (seq: number) => string | undefined): Problem => {
  switch (problem.kind) {
    case 'altered':
      return {
        kind: 'altered_event', stream, seq: problem.seq, key: keyOf(problem.seq),
        message: `event ${problem.seq} of ${stream} does not hash to the hash it records: its content was altered`,
      };
    case 'broken_link':
      return {
        kind: 'broken_chain', stream, seq: problem.seq, key: keyOf(problem.seq),
        message: `event ${problem.seq} of ${stream} does not name the hash of the event before it: events were removed, inserted or reordered`,
      };
    case 'gap':
      return {
        kind: 'broken_chain', stream, seq: problem.actualSeq, key: keyOf(problem.actualSeq),
        message: `${stream} jumps from sequence ${problem.expectedSeq - 1} to ${problem.actualSeq}: events are missing or out of order`,
      };
    case 'wrong_stream':
      return {
        kind: 'broken_chain', stream, seq: problem.seq, key: keyOf(problem.seq),
        message: `event ${problem.seq} in ${stream}'s evidence belongs to ${problem.stream}`,
      };
  }
};

function parseSegment(key: string, bytes: Uint8Array, problem: (entry: Problem) => void): EvidenceSegment | undefined {
  let segment: EvidenceSegment;
  try {
    const result = segmentSchema.safeParse(parseJson(bytes));
    if (!result.success) {
      problem({ kind: 'malformed_object', key, message: `${key} is not an evidence segment (${firstIssue(result.error)})` });
      return undefined;
    }
    segment = result.data as unknown as EvidenceSegment;
  } catch (error) {
    problem({ kind: 'malformed_object', key, message: `${key} is not valid JSON (${(error as Error).message})` });
    return undefined;
  }
  if (evidenceKey(segment.stream, segment.fromSeq, segment.toSeq, new Date(segment.exportedAt)) !== key) {
    problem({ kind: 'misplaced_object', key, message: `${key} holds ${segment.stream} ${segment.fromSeq}-${segment.toSeq}, which belongs elsewhere: it was moved or swapped` });
  }
  return segment;
}

export function verifyEvidence(source: EvidenceSource, options: VerifyOptions): VerifyReport {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const problem = (entry: Problem) => problems.push(entry);
  const allKeys = [...source.keys()].sort();
  let bytesHashed = 0;

  // Trust anchors: the auditor's pinned keys, else what the folder carries (said out loud).
  const trusted = new Map<string, string>();
  const pinned = options.trustedKeys.length > 0;
  const anchorPems = pinned
    ? options.trustedKeys
    : allKeys.filter((key) => key.startsWith(PUBLIC_KEY_PREFIX) && key.endsWith('.pem')).map((key) => Buffer.from(source.read(key) ?? []).toString('utf8'));
  for (const pem of anchorPems) {
    try {
      trusted.set(publicKeyFingerprint(pem), pem);
    } catch {
      notes.push('a public key file could not be read as a PEM public key and was ignored');
    }
  }
  notes.push(
    pinned
      ? `trusted keys (pinned): ${[...trusted.keys()].join(', ') || 'none'}`
      : `trusted keys (taken from the folder's public-keys/; compare with the published fingerprint or pin with --public-key): ${[...trusted.keys()].join(', ') || 'none'}`,
  );

  // 1. Digests: shape, place, signature.
  const digests: { key: string; digest: SignedDigest; sha256: string }[] = [];
  for (const key of allKeys.filter((k) => k.startsWith(DIGEST_PREFIX))) {
    const bytes = source.read(key);
    if (!bytes) continue;
    bytesHashed += bytes.length;
    let parsed: SignedDigest;
    try {
      const result = digestSchema.safeParse(parseJson(bytes));
      if (!result.success) {
        problem({ kind: 'malformed_digest', key, message: `${key} is not a digest (${firstIssue(result.error)})` });
        continue;
      }
      parsed = result.data as SignedDigest;
    } catch (error) {
      problem({ kind: 'malformed_digest', key, message: `${key} is not valid JSON (${(error as Error).message})` });
      continue;
    }
    if (parsed.digestKey !== key || digestKey(new Date(parsed.periodStart)) !== key) {
      problem({ kind: 'misplaced_digest', key, message: `${key} holds the digest of ${parsed.digestKey} (period ${parsed.periodStart}): a digest was swapped or copied over another` });
      continue;
    }
    const pem = trusted.get(parsed.publicKey.fingerprint);
    if (!pem) {
      problem({ kind: 'unknown_key', key, message: `${key} is signed with key ${parsed.publicKey.fingerprint}, which is not a trusted key` });
    } else if (!signatureValid(parsed, pem)) {
      problem({ kind: 'bad_signature', key, message: `${key}: the signature does not verify with key ${parsed.publicKey.fingerprint}: the digest was altered or signed with another key` });
    }
    digests.push({ key, digest: parsed, sha256: sha256Hex(bytes) });
  }
  digests.sort((a, b) => (a.digest.periodStart < b.digest.periodStart ? -1 : 1));

  // 2. The digest chain: each digest names its predecessor's key, bytes and signature, period after period.
  for (let index = 0; index < digests.length; index++) {
    const { key, digest } = digests[index];
    const before = digests[index - 1];
    if (!before) {
      if (digest.previous) notes.push(`the digest chain continues from ${digest.previous.key}, before the first digest in this folder`);
      else notes.push(`the digest chain begins at ${key} (the first digest ever sealed)`);
      continue;
    }
    if (digest.periodStart !== before.digest.periodEnd) {
      const missing = digest.previous && digest.previous.key !== before.key ? ` (it names ${digest.previous.key} as its predecessor)` : '';
      problem({
        kind: 'missing_digest',
        key,
        message: `no digest between ${before.digest.periodEnd} and ${digest.periodStart}${missing}: a digest was removed`,
      });
      continue;
    }
    const link = digest.previous;
    if (!link || link.key !== before.key || link.sha256 !== before.sha256 || link.signature !== before.digest.signature) {
      const what = !link
        ? 'names no predecessor'
        : link.key !== before.key
          ? `names ${link.key} as its predecessor`
          : link.sha256 !== before.sha256
            ? `records a different SHA-256 for ${before.key}: that digest was altered`
            : `records a different signature for ${before.key}: that digest was re-signed`;
      problem({ kind: 'broken_digest_chain', key, message: `${key} ${what}` });
    }
  }
  const first = digests[0]?.digest;
  const last = digests.at(-1)?.digest;
  if (options.expected) {
    const periodSeconds = first?.periodSeconds;
    const from = Date.parse(options.expected.from);
    const until = Math.min(Date.parse(options.expected.to), Date.parse(options.expected.sealedUntil ?? options.expected.to));
    if (!first || !last) {
      if (until > from) problem({ kind: 'missing_digest', message: `no digest at all for ${options.expected.from} to ${options.expected.to}` });
    } else if (periodSeconds) {
      const chainStart = first.previous === null ? Date.parse(first.periodStart) : -Infinity;
      const floor = Math.max(from, chainStart);
      if (Date.parse(first.periodStart) - floor >= periodSeconds * 1000) {
        problem({ kind: 'missing_digest', message: `no digest between ${new Date(floor).toISOString()} and ${first.periodStart}, the first digest present: digests were removed` });
      }
      if (until - Date.parse(last.periodEnd) >= periodSeconds * 1000) {
        problem({ kind: 'missing_digest', message: `no digest between ${last.periodEnd}, the last digest present, and ${new Date(until).toISOString()}: digests were removed` });
      }
    }
  }

  // 3. Listed objects: present, same bytes; and nothing unlisted passing as evidence.
  const listed = new Map<string, { sha256: string; size: number; digest: string }>();
  for (const { key: digest, digest: body } of digests) {
    for (const entry of body.objects) {
      const seen = listed.get(entry.key);
      if (seen && (seen.sha256 !== entry.sha256 || seen.size !== entry.size)) {
        problem({ kind: 'conflicting_listing', key: entry.key, message: `${entry.key} is listed with different SHA-256 values in ${seen.digest} and ${digest}` });
      }
      if (!seen) listed.set(entry.key, { sha256: entry.sha256, size: entry.size, digest });
    }
  }
  const present = new Set(allKeys);
  // Evidence objects are small and needed parsed: each is read once, then hashed and parsed from memory.
  const byStream = new Map<string, { key: string; segment: EvidenceSegment; sha256: string }[]>();
  for (const [key, entry] of [...listed.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!present.has(key)) {
      problem({ kind: 'missing_object', key, message: `${key}, listed in ${entry.digest}, is missing` });
      continue;
    }
    const isEvidence = key.startsWith(EVIDENCE_PREFIX);
    const bytes = isEvidence ? source.read(key) : undefined;
    const actual = bytes ? { sha256: sha256Hex(bytes), size: bytes.length } : source.hash(key);
    if (!actual) continue;
    bytesHashed += actual.size;
    if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
      problem({ kind: 'altered_object', key, message: `${key} does not match the SHA-256 listed in ${entry.digest}: it was altered` });
    }
    if (!bytes) continue;
    const segment = parseSegment(key, bytes, problem);
    if (!segment) continue;
    const list = byStream.get(segment.stream) ?? [];
    list.push({ key, segment, sha256: actual.sha256 });
    byStream.set(segment.stream, list);
  }
  for (const key of allKeys) {
    if ((key.startsWith(EVIDENCE_PREFIX) || key.startsWith(TABLE_EXPORT_PREFIX)) && !listed.has(key)) {
      problem({ kind: 'unlisted_object', key, message: `${key} is listed in no digest: it was not exported by accessgate (or its digest is missing)` });
    }
  }
  const ignored = allKeys.filter((key) => ![DIGEST_PREFIX, EVIDENCE_PREFIX, TABLE_EXPORT_PREFIX, PUBLIC_KEY_PREFIX].some((prefix) => key.startsWith(prefix)));
  if (ignored.length) notes.push(`${ignored.length} file(s) outside the evidence layout were not examined (${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', …' : ''})`);

  // 4. Evidence segments: each stream's segments must link up, and its events must form one chain.
  const streams: VerifiedStream[] = [];
  let eventCount = 0;
  for (const [stream, segments] of [...byStream.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    segments.sort((a, b) => a.segment.fromSeq - b.segment.fromSeq || (a.key < b.key ? -1 : 1));
    const events: AuditEvent[] = [];
    const keyBySeq = new Map<number, string>();
    for (let index = 0; index < segments.length; index++) {
      const { key, segment } = segments[index];
      const before = segments[index - 1];
      if (segment.events[0].seq !== segment.fromSeq || segment.events.at(-1)!.seq !== segment.toSeq) {
        problem({ kind: 'broken_chain', key, stream, message: `${key} says it holds ${segment.fromSeq}-${segment.toSeq} but its events run ${segment.events[0].seq}-${segment.events.at(-1)!.seq}` });
      }
      if (!before) {
        if (segment.previous === null && segment.fromSeq !== 1) {
          problem({ kind: 'missing_segment', key, stream, message: `${key} starts ${stream} at ${segment.fromSeq} and names no earlier segment` });
        } else if (segment.previous && listed.has(segment.previous.key)) {
          // Listed in a digest of this folder but absent: already reported as a missing object.
        } else if (segment.previous) {
          notes.push(`${stream} continues from ${segment.previous.key}, exported before this folder's range`);
        }
      } else if (segment.fromSeq <= before.segment.toSeq) {
        problem({ kind: 'overlapping_segments', key, stream, message: `${key} repeats events ${segment.fromSeq}-${Math.min(segment.toSeq, before.segment.toSeq)} of ${stream} already in ${before.key}` });
        continue;
      } else if (segment.fromSeq > before.segment.toSeq + 1) {
        problem({ kind: 'missing_segment', key, stream, message: `${stream} has no segment for events ${before.segment.toSeq + 1}-${segment.fromSeq - 1} (${key} names ${segment.previous?.key ?? 'nothing'} before it)` });
      } else {
        const link = segment.previous;
        const expectedLast = before.segment.events.at(-1)!.hash;
        if (!link || link.key !== before.key || link.sha256 !== before.sha256 || link.toSeq !== before.segment.toSeq || link.lastHash !== expectedLast) {
          problem({ kind: 'broken_chain', key, stream, message: `${key} does not link to ${before.key}, the segment before it in ${stream}` });
        }
      }
      for (const event of segment.events) {
        events.push(event as AuditEvent);
        keyBySeq.set(event.seq, key);
      }
    }
    // The chain is checked from its anchor: genesis, or the last event of a segment outside the range.
    const anchor = segments[0].segment.previous;
    const firstEvent = events[0];
    const chainProblems = verifyChain(stream, events).filter((found) => {
      if (!anchor || !firstEvent) return true;
      if (found.kind === 'gap' && found.expectedSeq === 1 && found.actualSeq === firstEvent.seq && firstEvent.seq === anchor.toSeq + 1) return false;
      if (found.kind === 'broken_link' && found.seq === firstEvent.seq && found.expectedPrev === GENESIS_HASH && found.actualPrev === anchor.lastHash) return false;
      return true;
    });
    for (const found of chainProblems) problem(chainMessage(found, stream, (seq) => keyBySeq.get(seq)));
    eventCount += events.length;
    streams.push({ stream, kind: segments[0].segment.kind, segments: segments.map(({ key, segment }) => ({ key, segment })), events });
  }

  const tableExports = [...listed.entries()]
    .filter(([key]) => key.startsWith(TABLE_EXPORT_PREFIX))
    .map(([key, entry]) => ({ key, sha256: entry.sha256, size: entry.size }));

  return {
    ok: problems.length === 0,
    problems,
    notes,
    digests: digests.map((entry) => entry.digest),
    streams,
    tableExports,
    ...(first && last ? { coverage: { from: first.periodStart, to: last.periodEnd } } : {}),
    stats: {
      digests: digests.length,
      objects: listed.size,
      segments: [...byStream.values()].reduce((sum, list) => sum + list.length, 0),
      events: eventCount,
      bytes: bytesHashed,
      keyFingerprints: [...new Set(digests.map((entry) => entry.digest.publicKey.fingerprint))],
    },
  };
}

/** A key that stays inside the folder it is written to: no absolute paths, no `..`, no odd characters. */
export function isSafeKey(key: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._=\-/]*$/.test(key) && !key.split('/').some((part) => part === '' || part === '.' || part === '..');
}
