/**
 * The verifier's checks on what the digests vouch for: every listed object present with its exact
 * bytes, nothing unlisted passing as evidence, each stream's segments linked and its events one hash
 * chain, and every event within the documented schema. One function per check.
 */
import { type AuditEvent, CHAIN_START, type ChainPosition, type ChainProblem, checkLink, GENESIS_HASH } from './audit-chain';
import { EVIDENCE_PREFIX, TABLE_EXPORT_PREFIX } from './evidence';
import type { Inspection, Problem, VerifiedSegment, VerifiedStream } from './evidence-verify';
import type { ReadDigest } from './evidence-verify-digests';
import { type ExaminedSegment, examineSegment, type SegmentOutline } from './evidence-verify-segment';

export interface ListedObject {
  readonly sha256: string;
  readonly size: number;
  /** The digest listing it first. */
  readonly digest: string;
}

/**
 * A segment as the stream checks use it: its key, and its outline. The segment itself is read only
 * when asked for (a source may parse it on demand), which verifying alone never does.
 */
interface ReadSegment {
  readonly key: string;
  readonly sha256: string;
  readonly outline: SegmentOutline;
  readonly examined: ExaminedSegment;
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
    const { outline } = examined;
    if (!outline) continue;
    const list = byStream.get(outline.stream) ?? [];
    list.push({ key, sha256: examined.sha256, outline, examined });
    byStream.set(outline.stream, list);
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
  segments.forEach(({ key, outline: segment }, index) => {
    const before = segments[index - 1];
    if (segment.first.seq !== segment.fromSeq || segment.last.seq !== segment.toSeq) {
      inspection.problem({ kind: 'broken_chain', key, stream, message: `${key} says it holds ${segment.fromSeq}-${segment.toSeq} but its events run ${segment.first.seq}-${segment.last.seq}` });
    }
    if (!before) {
      if (segment.previous === null && segment.fromSeq !== 1) {
        inspection.problem({ kind: 'missing_segment', key, stream, message: `${key} starts ${stream} at ${segment.fromSeq} and names no earlier segment` });
      } else if (segment.previous && !listed.has(segment.previous.key)) {
        // Listed in a digest of this folder but absent would already be a missing object.
        inspection.note(`${stream} continues from ${segment.previous.key}, exported before this folder's range`);
      }
    } else if (segment.fromSeq <= before.outline.toSeq) {
      inspection.problem({ kind: 'overlapping_segments', key, stream, message: `${key} repeats events ${segment.fromSeq}-${Math.min(segment.toSeq, before.outline.toSeq)} of ${stream} already in ${before.key}` });
      return;
    } else if (segment.fromSeq > before.outline.toSeq + 1) {
      inspection.problem({ kind: 'missing_segment', key, stream, message: `${stream} has no segment for events ${before.outline.toSeq + 1}-${segment.fromSeq - 1} (${key} names ${segment.previous?.key ?? 'nothing'} before it)` });
    } else {
      const link = segment.previous;
      if (!link || link.key !== before.key || link.sha256 !== before.sha256 || link.toSeq !== before.outline.toSeq || link.lastHash !== before.outline.last.hash) {
        inspection.problem({ kind: 'broken_chain', key, stream, message: `${key} does not link to ${before.key}, the segment before it in ${stream}` });
      }
    }
    kept.push(segments[index]);
  });
  return kept;
}

/**
 * The stream's events form one hash chain from its anchor: genesis, or the last event of a segment
 * before the folder's range. Each segment's events after its first were checked with it
 * (SegmentOutline.within); here each first event is checked against the event before it, so the
 * problems are exactly those of checking the stream's events in one run (audit-chain.ts verifyChain).
 */
function checkEventChain(inspection: Inspection, stream: string, segments: readonly ReadSegment[]): void {
  const anchor = segments[0]?.outline.previous;
  const firstEvent = segments[0]?.outline.first;
  const found: ChainProblem[] = [];
  let at: ChainPosition = CHAIN_START;
  for (const { outline } of segments) {
    checkLink(stream, outline.first, outline.first.recomputed, at, found);
    found.push(...outline.within);
    at = { prev: outline.last.hash, expectedSeq: outline.last.seq + 1 };
  }
  const keyOf = (seq: number) => {
    for (let index = segments.length - 1; index >= 0; index--) if (segments[index].outline.seqs.includes(seq)) return segments[index].key;
    return undefined;
  };
  for (const problem of found) {
    if (anchor && firstEvent) {
      if (problem.kind === 'gap' && problem.expectedSeq === 1 && problem.actualSeq === firstEvent.seq && firstEvent.seq === anchor.toSeq + 1) continue;
      if (problem.kind === 'broken_link' && problem.seq === firstEvent.seq && problem.expectedPrev === GENESIS_HASH && problem.actualPrev === anchor.lastHash) continue;
    }
    inspection.problem(chainMessage(problem, stream, keyOf));
  }
}

/** Every event keeps to the documented schema (./evidence-schema.ts): an undocumented field is named. */
function checkEventSchema(inspection: Inspection, segments: readonly ReadSegment[]): void {
  for (const { examined } of segments) for (const problem of examined.undocumented) inspection.problem(problem);
}

/** Each stream's segments link up, its events form one chain, and each event keeps to the schema. */
export function checkStreams(inspection: Inspection, byStream: ReadonlyMap<string, ReadSegment[]>, listed: ReadonlyMap<string, ListedObject>): { streams: VerifiedStream[]; events: number } {
  const streams: VerifiedStream[] = [];
  let events = 0;
  for (const [stream, all] of [...byStream.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = [...all].sort((a, b) => a.outline.fromSeq - b.outline.fromSeq || (a.key < b.key ? -1 : 1));
    const segments = checkSegmentLinks(inspection, stream, sorted, listed);
    checkEventChain(inspection, stream, segments);
    checkEventSchema(inspection, segments);
    streams.push(verifiedStream(stream, sorted, segments));
    for (const { outline } of segments) events += outline.seqs.length;
  }
  return { streams, events };
}

/** The stream as the report reads it; its segments and events are read from the source only when asked for. */
function verifiedStream(stream: string, sorted: readonly ReadSegment[], kept: readonly ReadSegment[]): VerifiedStream {
  const segmentOf = ({ key, examined }: ReadSegment): VerifiedSegment => ({ key, get segment() { return examined.segment!; } });
  let events: AuditEvent[] | undefined;
  return {
    stream,
    kind: sorted[0].outline.kind,
    segments: sorted.map(segmentOf),
    get events() {
      events ??= kept.flatMap(({ examined }) => examined.segment!.events as AuditEvent[]);
      return events;
    },
  };
}
