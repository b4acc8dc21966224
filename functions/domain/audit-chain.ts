/**
 * The audit hash chain. Every event names the hash of the event before it in its stream, and its own
 * hash is SHA-256 over the canonical JSON of everything else in it. Removing, inserting, altering or
 * reordering an event breaks the chain at that point (canonical-json.ts defines the form hashed).
 */
import { hash as hashOnce } from 'node:crypto';
import type { AuditEvent, AuditEventBody } from './audit-event';
import type { EventActor } from './identity';
import { canonicalJson } from './canonical-json';

// The chain's hashes are defined over canonical JSON; its users take both from here.
export { canonicalJson };

export const GENESIS_HASH = '0'.repeat(64);

export type { EventActor };

export type { AuditEvent, AuditEventBody };

// One-shot hashing: `audit verify` hashes every event, and a Hash object per event cost more than the hashing.
export const hashEvent = (body: AuditEventBody): string => hashOnce('sha256', canonicalJson(body), 'hex');

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

/** Where a stream's chain stands after an event: the hash the next event must name, and its sequence. */
export interface ChainPosition {
  readonly prev: string;
  readonly expectedSeq: number;
}

export const CHAIN_START: ChainPosition = { prev: GENESIS_HASH, expectedSeq: 1 };

/**
 * One step of verifyChain: the problems of `event` in `stream` given where the chain stood before it,
 * appended in the order verifyChain reports them; returns where the chain stands after it. `recomputed`
 * is what the event's content hashes to (hashEvent). Each event's problems depend only on the event
 * before it, so a chain may be checked in pieces (the evidence verifier checks each segment's events
 * apart, then each segment's first event against the one before it).
 */
export function checkLink(
  stream: string,
  event: Pick<AuditEvent, 'stream' | 'seq' | 'prev' | 'hash'>,
  recomputed: string,
  at: ChainPosition,
  problems: ChainProblem[],
): ChainPosition {
  if (event.stream !== stream) problems.push({ kind: 'wrong_stream', seq: event.seq, stream: event.stream });
  if (event.seq !== at.expectedSeq) problems.push({ kind: 'gap', expectedSeq: at.expectedSeq, actualSeq: event.seq });
  if (event.prev !== at.prev) problems.push({ kind: 'broken_link', seq: event.seq, expectedPrev: at.prev, actualPrev: event.prev });
  if (recomputed !== event.hash) problems.push({ kind: 'altered', seq: event.seq, expected: recomputed, actual: event.hash });
  return { prev: event.hash, expectedSeq: event.seq + 1 };
}

/** Checks a whole stream, returning every problem found (empty when intact). */
export function verifyChain(stream: string, events: readonly AuditEvent[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let at = CHAIN_START;
  for (const event of events) {
    const { hash: _recorded, ...body } = event;
    at = checkLink(stream, event, hashEvent(body), at, problems);
  }
  return problems;
}
