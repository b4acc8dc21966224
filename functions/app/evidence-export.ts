/**
 * The exporter's use case: turns new events into evidence objects in the locked bucket and lists each
 * object in the open digest period. A session's events are written once the session is final (its
 * whole chain in one object); configuration and security streams are written in batches as they grow.
 *
 * Each segment goes through claim → write → list → complete. The claim (one conditional write on the
 * stream's cursor) fixes the segment's key, range and bytes before anything is written, so a crash at
 * any later step is repaired by replaying the same segment: segments of a stream never overlap or skip.
 */
import { isFinal } from '../domain/session';
import {
  addSeconds,
  buildSegment,
  canonicalBytes,
  type DigestEntry,
  evidenceKey,
  FINAL_SESSION_EVENT_TYPES,
  periodStartOf,
  sha256Hex,
  streamKind,
} from '../domain/evidence';
import type { EvidenceDeps, PendingSegment } from './evidence-ports';

/** Keeps one object small enough to read in one request even for a security stream under attack. */
export const SEGMENT_MAX_EVENTS = 500;
const MAX_ROUNDS = 50;

export interface StreamChange {
  readonly stream: string;
  /** Types of the new events seen for the stream (a final one saves reading the session). */
  readonly types: readonly string[];
}

const retainUntil = (deps: Pick<EvidenceDeps, 'retentionDays'>, from: string) => addSeconds(from, deps.retentionDays * 86_400);

/**
 * Lists an object in the digest period open now. Periods before the chain head are sealed; a period
 * sealed between reading the head and writing moves the entry on to the next one, so every object is
 * listed in exactly one digest (or, after a crash mid-way, listed again with the same hash).
 */
export async function recordObject(deps: Pick<EvidenceDeps, 'state' | 'clock' | 'periodSeconds'>, entry: DigestEntry): Promise<string> {
  const now = deps.clock.now();
  const head = (await deps.state.digestHead()) ?? (await deps.state.startDigestChain(periodStartOf(now, deps.periodSeconds).toISOString()));
  let period = new Date(Math.max(periodStartOf(now, deps.periodSeconds).getTime(), Date.parse(head.next)));
  for (let attempt = 0; attempt < 1000; attempt++) {
    const outcome = await deps.state.addToPeriod(period.toISOString(), entry);
    if (outcome === 'recorded') return period.toISOString();
    period = addSeconds(period, deps.periodSeconds);
  }
  throw new Error(`could not list ${entry.key} in any digest period up to ${period.toISOString()}`);
}

/** A cheap first look (no read of the chain) at whether a session may have ended. */
async function sessionIsFinal(deps: EvidenceDeps, change: StreamChange): Promise<boolean> {
  if (change.types.some((type) => FINAL_SESSION_EVENT_TYPES.includes(type))) return true;
  const session = await deps.sessions.get(change.stream.slice('SESSION#'.length));
  return !!session && isFinal(session.status);
}

/** Writes, lists and confirms a claimed segment; safe to repeat. */
async function writeSegment(deps: EvidenceDeps, stream: string, pending: PendingSegment, bytes: Uint8Array): Promise<void> {
  await deps.objects.put(pending.key, bytes, { contentType: 'application/json', sha256: pending.sha256, retainUntil: retainUntil(deps, pending.exportedAt) });
  await recordObject(deps, { key: pending.key, sha256: pending.sha256, size: pending.size });
  await deps.state.completeSegment(stream, pending.key);
}

/** Rebuilds a claimed segment's bytes from the (append-only) log and finishes it. */
async function replay(deps: EvidenceDeps, stream: string, pending: PendingSegment): Promise<void> {
  const { events } = await deps.reader.after(stream, pending.after, pending.toSeq - pending.fromSeq + 1);
  const segment = buildSegment({ stream, exportedAt: pending.exportedAt, previous: pending.previous, events });
  const bytes = canonicalBytes(segment);
  if (sha256Hex(bytes) !== pending.sha256) {
    throw new Error(`${stream}: events ${pending.fromSeq}-${pending.toSeq} no longer hash to the claimed segment ${pending.key}; the event log changed`);
  }
  await writeSegment(deps, stream, pending, bytes);
}

/** Exports whatever of `change.stream` is ready; returns the keys written. */
export async function exportStream(deps: EvidenceDeps, change: StreamChange): Promise<string[]> {
  const { stream } = change;
  const written: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const cursor = await deps.state.cursor(stream);
    if (cursor?.pending) {
      await replay(deps, stream, cursor.pending);
      written.push(cursor.pending.key);
      continue;
    }
    // A session is exported whole once final; after that, anything later follows as it comes.
    const firstOfSession = !cursor && streamKind(stream) === 'session';
    if (firstOfSession && !(await sessionIsFinal(deps, change))) return written;
    const { events, positions } = await deps.reader.after(stream, cursor?.position, SEGMENT_MAX_EVENTS);
    if (!events.length) return written;
    // The store marks a session final just before its final event is appended: wait for that event, which
    // arrives on the stream next, so the first segment always ends with the outcome.
    if (firstOfSession && events.length < SEGMENT_MAX_EVENTS && !events.some((event) => FINAL_SESSION_EVENT_TYPES.includes(event.type))) return written;
    const exportedAt = deps.clock.now().toISOString();
    const previous = cursor?.last ?? null;
    const segment = buildSegment({ stream, exportedAt, previous, events });
    const bytes = canonicalBytes(segment);
    const pending: PendingSegment = {
      key: evidenceKey(stream, segment.fromSeq, segment.toSeq, new Date(exportedAt)),
      sha256: sha256Hex(bytes),
      size: bytes.length,
      fromSeq: segment.fromSeq,
      toSeq: segment.toSeq,
      lastHash: events.at(-1)!.hash,
      exportedAt,
      previous,
      ...(cursor ? { after: cursor.position } : {}),
    };
    // Losing the claim means another exporter is on this stream: read its cursor again.
    if (!(await deps.state.claimSegment(stream, cursor, pending, positions.at(-1)!))) continue;
    await writeSegment(deps, stream, pending, bytes);
    written.push(pending.key);
  }
  return written;
}
