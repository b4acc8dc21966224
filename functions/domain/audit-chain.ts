/**
 * The audit hash chain. Every event names the hash of the event before it in its stream, and its own
 * hash is SHA-256 over the canonical JSON of everything else in it. Removing, inserting, altering or
 * reordering an event breaks the chain at that point (canonical-json.ts defines the form hashed).
 */
import { createHash } from 'node:crypto';
import type { EventActor } from './identity';
import { canonicalJson } from './canonical-json';

// The chain's hashes are defined over canonical JSON; its users take both from here.
export { canonicalJson };

export const GENESIS_HASH = '0'.repeat(64);

export type { EventActor };

export interface AuditEventBody {
  /** The chain this event belongs to: `SESSION#<id>`, `CONFIG` or `SECURITY#<yyyy-mm-dd>`. */
  readonly stream: string;
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly actor: EventActor;
  readonly details: Record<string, unknown>;
  readonly prev: string;
}

export interface AuditEvent extends AuditEventBody {
  readonly hash: string;
}

export const hashEvent = (body: AuditEventBody): string =>
  createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');

/** The next event of a stream whose last event is `head` (or none). */
export function chainEvent(
  head: AuditEvent | undefined,
  event: Omit<AuditEventBody, 'seq' | 'prev'>,
): AuditEvent {
  const body: AuditEventBody = { ...event, seq: head ? head.seq + 1 : 1, prev: head ? head.hash : GENESIS_HASH };
  return { ...body, hash: hashEvent(body) };
}

export type ChainProblem =
  | { readonly kind: 'altered'; readonly seq: number; readonly expected: string; readonly actual: string }
  | { readonly kind: 'broken_link'; readonly seq: number; readonly expectedPrev: string; readonly actualPrev: string }
  | { readonly kind: 'gap'; readonly expectedSeq: number; readonly actualSeq: number }
  | { readonly kind: 'wrong_stream'; readonly seq: number; readonly stream: string };

/**
 * Checks a whole stream, returning every problem found (empty when intact). `recomputed`, when given,
 * holds what each event's content hashes to (hashEvent), worked out ahead: index for index with events.
 */
export function verifyChain(stream: string, events: readonly AuditEvent[], recomputed?: readonly string[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const [index, event] of events.entries()) {
    if (event.stream !== stream) problems.push({ kind: 'wrong_stream', seq: event.seq, stream: event.stream });
    if (event.seq !== expectedSeq) problems.push({ kind: 'gap', expectedSeq, actualSeq: event.seq });
    if (event.prev !== prev) problems.push({ kind: 'broken_link', seq: event.seq, expectedPrev: prev, actualPrev: event.prev });
    const { hash, ...body } = event;
    const expected = recomputed?.[index] ?? hashEvent(body);
    if (expected !== hash) problems.push({ kind: 'altered', seq: event.seq, expected, actual: hash });
    prev = hash;
    expectedSeq = event.seq + 1;
  }
  return problems;
}
