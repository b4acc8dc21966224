/**
 * The verifier's checks on what the digests vouch for: every listed object present with its exact
 * bytes, nothing unlisted passing as evidence, each stream's segments linked and its events one hash
 * chain, and every event within the documented schema. One function per check.
 */
import { type AuditEvent, type ChainProblem, GENESIS_HASH, verifyChain } from './audit-chain';
import { EVIDENCE_PREFIX, type EvidenceSegment, TABLE_EXPORT_PREFIX } from './evidence';
import type { Inspection, Problem, VerifiedStream } from './evidence-verify';
import type { ReadDigest } from './evidence-verify-digests';
import { type ExaminedSegment, examineSegment } from './evidence-verify-segment';

export interface ListedObject {
  readonly sha256: string;
  readonly size: number;
  /** The digest listing it first. */
  readonly digest: string;
}

interface ReadSegment extends ExaminedSegment {
  readonly key: string;
  readonly segment: EvidenceSegment;
}

/** Every object the digests list, once; the same key listed with two different hashes is named. */
export function listedObjects(inspection: Inspection, digests: readonly ReadDigest[]): Map<string, ListedObject> {
  const listed = new Map<string, ListedObject>();
  for (const { key: digest, digest: body } of digests) {
    for (const entry of body.objects) {
      const seen = listed.get(entry.key);
      if (seen && (seen.sha256 !== entry.sha256 || seen.size !== entry.size)) {
        inspection.problem({ kind: 'conflicting_listing', key: entry.key, message: `${entry.key} is listed with different SHA-256 values in ${seen.digest} and ${digest}` });
      }
      if (!seen) listed.set(entry.key, { sha256: entry.sha256, size: entry.size, digest });
    }
  }
  return listed;
}

/**
 * Each listed object is present with the SHA-256 and size its digest records. Evidence objects are
 * small and needed parsed: each is examined from its bytes once (./evidence-verify-segment.ts), by the
 * source when it offers to, else here; other objects (table exports, keys) are hashed by the source,
 * which may stream them. Returns the segments by stream.
 */
export function checkListedObjects(inspection: Inspection, listed: ReadonlyMap<string, ListedObject>): Map<string, ReadSegment[]> {
  const present = new Set(inspection.keys);
  const byStream = new Map<string, ReadSegment[]>();
  const { source } = inspection;
  for (const [key, entry] of [...listed.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!present.has(key)) {
      inspection.problem({ kind: 'missing_object', key, message: `${key}, listed in ${entry.digest}, is missing` });
      continue;
    }
    const examined = key.startsWith(EVIDENCE_PREFIX) ? (source.examine ? source.examine(key) : examineBytes(key, source.read(key))) : undefined;
    const actual = examined ?? source.hash(key);
    if (!actual) continue;
    inspection.bytes += actual.size;
    if (actual.sha256 !== entry.sha256 || actual.size !== entry.size) {
      inspection.problem({ kind: 'altered_object', key, message: `${key} does not match the SHA-256 listed in ${entry.digest}: it was altered` });
    }
    if (!examined) continue;
    for (const problem of examined.problems) inspection.problem(problem);
    const { segment } = examined;
    if (!segment) continue;
    const list = byStream.get(segment.stream) ?? [];
    list.push({ ...examined, key, segment });
    byStream.set(segment.stream, list);
  }
  return byStream;
}

const examineBytes = (key: string, bytes: Uint8Array | undefined) => (bytes ? examineSegment(key, bytes) : undefined);

/** Nothing under evidence/ or table-exports/ that no digest lists; files outside the layout are noted. */
export function checkUnlisted(inspection: Inspection, listed: ReadonlyMap<string, ListedObject>): void {
  for (const key of inspection.keys) {
    if ((key.startsWith(EVIDENCE_PREFIX) || key.startsWith(TABLE_EXPORT_PREFIX)) && !listed.has(key)) {
      inspection.problem({ kind: 'unlisted_object', key, message: `${key} is listed in no digest: it was not exported by accessgate (or its digest is missing)` });
    }
  }
}

const chainMessage = (problem: ChainProblem, stream: string, keyOf: (seq: number) => string | undefined): Problem => {
  switch (problem.kind) {
    case 'altered':
      return { kind: 'altered_event', stream, seq: problem.seq, key: keyOf(problem.seq), message: `event ${problem.seq} of ${stream} does not hash to the hash it records: its content was altered` };
    case 'broken_link':
      return { kind: 'broken_chain', stream, seq: problem.seq, key: keyOf(problem.seq), message: `event ${problem.seq} of ${stream} does not name the hash of the event before it: events were removed, inserted or reordered` };
    case 'gap':
      return { kind: 'broken_chain', stream, seq: problem.actualSeq, key: keyOf(problem.actualSeq), message: `${stream} jumps from sequence ${problem.expectedSeq - 1} to ${problem.actualSeq}: events are missing or out of order` };
    case 'wrong_stream':
      return { kind: 'broken_chain', stream, seq: problem.seq, key: keyOf(problem.seq), message: `event ${problem.seq} in ${stream}'s evidence belongs to ${problem.stream}` };
  }
};

