/**
 * What one evidence object's bytes alone tell the verifier: their SHA-256 and size, whether they are a
 * well-formed segment kept under its own key, the hash each event's content recomputes to, and the
 * fields the documented event schema does not allow. Nothing here depends on any other file, so a source
 * may work it out ahead of the verifier and in parallel (the CLI does, in worker threads) and hand over
 * the result: the verifier then only links segments and events, which needs every stream at once.
 */
import * as z from './zod';
import { CHAIN_START, type ChainPosition, type ChainProblem, checkLink, hashEvent } from './audit-chain';
import { EVIDENCE_FORMAT, evidenceKey, type EvidenceSegment, type SegmentLink, sha256Hex } from './evidence';
import { undocumentedFields } from './evidence-schema';
import type { Problem } from './evidence-verify';
import { firstIssue, hasExactly, HEX64, isRecord, parseJson } from './evidence-verify-digests';
import { readSegmentBytes, type SegmentBytes } from './segment-bytes';
import { storedEventHashes } from './stored-event-hashes';

/** The first event of a segment, as the check against the event before it (in another segment) needs it. */
export interface OutlinedEvent {
  readonly stream: string;
  readonly seq: number;
  readonly prev: string;
  readonly hash: string;
  /** What its content (all but its hash) hashes to. */
  readonly recomputed: string;
}

/**
 * What linking a segment into its stream needs, worked out from its events: their count and sequence
 * numbers, its first and last event, and what checking its events after the first against the one
 * before each found (audit-chain.ts checkLink). The verifier checks only each first event itself.
 */
export interface SegmentOutline {
  readonly kind: EvidenceSegment['kind'];
  readonly stream: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly previous: SegmentLink | null;
  readonly first: OutlinedEvent;
  readonly last: { readonly seq: number; readonly hash: string };
  /** Each event's sequence number, in the segment's order. */
  readonly seqs: readonly number[];
  /** Problems of the events after the first, in event order, within this segment. */
  readonly within: readonly ChainProblem[];
}

export interface ExaminedSegment {
  readonly sha256: string;
  readonly size: number;
  /** The segment, absent when the bytes are not one (a malformed_object problem says why). */
  readonly segment?: EvidenceSegment;
  /** Present exactly when the segment is. */
  readonly outline?: SegmentOutline;
  /** malformed_object or misplaced_object, in the order found. */
  readonly problems: readonly Problem[];
  /** One undocumented_field problem per event that holds a field the documented schema does not allow. */
  readonly undocumented: readonly Problem[];
}

const iso = z.string().check(z.refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time'));
const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'));
const eventSchema = z.looseObject({ stream: z.string(), seq: z.int(), prev: z.string(), hash: z.string() });
const segmentSchema = z.strictObject({
  format: z.literal(EVIDENCE_FORMAT),
  kind: z.enum(['session', 'config', 'security', 'other']),
  stream: z.string().check(z.minLength(1)),
  fromSeq: z.int().check(z.positive()),
  toSeq: z.int().check(z.positive()),
  exportedAt: iso,
  previous: z.nullable(z.strictObject({ key: z.string(), sha256: hex64, toSeq: z.int().check(z.positive()), lastHash: hex64 })),
  events: z.array(eventSchema).check(z.minLength(1)),
});

const SEGMENT_FIELDS = ['format', 'kind', 'stream', 'fromSeq', 'toSeq', 'exportedAt', 'previous', 'events'];
const LINK_FIELDS = ['key', 'sha256', 'toSeq', 'lastHash'];
const KINDS: readonly unknown[] = ['session', 'config', 'security', 'other'];
const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) > 0;

/**
 * segmentSchema's checks written out, for speed: true only for what segmentSchema accepts (it is at
 * least as strict), so a segment it passes needs no schema run; anything else goes through the
 * schema, which also names the problem.
 */
function plainlySegment(value: unknown): boolean {
  if (!isRecord(value) || !hasExactly(value, SEGMENT_FIELDS) || !plainMembers(value)) return false;
  const { events } = value;
  if (!Array.isArray(events) || events.length === 0) return false;
  for (const event of events) {
    if (!isRecord(event) || typeof event.stream !== 'string' || !Number.isSafeInteger(event.seq) || typeof event.prev !== 'string' || typeof event.hash !== 'string') return false;
  }
  return true;
}

/** plainlySegment's checks of the segment's members but its events, which segment-bytes.ts reads without building them. */
function plainMembers({ format, kind, stream, fromSeq, toSeq, exportedAt, previous }: { readonly [member in 'format' | 'kind' | 'stream' | 'fromSeq' | 'toSeq' | 'exportedAt' | 'previous']?: unknown }): boolean {
  if (format !== EVIDENCE_FORMAT || !KINDS.includes(kind) || typeof stream !== 'string' || stream === '' || !isCount(fromSeq) || !isCount(toSeq)) return false;
  if (typeof exportedAt !== 'string' || Number.isNaN(Date.parse(exportedAt))) return false;
  if (previous !== null) {
    if (!isRecord(previous) || !hasExactly(previous, LINK_FIELDS) || typeof previous.key !== 'string' || !isCount(previous.toSeq)) return false;
    if (typeof previous.sha256 !== 'string' || !HEX64.test(previous.sha256) || typeof previous.lastHash !== 'string' || !HEX64.test(previous.lastHash)) return false;
  }
  return true;
}

