/**
 * PostgreSQL type facts and value conversions: which JDBC type and Data API value kind each built-in
 * type maps to, and how its text form becomes a normalised cell value (pgjdbc's view, since the
 * Data API is a JDBC client).
 */
import { JDBC, UNKNOWN_LENGTH, type CellValue, type ValueKind } from './sql-backend';

export interface PgTypeInfo {
  typeName: string;
  jdbc: number;
  kind: Exclude<ValueKind, 'array'>;
  signed?: boolean;
  caseSensitive?: boolean;
  currency?: boolean;
  /** Timestamp-with-time-zone text needs converting to UTC. */
  tz?: boolean;
}

/** A type pgjdbc reports as OTHER, whose values the Data API returns as text (stringValue). */
export const otherType = (typeName: string): PgTypeInfo => ({ typeName, jdbc: JDBC.OTHER, kind: 'string' });

/** The built-in types pgjdbc reports as OTHER, by OID. */
const OTHER_TYPES: Record<number, string> = {
  24: 'regproc', 28: 'xid', 650: 'cidr', 774: 'macaddr8', 829: 'macaddr', 869: 'inet', 1186: 'interval',
  1562: 'varbit', 2249: 'record', 2278: 'void', 2950: 'uuid', 3614: 'tsvector', 3615: 'tsquery',
  4072: 'jsonpath',
};

export const PG_TYPES: Record<number, PgTypeInfo> = {
  16: { typeName: 'bool', jdbc: JDBC.BIT, kind: 'boolean' },
  17: { typeName: 'bytea', jdbc: JDBC.BINARY, kind: 'blob' },
  18: { typeName: 'char', jdbc: JDBC.CHAR, kind: 'string', caseSensitive: true },
  19: { typeName: 'name', jdbc: JDBC.VARCHAR, kind: 'string', caseSensitive: true },
  20: { typeName: 'int8', jdbc: JDBC.BIGINT, kind: 'long', signed: true },
  21: { typeName: 'int2', jdbc: JDBC.SMALLINT, kind: 'long', signed: true },
  23: { typeName: 'int4', jdbc: JDBC.INTEGER, kind: 'long', signed: true },
  25: { typeName: 'text', jdbc: JDBC.VARCHAR, kind: 'string', caseSensitive: true },
  26: { typeName: 'oid', jdbc: JDBC.BIGINT, kind: 'long' },
  114: { typeName: 'json', jdbc: JDBC.OTHER, kind: 'string', caseSensitive: true },
  142: { typeName: 'xml', jdbc: JDBC.SQLXML, kind: 'string', caseSensitive: true },
  700: { typeName: 'float4', jdbc: JDBC.REAL, kind: 'double', signed: true },
  701: { typeName: 'float8', jdbc: JDBC.DOUBLE, kind: 'double', signed: true },
  705: { typeName: 'unknown', jdbc: JDBC.OTHER, kind: 'string', caseSensitive: true },
  790: { typeName: 'money', jdbc: JDBC.DOUBLE, kind: 'string', signed: true, currency: true },
  1042: { typeName: 'bpchar', jdbc: JDBC.CHAR, kind: 'string', caseSensitive: true },
  1043: { typeName: 'varchar', jdbc: JDBC.VARCHAR, kind: 'string', caseSensitive: true },
  1082: { typeName: 'date', jdbc: JDBC.DATE, kind: 'string' },
  1083: { typeName: 'time', jdbc: JDBC.TIME, kind: 'string' },
  1114: { typeName: 'timestamp', jdbc: JDBC.TIMESTAMP, kind: 'string' },
  1184: { typeName: 'timestamptz', jdbc: JDBC.TIMESTAMP, kind: 'string', tz: true },
  1266: { typeName: 'timetz', jdbc: JDBC.TIME, kind: 'string' },
  1560: { typeName: 'bit', jdbc: JDBC.BIT, kind: 'string' },
  1700: { typeName: 'numeric', jdbc: JDBC.NUMERIC, kind: 'decimal', signed: true },
  3802: { typeName: 'jsonb', jdbc: JDBC.OTHER, kind: 'string', caseSensitive: true },
  ...Object.fromEntries(Object.entries(OTHER_TYPES).map(([oid, typeName]) => [oid, otherType(typeName)])),
};

