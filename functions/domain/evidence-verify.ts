/**
 * Offline verification of an evidence folder (the bucket's layout: digests/, evidence/, table-exports/,
 * public-keys/, plus the pull record), needing nothing but the files and the public keys the auditor
 * trusts. Every file it reads is bound byte for byte: digests by their canonical form and signature,
 * keys by their canonical PEM and fingerprint, everything else by the SHA-256 a digest lists. It names
 * each problem precisely (which file, which event, what is wrong) rather than stopping at the first.
 * Pure: the caller supplies file access. The checks live in ./evidence-verify-digests.ts and
 * ./evidence-verify-objects.ts, one function each, run in the order below.
 */
import type { AuditEvent } from './audit-chain';
import { DIGEST_PREFIX, EVIDENCE_PREFIX, type EvidenceSegment, PUBLIC_KEY_PREFIX, type PullRecord, type SignedDigest, type StreamKind, TABLE_EXPORT_PREFIX } from './evidence';
import { checkDigestChain, checkPullRecord, checkSignatures, readDigests, trustedKeys } from './evidence-verify-digests';
import { checkListedObjects, checkStreams, checkUnlisted, listedObjects } from './evidence-verify-objects';
import type { ExaminedSegment } from './evidence-verify-segment';

/** Read access to the files of an evidence folder, keyed by their bucket key ('/'-separated). */
export interface EvidenceSource {
  keys(): readonly string[];
  read(key: string): Uint8Array | undefined;
  /** SHA-256 (hex) and size of a file; a source may stream large files rather than read them whole. */
  hash(key: string): { readonly sha256: string; readonly size: number } | undefined;
  /**
   * An evidence object (under evidence/) examined ahead, when the source offers it: exactly what
   * examineSegment (./evidence-verify-segment.ts) returns for the file's bytes, or undefined when the
   * file is absent. Lets a source examine objects in parallel; without it the verifier reads each one.
   */
  examine?(key: string): ExaminedSegment | undefined;
}

export interface VerifyOptions {
  /** PEM public keys the auditor trusts; empty means the keys found under public-keys/ (noted as such). */
  readonly trustedKeys: readonly string[];
  /** The bytes of the folder's pull record (pull.json), or null when it has none (itself a problem). */
  readonly pullRecord: Uint8Array | null;
}

export type ProblemKind =
  | 'malformed_digest'
  | 'noncanonical_digest'
  | 'misplaced_digest'
  | 'unknown_key'
  | 'missing_key'
  | 'altered_key'
  | 'unreferenced_key'
  | 'missing_pull_record'
  | 'malformed_pull_record'
  | 'pull_record_mismatch'
  | 'outside_range'
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
  | 'overlapping_segments'
  | 'undocumented_field';

export interface Problem {
  readonly kind: ProblemKind;
  readonly key?: string;
  readonly stream?: string;
  readonly seq?: number;
  readonly message: string;
}

export interface DigestReference {
  readonly key: string;
  readonly sha256: string;
  readonly periodStart: string;
  readonly periodEnd: string;
}

/** What the checks share: the folder, its sorted keys, and where problems, notes and the byte count go. */
export interface Inspection {
  readonly source: EvidenceSource;
  readonly keys: readonly string[];
  problem(problem: Problem): void;
  note(text: string): void;
  bytes: number;
}

export interface VerifiedSegment {
  readonly key: string;
  readonly segment: EvidenceSegment;
}

export interface VerifiedStream {
  readonly stream: string;
  readonly kind: StreamKind;
  readonly segments: readonly VerifiedSegment[];
  /** The events of its linked segments, in sequence order (read from the source when first asked for). */
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
  /** The first and last digest verified, with the SHA-256 of their bytes: what a report's parameters cite. */
  readonly range?: { readonly first: DigestReference; readonly last: DigestReference; readonly periods: number };
  /** The pull record, when it could be read. */
  readonly pull?: PullRecord;
  readonly stats: {
    readonly digests: number;
    readonly objects: number;
    readonly segments: number;
    readonly events: number;
    readonly bytes: number;
    readonly keyFingerprints: readonly string[];
  };
}

export function verifyEvidence(source: EvidenceSource, options: VerifyOptions): VerifyReport {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const inspection: Inspection = {
    source,
    keys: [...source.keys()].sort(),
    problem: (problem) => problems.push(problem),
    note: (text) => notes.push(text),
    bytes: 0,
  };
  const digests = readDigests(inspection);
  const trusted = trustedKeys(inspection, digests, options.trustedKeys);
  checkSignatures(inspection, digests, trusted);
  checkDigestChain(inspection, digests);
  const pull = checkPullRecord(inspection, options.pullRecord, digests);
  const listed = listedObjects(inspection, digests);
  const byStream = checkListedObjects(inspection, listed);
  checkUnlisted(inspection, listed);
  const { streams, events } = checkStreams(inspection, byStream, listed);

  const ignored = inspection.keys.filter((key) => ![DIGEST_PREFIX, EVIDENCE_PREFIX, TABLE_EXPORT_PREFIX, PUBLIC_KEY_PREFIX].some((prefix) => key.startsWith(prefix)));
  if (ignored.length) notes.push(`${ignored.length} file(s) outside the evidence layout were not examined (${ignored.slice(0, 3).join(', ')}${ignored.length > 3 ? ', …' : ''})`);
  const reference = ({ key, sha256, digest }: (typeof digests)[number]): DigestReference => ({ key, sha256, periodStart: digest.periodStart, periodEnd: digest.periodEnd });
  const first = digests[0];
  const last = digests.at(-1);
  return {
    ok: problems.length === 0,
    problems,
    notes,
    digests: digests.map((entry) => entry.digest),
    streams,
    tableExports: [...listed.entries()].filter(([key]) => key.startsWith(TABLE_EXPORT_PREFIX)).map(([key, entry]) => ({ key, sha256: entry.sha256, size: entry.size })),
    ...(first && last
      ? { coverage: { from: first.digest.periodStart, to: last.digest.periodEnd }, range: { first: reference(first), last: reference(last), periods: digests.length } }
      : {}),
    ...(pull ? { pull } : {}),
    stats: {
      digests: digests.length,
      objects: listed.size,
      segments: [...byStream.values()].reduce((sum, list) => sum + list.length, 0),
      events,
      bytes: inspection.bytes,
      keyFingerprints: [...new Set(digests.map((entry) => entry.digest.publicKey.fingerprint))],
    },
  };
}

/** A key that stays inside the folder it is written to: no absolute paths, no `..`, no odd characters. */
export function isSafeKey(key: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._=\-/]*$/.test(key) && !key.split('/').some((part) => part === '' || part === '.' || part === '..');
}