/** What an event's content (all but its hash) hashes to, encoded afresh. */
function hashOfContent(event: EvidenceSegment['events'][number]): string {
  const { hash: _recorded, ...body } = event;
  return hashEvent(body);
}

/**
 * The segment's bytes examined: read straight from the bytes when they are a plainly intact segment
 * (segment-bytes.ts), else parsed, checked against the schema and encoded again (examineParsed). Both
 * answer the same for the same bytes; the first only answers when the segment has no problem but,
 * perhaps, its place and how its first event links to the segment before.
 */
export function examineSegment(key: string, bytes: Uint8Array): ExaminedSegment {
  const read = readSegmentBytes(bytes);
  return read && plainMembers(read.fields) ? examinedFromBytes(key, bytes, read) : examineParsed(key, bytes);
}

function examinedFromBytes(key: string, bytes: Uint8Array, { fields, first, last, seqs }: SegmentBytes): ExaminedSegment {
  const { kind, stream, fromSeq, toSeq, previous } = fields;
  let segment: EvidenceSegment | undefined;
  return {
    sha256: sha256Hex(bytes),
    size: bytes.length,
    outline: { kind: kind as EvidenceSegment['kind'], stream, fromSeq, toSeq, previous, first, last, seqs, within: [] },
    problems: placement(key, fields),
    undocumented: [],
    // Parsed only if a report asks for the events: the bytes were read as exactly this segment.
    get segment() {
      segment ??= parseJson(bytes) as EvidenceSegment;
      return segment;
    },
  };
}

/** misplaced_object when the segment is not kept under the key its stream, range and export time give. */
function placement(key: string, { stream, fromSeq, toSeq, exportedAt }: Pick<EvidenceSegment, 'stream' | 'fromSeq' | 'toSeq' | 'exportedAt'>): Problem[] {
  if (evidenceKey(stream, fromSeq, toSeq, new Date(exportedAt)) === key) return [];
  return [{ kind: 'misplaced_object', key, message: `${key} holds ${stream} ${fromSeq}-${toSeq}, which belongs elsewhere: it was moved or swapped` }];
}

/** The long way: parse, schema, and each event hashed from its stored text only when that is canonical. */
export function examineParsed(key: string, bytes: Uint8Array): ExaminedSegment {
  const examined = { sha256: sha256Hex(bytes), size: bytes.length, undocumented: [] };
  let parsed: unknown;
  try {
    parsed = parseJson(bytes);
  } catch (error) {
    return { ...examined, problems: [{ kind: 'malformed_object', key, message: `${key} is not valid JSON (${(error as Error).message})` }] };
  }
  if (!plainlySegment(parsed)) {
    const result = segmentSchema.safeParse(parsed);
    if (!result.success) return { ...examined, problems: [{ kind: 'malformed_object', key, message: `${key} is not an evidence segment (${firstIssue(result.error)})` }] };
  }
  // The text's own value: the schema changes no value, and the text's member order is what lets
  // canonicalJson take its fast path (read from canonical bytes, it is already canonical).
  const segment = parsed as EvidenceSegment;
  const problems = placement(key, segment);
  const undocumented: Problem[] = [];
  const seqs: number[] = [];
  const within: ChainProblem[] = [];
  let first: OutlinedEvent | undefined;
  let at: ChainPosition = CHAIN_START;
  const stored = storedEventHashes(bytes, segment);
  for (let index = 0; index < segment.events.length; index++) {
    const event = segment.events[index];
    const recomputed = stored?.[index] ?? hashOfContent(event);
    if (first) at = checkLink(segment.stream, event, recomputed, at, within);
    else {
      first = { stream: event.stream, seq: event.seq, prev: event.prev, hash: event.hash, recomputed };
      at = { prev: event.hash, expectedSeq: event.seq + 1 };
    }
    seqs.push(event.seq);
    const extra = undocumentedFields(event);
    if (extra.length) {
      undocumented.push({
        kind: 'undocumented_field', key, stream: segment.stream, seq: event.seq,
        message: `event ${event.seq} of ${segment.stream} (${String(event.type)}) holds what the documented event schema does not allow: ${extra.join(', ')}`,
      });
    }
  }
  const last = segment.events.at(-1)!;
  const outline: SegmentOutline = {
    kind: segment.kind, stream: segment.stream, fromSeq: segment.fromSeq, toSeq: segment.toSeq, previous: segment.previous,
    first: first!, last: { seq: last.seq, hash: last.hash }, seqs, within,
  };
  return { ...examined, segment, outline, problems, undocumented };
}
