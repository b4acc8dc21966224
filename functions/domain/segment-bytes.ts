/**
 * A segment read straight from its stored bytes, for what nearly every evidence object is: exactly
 * canonical JSON (canonical-bytes.ts) whose events keep to the documented schema (evidence-schema.ts)
 * and follow one another within the segment. For such bytes one pass, building no segment, gives what
 * examining it needs: its members but the events, decoded; its first and last event; each event's
 * sequence number; and what each event's content hashes to (its stored text with the `hash` member cut
 * out, which for canonical bytes is byte for byte the canonical JSON hashEvent encodes).
 *
 * Anything else gets no answer, and the caller examines the segment the long way (parse, schema,
 * encode), which names the problem: bytes that are not valid UTF-8, not JSON, or not canonical; a
 * segment member or an event member missing, of another type, or not documented; an event that does
 * not follow the one before it (another stream, a sequence gap, a `prev` that is not that event's
 * hash, content that does not hash to its recorded hash); a number or key the canonical reader
 * declines. So an answer here never passes what the long way refuses; the members' values (format,
 * kind, positive counts, hex digests) are the caller's to check, with the same check as the long way.
 */
import { isUtf8 } from 'node:buffer';
import { hash as hashOnce } from 'node:crypto';
import { BACKSLASH, CanonicalReader, CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, OPEN_OBJECT, QUOTE } from './canonical-bytes';
import { EVENT_DETAILS, EVENT_FIELDS, type FieldSchema, PERSON, SYSTEM_ACTOR, VALUE } from './evidence-schema';

/** A segment's members but its events, as the text holds them (their values are not checked here). */
export interface SegmentFields {
  readonly format: string;
  readonly kind: string;
  readonly stream: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly exportedAt: string;
  readonly previous: { readonly key: string; readonly lastHash: string; readonly sha256: string; readonly toSeq: number } | null;
}

export interface SegmentBytes {
  readonly fields: SegmentFields;
  /** The first event's chain members and what its content hashes to: checked against the event before it, in another segment. */
  readonly first: { readonly stream: string; readonly seq: number; readonly prev: string; readonly hash: string; readonly recomputed: string };
  readonly last: { readonly seq: number; readonly hash: string };
  readonly seqs: readonly number[];
}

