/**
 * What one evidence object's bytes alone tell the verifier: their SHA-256 and size, whether they are a
 * well-formed segment kept under its own key, the hash each event's content recomputes to, and the
 * fields the documented event schema does not allow. Nothing here depends on any other file, so a source
 * may work it out ahead of the verifier and in parallel (the CLI does, in worker threads) and hand over
 * the result: the verifier then only links segments and events, which needs every stream at once.
 */
import * as z from 'zod';
import { type AuditEventBody, hashEvent } from './audit-chain';
import { EVIDENCE_FORMAT, evidenceKey, type EvidenceSegment, sha256Hex } from './evidence';
import { undocumentedFields } from './evidence-schema';
import type { Problem } from './evidence-verify';
import { firstIssue, parseJson } from './evidence-verify-digests';

export interface ExaminedSegment {
  readonly sha256: string;
  readonly size: number;
  /** The segment, absent when the bytes are not one (a malformed_object problem says why). */
  readonly segment?: EvidenceSegment;
  /** malformed_object or misplaced_object, in the order found. */
  readonly problems: readonly Problem[];
  /** What each event's content (all but its hash) hashes to, in the segment's event order. */
  readonly eventHashes: readonly string[];
  /** One undocumented_field problem per event that holds a field the documented schema does not allow. */
  readonly undocumented: readonly Problem[];
}

const iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');
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

export function examineSegment(key: string, bytes: Uint8Array): ExaminedSegment {
  const examined = { sha256: sha256Hex(bytes), size: bytes.length, eventHashes: [], undocumented: [] };
  let parsed: unknown;
  try {
    parsed = parseJson(bytes);
  } catch (error) {
    return { ...examined, problems: [{ kind: 'malformed_object', key, message: `${key} is not valid JSON (${(error as Error).message})` }] };
  }
  const result = segmentSchema.safeParse(parsed);
  if (!result.success) return { ...examined, problems: [{ kind: 'malformed_object', key, message: `${key} is not an evidence segment (${firstIssue(result.error)})` }] };
  const segment = result.data as unknown as EvidenceSegment;
  const problems: Problem[] = [];
  if (evidenceKey(segment.stream, segment.fromSeq, segment.toSeq, new Date(segment.exportedAt)) !== key) {
    problems.push({ kind: 'misplaced_object', key, message: `${key} holds ${segment.stream} ${segment.fromSeq}-${segment.toSeq}, which belongs elsewhere: it was moved or swapped` });
  }
  // Hashed from the text's own member order, not the schema's copy: read from canonical bytes it is
  // already canonical, which lets canonicalJson take its fast path.
  const eventHashes = (parsed as { events: Record<string, unknown>[] }).events.map(({ hash: _recorded, ...body }) => hashEvent(body as unknown as AuditEventBody));
  const undocumented: Problem[] = [];
  for (const event of segment.events) {
    const extra = undocumentedFields(event);
    if (extra.length) {
      undocumented.push({
        kind: 'undocumented_field', key, stream: segment.stream, seq: event.seq,
        message: `event ${event.seq} of ${segment.stream} (${String(event.type)}) holds what the documented event schema does not allow: ${extra.join(', ')}`,
      });
    }
  }
  return { ...examined, segment, problems, eventHashes, undocumented };
}
