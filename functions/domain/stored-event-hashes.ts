/**
 * What each event of a segment hashes to (audit-chain.ts hashEvent), taken from the segment's stored
 * bytes. When the bytes are exactly the canonical JSON of the segment parsed from them, each event's
 * text with its `hash` member cut out is, byte for byte, the canonical JSON hashEvent encodes: hashing
 * that text gives the same hash without encoding anything again. Bytes that are anything else
 * (whitespace, members in another order, another spelling of a string or number such as `\u0041` or
 * `1.0`, invalid UTF-8) get no answer here, and the caller encodes their events: a stored text that is
 * not canonical is never what gets hashed.
 */
import { isUtf8 } from 'node:buffer';
import { hash as hashOnce } from 'node:crypto';
import { BACKSLASH, CLOSE_ARRAY, CLOSE_OBJECT, COMMA, isCanonicalJsonBytes, OPEN_ARRAY, OPEN_OBJECT, QUOTE } from './canonical-bytes';

const HASH_KEY = [...Buffer.from('"hash":')];
/** `{"events":[`: "events" sorts before every other field of a segment, so its events open the text. */
const EVENTS_FROM = Buffer.byteLength('{"events":[');

/**
 * Each event's hash, in order, or undefined when `bytes` are not exactly canonicalJson(segment)
 * (canonical-bytes.ts may also decline some canonical texts). `segment` is what the bytes parse to and
 * what the segment schema accepts, so every event is an object with a `hash` member. Were the scan
 * below ever to cut the wrong bytes, the hash would not match the one recorded and the event would be
 * named altered: a mistake here can refuse good evidence, never pass an altered event.
 */
export function storedEventHashes(bytes: Uint8Array, segment: { readonly events: readonly unknown[] }): string[] | undefined {
  if (!isUtf8(bytes) || !isCanonicalJsonBytes(bytes)) return undefined;
  // The body of an event is never longer than the event, nor the event than the segment.
  const body = new Uint8Array(bytes.length);
  const hashes: string[] = [];
  let start = EVENTS_FROM;
  for (let index = 0; index < segment.events.length; index++) {
    const end = hashEventText(bytes, start, body, hashes);
    start = end + 1; // past the comma between events
  }
  return hashes;
}

/**
 * Hashes the event whose text starts at `start` (its `{`) without its top-level `hash` member, pushing
 * the hash; returns where the event's text ends. Strings are skipped whole, so only the structure of
 * the event's own level is read: a member is cut with the comma before it, or after it when it comes first.
 */
function hashEventText(bytes: Uint8Array, start: number, body: Uint8Array, hashes: string[]): number {
  let depth = 0;
  let memberFrom = -1;
  let memberTo = -1;
  for (let at = start; ; at++) {
    const byte = bytes[at];
    if (byte === QUOTE) {
      for (at++; bytes[at] !== QUOTE; at++) if (bytes[at] === BACKSLASH) at++;
      continue;
    }
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth--;
    else if (byte !== COMMA) continue;
    // A delimiter of the event's own members: `{`, `,` or the closing `}`.
    if (depth > 1 || (depth === 1 && byte !== OPEN_OBJECT && byte !== COMMA)) continue;
    if (memberFrom >= 0 && memberTo < 0) memberTo = at;
    if (depth === 0) {
      const [cutFrom, cutTo] = bytes[memberFrom - 1] === COMMA ? [memberFrom - 1, memberTo] : [memberFrom, bytes[memberTo] === COMMA ? memberTo + 1 : memberTo];
      body.set(bytes.subarray(start, cutFrom), 0);
      body.set(bytes.subarray(cutTo, at + 1), cutFrom - start);
      hashes.push(hashOnce('sha256', body.subarray(0, cutFrom - start + at + 1 - cutTo), 'hex'));
      return at + 1;
    }
    if (memberFrom < 0 && isHashKey(bytes, at + 1)) memberFrom = at + 1;
  }
}

function isHashKey(bytes: Uint8Array, at: number): boolean {
  for (let index = 0; index < HASH_KEY.length; index++) if (bytes[at + index] !== HASH_KEY[index]) return false;
  return true;
}