/** An object schema of evidence-schema.ts with its field names as bytes, in canonical (sorted) order. */
interface Compiled {
  readonly names: readonly string[];
  readonly bytes: readonly Uint8Array[];
  /** Per field, the schema of its value when that is an object schema; undefined for VALUE (any JSON value). */
  readonly inner: readonly (Compiled | undefined)[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function compile(schema: { readonly [field: string]: FieldSchema }): Compiled {
  const names = Object.keys(schema).sort();
  return {
    names,
    bytes: names.map((name) => encoder.encode(name)),
    inner: names.map((name) => {
      const inner = schema[name];
      return inner === VALUE ? undefined : compile(inner);
    }),
  };
}

const EVENT = compile(EVENT_FIELDS);
const TYPES = Object.keys(EVENT_DETAILS).sort();
/** The documented event types, each with its details schema, found by the type's bytes as a field is. */
const DETAILS: Compiled = { names: TYPES, bytes: TYPES.map((type) => encoder.encode(type)), inner: TYPES.map((type) => compile(EVENT_DETAILS[type])) };
const PERSON_ACTOR = compile(PERSON);
const SYSTEM = compile(SYSTEM_ACTOR);
/** Any actor member: read first to learn whether the actor is a system (it has `system`) or a person. */
const ACTOR_MEMBERS = compile(Object.fromEntries([...PERSON_ACTOR.names, ...SYSTEM.names].map((name) => [name, VALUE])));
const ACTOR_SYSTEM = ACTOR_MEMBERS.names.indexOf('system');

/** The segment's own members, which are fixed, in canonical order: the text around its events. */
const OPENING = encoder.encode('{"events":[');
const EXPORTED_AT = encoder.encode(',"exportedAt":');
const FORMAT = encoder.encode(',"format":');
const FROM_SEQ = encoder.encode(',"fromSeq":');
const KIND = encoder.encode(',"kind":');
const PREVIOUS = encoder.encode(',"previous":');
const STREAM = encoder.encode(',"stream":');
const TO_SEQ = encoder.encode(',"toSeq":');
const NULL = encoder.encode('null');
const LINK_KEY = encoder.encode('{"key":');
const LINK_LAST_HASH = encoder.encode(',"lastHash":');
const LINK_SHA256 = encoder.encode(',"sha256":');
const CLOSE = encoder.encode('}');

/** The segment read from `bytes`, or undefined when the long way must examine them (see above). */
export function readSegmentBytes(bytes: Uint8Array): SegmentBytes | undefined {
  if (!isUtf8(bytes)) return undefined;
  try {
    // A plain view: a Buffer's subarray builds a Buffer, which costs more than the read around it.
    return new SegmentReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).segment();
  } catch (error) {
    // Nesting deeper than the stack: the long way reads such a text, or names it.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * Which of `schema`'s fields, from `cursor` on, the key whose text spans [from, to) (quotes included)
 * names; -1 when none. Called with the field after the previous key's as `cursor`, a match is also
 * the canonical order check: the key sorts strictly after the one before it, as the names do.
 */
function find(schema: Compiled, bytes: Uint8Array, from: number, to: number, cursor: number): number {
  const length = to - from - 2;
  for (let index = cursor; index < schema.bytes.length; index++) {
    const name = schema.bytes[index];
    let order = name.length - length;
    for (let at = 0; at < name.length && at < length; at++) {
      if (name[at] !== bytes[from + 1 + at]) {
        order = name[at] - bytes[from + 1 + at];
        break;
      }
    }
    if (order === 0) return index;
    // The schema's names and the text's keys are both in ascending order: a name past the key means the key is none of them.
    if (order > 0) return -1;
  }
  return -1;
}

/** Whether two spans of `bytes` are the same bytes (for canonical strings: the same string). */
function same(bytes: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let at = 0; at < aTo - aFrom; at++) if (bytes[aFrom + at] !== bytes[bFrom + at]) return false;
  return true;
}

/** Whether the string whose text spans [from, to) with its quotes is `text`, an ASCII string (a hex digest). */
function spells(bytes: Uint8Array, from: number, to: number, text: string): boolean {
  if (to - from - 2 !== text.length) return false;
  for (let at = 0; at < text.length; at++) if (bytes[from + 1 + at] !== text.charCodeAt(at)) return false;
  return true;
}

/** Scratch space for an event's text without its hash member, grown to the longest segment read. */
let body = new Uint8Array(64 * 1024);

class SegmentReader extends CanonicalReader {
  // The event just read: where it and its members lie, [from, to) with quotes for strings.
  private eventFrom = 0;
  private hashMemberFrom = -1;
  private hashFrom = -1;
  private hashTo = -1;
  private prevFrom = -1;
  private prevTo = -1;
  private streamFrom = -1;
  private streamTo = -1;
  private typeFrom = -1;
  private typeTo = -1;
  private detailsFrom = -1;
  private seq = Number.NaN;
  private recomputed = '';

  constructor(bytes: Uint8Array) {
    super(bytes);
    if (body.length < bytes.length) body = new Uint8Array(bytes.length);
  }

  segment(): SegmentBytes | undefined {
    const { bytes } = this;
    if (!this.expect(OPENING)) return undefined;
    const seqs: number[] = [];
    let first: SegmentBytes['first'] | undefined;
    let firstStream = [0, 0];
    let lastHash = [0, 0];
    for (;;) {
      if (!this.event()) return undefined;
      if (!first) {
        first = { stream: this.text(this.streamFrom, this.streamTo), seq: this.seq, prev: this.text(this.prevFrom, this.prevTo), hash: this.text(this.hashFrom, this.hashTo), recomputed: this.recomputed };
        firstStream = [this.streamFrom, this.streamTo];
      } else if (
        !same(bytes, this.streamFrom, this.streamTo, firstStream[0], firstStream[1])
        || this.seq !== seqs[seqs.length - 1] + 1
        || !same(bytes, this.prevFrom, this.prevTo, lastHash[0], lastHash[1])
        || !spells(bytes, this.hashFrom, this.hashTo, this.recomputed)
      ) return undefined;
      seqs.push(this.seq);
      lastHash = [this.hashFrom, this.hashTo];
      const next = bytes[this.at++];
      if (next === CLOSE_ARRAY) break;
      if (next !== COMMA) return undefined;
    }
    const exportedAt = this.stringAfter(EXPORTED_AT);
    const format = this.stringAfter(FORMAT);
    const fromSeq = this.integerAfter(FROM_SEQ);
    const kind = this.stringAfter(KIND);
    if (exportedAt === undefined || format === undefined || fromSeq === undefined || kind === undefined || !this.expect(PREVIOUS)) return undefined;
    let previous: SegmentFields['previous'] = null;
    if (!this.expect(NULL)) {
      const key = this.stringAfter(LINK_KEY);
      const lastHashText = this.stringAfter(LINK_LAST_HASH);
      const sha256 = this.stringAfter(LINK_SHA256);
      const linkToSeq = this.integerAfter(TO_SEQ);
      if (key === undefined || lastHashText === undefined || sha256 === undefined || linkToSeq === undefined || !this.expect(CLOSE)) return undefined;
      previous = { key, lastHash: lastHashText, sha256, toSeq: linkToSeq };
    }
    const stream = this.stringAfter(STREAM);
    const toSeq = this.integerAfter(TO_SEQ);
    if (stream === undefined || toSeq === undefined || !this.expect(CLOSE) || this.at !== bytes.length) return undefined;
    // Every event after the first is checked against the segment's stream, as checkLink does.
    if (seqs.length > 1 && first!.stream !== stream) return undefined;
    return {
      fields: { format, kind, stream, fromSeq, toSeq, exportedAt, previous },
      first: first!,
      last: { seq: seqs[seqs.length - 1], hash: this.text(lastHash[0], lastHash[1]) },
      seqs,
    };
  }

  /**
   * One event: an object of documented members in canonical order, with `hash`, `prev`, `stream` and
   * `type` strings, `seq` an integer, and `type` a documented event type whose details keep to its
   * schema. Sets the fields above and what the event's content hashes to.
   */
  private event(): boolean {
    const { bytes } = this;
    this.eventFrom = this.at;
    this.hashMemberFrom = this.prevFrom = this.streamFrom = this.typeFrom = this.detailsFrom = -1;
    this.seq = Number.NaN;
    if (bytes[this.at++] !== OPEN_OBJECT) return false;
    let cursor = 0;
    for (;;) {
      const from = this.at;
      if (!this.plainKey()) return false;
      const field = find(EVENT, bytes, from, this.at, cursor);
      if (field < 0 || bytes[this.at++] !== COLON) return false;
      cursor = field + 1;
      const valueFrom = this.at;
      switch (EVENT.names[field]) {
        case 'actor':
          if (!this.actor()) return false;
          break;
        case 'details':
          // Its schema depends on the type, which sorts after it: checked once the type is known.
          this.detailsFrom = valueFrom;
          if (!this.value()) return false;
          break;
        case 'hash':
          this.hashMemberFrom = from;
          if (!this.quoted()) return false;
          this.hashFrom = valueFrom;
          this.hashTo = this.at;
          break;
        case 'prev':
          if (!this.quoted()) return false;
          this.prevFrom = valueFrom;
          this.prevTo = this.at;
          break;
        case 'stream':
          if (!this.quoted()) return false;
          this.streamFrom = valueFrom;
          this.streamTo = this.at;
          break;
        case 'type':
          if (!this.quoted()) return false;
          this.typeFrom = valueFrom;
          this.typeTo = this.at;
          break;
        case 'seq':
          if (!this.integer()) return false;
          this.seq = integerOf(bytes, valueFrom, this.at);
          break;
        default:
          if (!this.documented(EVENT.inner[field])) return false;
      }
      const next = bytes[this.at++];
      if (next === CLOSE_OBJECT) break;
      if (next !== COMMA) return false;
    }
    // `prev` sorts after `hash`, so a comma follows the hash member: the content is the text without both.
    if (this.hashMemberFrom < 0 || this.prevFrom < 0 || this.streamFrom < 0 || this.typeFrom < 0 || Number.isNaN(this.seq) || bytes[this.hashTo] !== COMMA) return false;
    const type = find(DETAILS, bytes, this.typeFrom, this.typeTo, 0);
    if (type < 0) return false;
    if (this.detailsFrom >= 0) {
      const end = this.at;
      this.at = this.detailsFrom;
      if (!this.documented(DETAILS.inner[type])) return false;
      this.at = end;
    }
    const before = this.hashMemberFrom - this.eventFrom;
    body.set(bytes.subarray(this.eventFrom, this.hashMemberFrom), 0);
    body.set(bytes.subarray(this.hashTo + 1, this.at), before);
    this.recomputed = hashOnce('sha256', body.subarray(0, before + this.at - this.hashTo - 1), 'hex');
    return true;
  }

  /**
   * An actor: a system when it has a `system` member, else a person; each is held to its own fields
   * (undocumentedFields). Read once with any actor member allowed, then its members checked against
   * the one schema; a member that schema gives an object schema is read again with it.
   */
  private actor(): boolean {
    const from = this.at;
    const seen: boolean[] = [];
    if (!this.documented(ACTOR_MEMBERS, seen)) return false;
    const schema = seen[ACTOR_SYSTEM] ? SYSTEM : PERSON_ACTOR;
    let flat = true;
    for (const [index, name] of ACTOR_MEMBERS.names.entries()) {
      if (!seen[index]) continue;
      const field = schema.names.indexOf(name);
      if (field < 0) return false;
      flat &&= schema.inner[field] === undefined;
    }
    if (flat) return true;
    this.at = from;
    return this.documented(schema);
  }

  /**
   * A value that keeps to `schema` where it is an object (undocumentedFields' extraFields): each
   * member is one of the schema's fields, and a member with an object schema is held to it in turn.
   * Any other value is any JSON value. `seen` learns which fields the object has.
   */
  private documented(schema: Compiled | undefined, seen?: boolean[]): boolean {
    const { bytes } = this;
    if (!schema || bytes[this.at] !== OPEN_OBJECT) return this.value();
    this.at++;
    if (bytes[this.at] === CLOSE_OBJECT) return ++this.at > 0;
    let cursor = 0;
    for (;;) {
      const from = this.at;
      if (!this.plainKey()) return false;
      const field = find(schema, bytes, from, this.at, cursor);
      if (field < 0 || bytes[this.at++] !== COLON || !this.documented(schema.inner[field])) return false;
      cursor = field + 1;
      if (seen) seen[field] = true;
      const next = bytes[this.at++];
      if (next === CLOSE_OBJECT) return true;
      if (next !== COMMA) return false;
    }
  }

  private quoted(): boolean {
    return this.bytes[this.at] === QUOTE && this.string();
  }

  /** Whether `spelling` comes next, reading past it if so. */
  private expect(spelling: Uint8Array): boolean {
    for (let index = 0; index < spelling.length; index++) if (this.bytes[this.at + index] !== spelling[index]) return false;
    this.at += spelling.length;
    return true;
  }

  private stringAfter(spelling: Uint8Array): string | undefined {
    const from = this.at + spelling.length;
    return this.expect(spelling) && this.quoted() ? this.text(from, this.at) : undefined;
  }

  private integerAfter(spelling: Uint8Array): number | undefined {
    const from = this.at + spelling.length;
    return this.expect(spelling) && this.integer() ? integerOf(this.bytes, from, this.at) : undefined;
  }

  /** The string whose canonical text spans [from, to), quotes included. */
  private text(from: number, to: number): string {
    const inner = this.bytes.subarray(from + 1, to - 1);
    return inner.includes(BACKSLASH) ? (JSON.parse(decoder.decode(this.bytes.subarray(from, to))) as string) : decoder.decode(inner);
  }
}

/** The integer the canonical reader accepted at [from, to): at most 15 digits, so exact. */
function integerOf(bytes: Uint8Array, from: number, to: number): number {
  const negative = bytes[from] === 0x2d;
  let value = 0;
  for (let at = negative ? from + 1 : from; at < to; at++) value = value * 10 + bytes[at] - 0x30;
  return negative ? -value : value;
}