/** Array type OID → element type OID, for the built-in array types. */
export const PG_ARRAYS: Record<number, number> = {
  1000: 16, 1001: 17, 1002: 18, 1003: 19, 1016: 20, 1005: 21, 1007: 23, 1009: 25, 1028: 26,
  199: 114, 143: 142, 651: 650, 1021: 700, 1022: 701, 791: 790, 1040: 829, 1041: 869,
  1014: 1042, 1015: 1043, 1182: 1082, 1183: 1083, 1115: 1114, 1185: 1184, 1187: 1186,
  1270: 1266, 1561: 1560, 1563: 1562, 1231: 1700, 2951: 2950, 3807: 3802,
};

/** Type description resolved for one result column. */
export interface PgResolvedType {
  info: PgTypeInfo;
  /** Element info when the column is an array. */
  element?: PgTypeInfo;
}

export function pgPrecisionScale(info: PgTypeInfo, oid: number, typmod: number): { precision: number; scale: number } {
  switch (oid) {
    case 21: return { precision: 5, scale: 0 };
    case 23: case 26: return { precision: 10, scale: 0 };
    case 20: return { precision: 19, scale: 0 };
    case 700: return { precision: 8, scale: 8 };
    case 701: return { precision: 17, scale: 17 };
    case 16: return { precision: 1, scale: 0 };
    case 1700:
      return typmod === -1 ? { precision: 0, scale: 0 } : { precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff };
    case 18: case 1042: case 1043:
      return { precision: typmod === -1 ? UNKNOWN_LENGTH : typmod - 4, scale: 0 };
    case 1082: return { precision: 13, scale: 0 };
    case 1083: case 1266: {
      const frac = typmod === -1 ? 6 : typmod;
      return { precision: (oid === 1266 ? 14 : 8) + (frac > 0 ? frac + 1 : 0), scale: frac };
    }
    case 1114: case 1184: {
      const frac = typmod === -1 ? 6 : typmod;
      return { precision: (oid === 1184 ? 22 : 19) + (frac > 0 ? frac + 1 : 0), scale: frac };
    }
    case 1186: return { precision: 49, scale: 0 };
    case 2950: return { precision: 36, scale: 0 };
    default:
      return { precision: info.kind === 'string' || info.kind === 'blob' ? UNKNOWN_LENGTH : 0, scale: 0 };
  }
}

const PG_TS_RE = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?([+-]\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

/** `2024-01-02 03:04:05.123+02` → `2024-01-02 01:04:05.123` (UTC, no offset, as the Data API prints). */
function timestamptzToUtc(text: string): string {
  const m = PG_TS_RE.exec(text);
  if (!m || m[11]) return text;
  const sign = m[8][0] === '-' ? -1 : 1;
  const offsetSeconds = sign * (Math.abs(Number(m[8])) * 3600 + Number(m[9] ?? 0) * 60 + Number(m[10] ?? 0));
  if (offsetSeconds === 0) return text.slice(0, text.length - (m[0].length - m[0].indexOf(m[8], 19)));
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetSeconds * 1000;
  const d = new Date(ms);
  const pad = (v: number, w = 2) => String(v).padStart(w, '0');
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${m[7] ?? ''}`;
}

function hexToBytes(text: string): Uint8Array {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  // Legacy escape format (bytea_output = 'escape').
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      if (text[i + 1] === '\\') {
        bytes.push(92);
        i++;
      } else {
        bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else bytes.push(text.charCodeAt(i));
  }
  return Uint8Array.from(bytes);
}

export function pgScalar(text: string, info: PgTypeInfo): CellValue {
  switch (info.kind) {
    case 'boolean':
      return text === 't' || text === 'true';
    case 'double': {
      const v = Number(text);
      return Number.isFinite(v) ? v : text;
    }
    case 'blob':
      return hexToBytes(text);
    case 'string':
      return info.tz ? timestamptzToUtc(text) : text;
    default:
      return text; // long, decimal: exact digits
  }
}

/** Parse a Postgres array literal (`{1,2,NULL}`, `{{a,b},{c,d}}`, `[0:1]={x,y}`) into nested arrays. */
export function parsePgArray(text: string, element: (s: string) => CellValue): CellValue[] {
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const parse = (): CellValue[] => {
    const out: CellValue[] = [];
    i++; // {
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') out.push(parse());
      else if (text[i] === '"') {
        let s = '';
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i++];
        }
        i++;
        out.push(element(s));
      } else {
        let j = i;
        while (j < text.length && text[j] !== ',' && text[j] !== '}') j++;
        const raw = text.slice(i, j);
        i = j;
        out.push(raw === 'NULL' ? null : element(raw));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      i++; // }
      return out;
    }
  };
  return parse();
}

