/**
 * Whether a JSON text is already in canonical form (canonical-json.ts), read from its UTF-8 bytes
 * without building or encoding any value: no whitespace, object members in strictly ascending key
 * order, strings escaped exactly as JSON.stringify escapes them, integers as plain digits. The reader
 * also refuses what is not JSON at all (a misspelt literal, a raw control character in a string, a
 * text cut short), so a text it accepts is one JSON.parse accepts, whether or not it was parsed first;
 * whether the bytes are valid UTF-8 is the caller's to check.
 * Conservative: it answers false for some canonical texts (a key with an escape or a non-ASCII
 * character, a number that is not an integer of at most 15 digits, a lone surrogate) and the reader
 * then encodes the value itself; it never answers true for a text that is not canonical.
 */
// No Node imports: like canonical-json.ts, this is plain code over bytes. The JSON bytes it names are
// exported for stored-event-hashes.ts, which walks the same texts.

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
/** Escapes JSON.stringify writes as a backslash and one letter: " \ b f n r t. */
const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x62, 0x66, 0x6e, 0x72, 0x74]);
/** Control characters JSON.stringify writes with a letter rather than \u00xx: 08 09 0a 0c 0d. */
const LETTERED_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);
/** Digits of an integer that JSON.stringify writes back digit for digit (below 10^15, safely exact). */
const MAX_DIGITS = 15;

/** True only when `bytes` (a text JSON.parse accepts) are exactly canonicalJson of the value they hold. */
export function isCanonicalJsonBytes(bytes: Uint8Array): boolean {
  const reader = new CanonicalReader(bytes);
  return reader.value() && reader.at === bytes.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];
/** Below this, a byte is a control character, which a JSON string holds only escaped. */
const SPACE = 0x20;

/**
 * A recursive reader of one value at `at`, each method answering whether what it read is canonical
 * JSON; on false, `at` is left anywhere. Exported for segment-bytes.ts, which reads segments with it.
 */
export class CanonicalReader {
  at = 0;
  constructor(protected readonly bytes: Uint8Array) {}

  value(): boolean {
    switch (this.bytes[this.at]) {
      case OPEN_OBJECT:
        return this.object();
      case OPEN_ARRAY:
        return this.array();
      case QUOTE:
        return this.string();
      case 0x74:
        return this.literal(TRUE);
      case 0x6e:
        return this.literal(NULL);
      case 0x66:
        return this.literal(FALSE);
      default:
        return this.integer();
    }
  }

  private literal(spelling: readonly number[]): boolean {
    for (const byte of spelling) if (this.bytes[this.at++] !== byte) return false;
    return true;
  }

  private object(): boolean {
    const { bytes } = this;
    this.at++;
    if (bytes[this.at] === CLOSE_OBJECT) return ++this.at > 0;
    let previousFrom = -1;
    let previousTo = -1;
    for (;;) {
      const from = this.at;
      if (!this.plainKey()) return false;
      if (previousFrom >= 0 && !this.before(previousFrom, previousTo, from, this.at)) return false;
      previousFrom = from;
      previousTo = this.at;
      if (bytes[this.at++] !== COLON || !this.value()) return false;
      const next = bytes[this.at++];
      if (next === CLOSE_OBJECT) return true;
      if (next !== COMMA) return false;
    }
  }

  private array(): boolean {
    const { bytes } = this;
    this.at++;
    if (bytes[this.at] === CLOSE_ARRAY) return ++this.at > 0;
    for (;;) {
      if (!this.value()) return false;
      const next = bytes[this.at++];
      if (next === CLOSE_ARRAY) return true;
      if (next !== COMMA) return false;
    }
  }

  /** A key of printable ASCII without escapes, whose bytes then sort as its UTF-16 code units do. */
  plainKey(): boolean {
    const { bytes } = this;
    if (bytes[this.at] !== QUOTE) return false;
    for (this.at++; ; this.at++) {
      const byte = bytes[this.at];
      if (byte === QUOTE) return ++this.at > 0;
      // Past the end, byte is undefined and every comparison below is false but the last.
      if (byte === BACKSLASH || byte >= 0x80 || !(byte >= SPACE)) return false;
    }
  }

  /** The key spanning [aFrom, aTo) sorts strictly before the one spanning [bFrom, bTo) (quotes included). */
  before(aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
    const { bytes } = this;
    const a = aTo - aFrom - 1;
    const b = bTo - bFrom - 1;
    for (let index = 1; index < a && index < b; index++) {
      if (bytes[aFrom + index] !== bytes[bFrom + index]) return bytes[aFrom + index] < bytes[bFrom + index];
    }
    return a < b;
  }

  string(): boolean {
    const { bytes } = this;
    for (this.at++; ; ) {
      // Most of a text is plain string bytes: skipped here with a local index, the hot loop of a read.
      let at = this.at;
      let byte = bytes[at];
      while (byte !== QUOTE && byte !== BACKSLASH && byte >= SPACE) byte = bytes[++at];
      this.at = at;
      if (byte === QUOTE) return ++this.at > 0;
      if (byte !== BACKSLASH) return false; // a raw control character, or the end of the text
      const escaped = bytes[this.at + 1];
      if (SHORT_ESCAPES.has(escaped)) {
        this.at += 2;
        continue;
      }
      // \u00xx, lower-case hex, for a control character JSON.stringify does not write with a letter.
      if (escaped !== 0x75 || bytes[this.at + 2] !== ZERO || bytes[this.at + 3] !== ZERO) return false;
      const high = bytes[this.at + 4];
      const low = bytes[this.at + 5];
      const lowValue = low >= ZERO && low <= NINE ? low - ZERO : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
      if ((high !== ZERO && high !== ZERO + 1) || lowValue < 0 || LETTERED_CONTROLS.has((high - ZERO) * 16 + lowValue)) return false;
      this.at += 6;
    }
  }

  /** -?(0|[1-9][0-9]*), at most MAX_DIGITS digits, no fraction or exponent, and never -0. */
  integer(): boolean {
    const { bytes } = this;
    const negative = bytes[this.at] === MINUS;
    if (negative) this.at++;
    const from = this.at;
    while (bytes[this.at] >= ZERO && bytes[this.at] <= NINE) this.at++;
    const digits = this.at - from;
    if (digits === 0 || digits > MAX_DIGITS) return false;
    if (bytes[from] === ZERO && (digits > 1 || negative)) return false;
    const next = bytes[this.at];
    return next !== 0x2e && next !== 0x65 && next !== 0x45; // . e E
  }
}