/** Consecutive segments of a stream link up (no gap, no overlap, each naming the one before it). */
function checkSegmentLinks(inspection: Inspection, stream: string, segments: readonly ReadSegment[], listed: ReadonlyMap<string, ListedObject>): ReadSegment[] {
  const kept: ReadSegment[] = [];
  segments.forEach(({ key, segment }, index) => {
    const before = segments[index - 1];
    if (segment.events[0].seq !== segment.fromSeq || segment.events.at(-1)!.seq !== segment.toSeq) {
      inspection.problem({ kind: 'broken_chain', key, stream, message: `${key} says it holds ${segment.fromSeq}-${segment.toSeq} but its events run ${segment.events[0].seq}-${segment.events.at(-1)!.seq}` });
    }
    if (!before) {
      if (segment.previous === null && segment.fromSeq !== 1) {
        inspection.problem({ kind: 'missing_segment', key, stream, message: `${key} starts ${stream} at ${segment.fromSeq} and names no earlier segment` });
      } else if (segment.previous && !listed.has(segment.previous.key)) {
        // Listed in a digest of this folder but absent would already be a missing object.
        inspection.note(`${stream} continues from ${segment.previous.key}, exported before this folder's range`);
      }
    } else if (segment.fromSeq <= before.segment.toSeq) {
      inspection.problem({ kind: 'overlapping_segments', key, stream, message: `${key} repeats events ${segment.fromSeq}-${Math.min(segment.toSeq, before.segment.toSeq)} of ${stream} already in ${before.key}` });
      return;
    } else if (segment.fromSeq > before.segment.toSeq + 1) {
      inspection.problem({ kind: 'missing_segment', key, stream, message: `${stream} has no segment for events ${before.segment.toSeq + 1}-${segment.fromSeq - 1} (${key} names ${segment.previous?.key ?? 'nothing'} before it)` });
    } else {
      const link = segment.previous;
      if (!link || link.key !== before.key || link.sha256 !== before.sha256 || link.toSeq !== before.segment.toSeq || link.lastHash !== before.segment.events.at(-1)!.hash) {
        inspection.problem({ kind: 'broken_chain', key, stream, message: `${key} does not link to ${before.key}, the segment before it in ${stream}` });
      }
    }
    kept.push(segments[index]);
  });
  return kept;
}

/** The stream's events form one hash chain from its anchor: genesis, or the last event of a segment before the folder's range. */
function checkEventChain(inspection: Inspection, stream: string, segments: readonly ReadSegment[], events: readonly AuditEvent[]): void {
  const keyBySeq = new Map<number, string>();
  for (const { key, segment } of segments) for (const event of segment.events) keyBySeq.set(event.seq, key);
  const anchor = segments[0]?.segment.previous;
  const firstEvent = events[0];
  const found = verifyChain(stream, events, segments.flatMap(({ eventHashes }) => eventHashes)).filter((problem) => {
    if (!anchor || !firstEvent) return true;
    if (problem.kind === 'gap' && problem.expectedSeq === 1 && problem.actualSeq === firstEvent.seq && firstEvent.seq === anchor.toSeq + 1) return false;
    if (problem.kind === 'broken_link' && problem.seq === firstEvent.seq && problem.expectedPrev === GENESIS_HASH && problem.actualPrev === anchor.lastHash) return false;
    return true;
  });
  for (const problem of found) inspection.problem(chainMessage(problem, stream, (seq) => keyBySeq.get(seq)));
}

/** Every event keeps to the documented schema (./evidence-schema.ts): an undocumented field is named. */
function checkEventSchema(inspection: Inspection, segments: readonly ReadSegment[]): void {
  for (const { undocumented } of segments) for (const problem of undocumented) inspection.problem(problem);
}

/** Each stream's segments link up, its events form one chain, and each event keeps to the schema. */
export function checkStreams(inspection: Inspection, byStream: ReadonlyMap<string, ReadSegment[]>, listed: ReadonlyMap<string, ListedObject>): VerifiedStream[] {
  const streams: VerifiedStream[] = [];
  for (const [stream, all] of [...byStream.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = [...all].sort((a, b) => a.segment.fromSeq - b.segment.fromSeq || (a.key < b.key ? -1 : 1));
    const segments = checkSegmentLinks(inspection, stream, sorted, listed);
    const events = segments.flatMap(({ segment }) => segment.events as AuditEvent[]);
    checkEventChain(inspection, stream, segments, events);
    checkEventSchema(inspection, segments);
    streams.push({ stream, kind: sorted[0].segment.kind, segments: sorted.map(({ key, segment }) => ({ key, segment })), events });
  }
  return streams;
}
