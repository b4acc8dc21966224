/**
 * Canonical JSON (documented in the README for auditors): objects with keys sorted by UTF-16 code
 * units, no whitespace, strings escaped as JSON.stringify does, integers as decimal digits,
 * `undefined` members omitted. Non-finite numbers are refused. This matches RFC 8785 for the values we
 * record (strings, integers, booleans, null, arrays, objects).
 */
// No Node imports: the web UI bundles this module (through csv.ts) as it is.
// Written with loops and string appends, not entries/filter/map/join: `audit verify` hashes every
// event through it, and the intermediate arrays were most of its time.
export function canonicalJson(value: unknown): string {
  // JSON.parse keeps a canonical text's member order, so a value read from canonical bytes is already
  // in order, and the engine's own JSON.stringify then writes exactly the canonical form, far faster.
  return value !== undefined && inCanonicalOrder(value) ? JSON.stringify(value) : canonicalForm(value);
}

/**
 * True when JSON.stringify(value) is the canonical form: plain data only (no toJSON, no function,
 * no non-finite number) and every object's members already sorted.
 */
function inCanonicalOrder(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined': // omitted as a member and null in an array, by both
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!inCanonicalOrder(value[i])) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      let previous: string | undefined;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        if (previous !== undefined && !(previous < key)) return false;
        if (!inCanonicalOrder((value as Record<string, unknown>)[key])) return false;
        previous = key;
      }
      return true;
    }
    default:
      return false;
  }
}

function canonicalForm(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot encode a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalForm(value[i] ?? null);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as the format requires.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalForm(item)}`;
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}
