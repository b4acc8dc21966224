/**
 * Canonical JSON (documented in the README for auditors): objects with keys sorted by UTF-16 code
 * units, no whitespace, strings escaped as JSON.stringify does, integers as decimal digits,
 * `undefined` members omitted. Non-finite numbers are refused. This matches RFC 8785 for the values we
 * record (strings, integers, booleans, null, arrays, objects).
 */
// No Node imports: the web UI bundles this module (through csv.ts) as it is.
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot encode a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}
