/**
 * Types across the gateway: Data API column type names to PostgreSQL type OIDs (what drivers use to
 * parse values), JSON result values to the wire's text and binary formats, and the values a client
 * binds to `$n` to Data API parameters.
 *
 * Parameters are bound, never pasted into the SQL. A parameter whose type the client declared in Parse
 * is sent as that type (natively for integers, floats, booleans, bytea and text; otherwise as text
 * with an explicit CAST in the statement, which PostgreSQL's input function parses exactly as it would
 * a typed bind). A parameter the client left untyped (the `pg` driver declares none) is inferred from
 * its text: canonical integers as integers, canonical decimals as DECIMAL, true/false as booleans,
 * anything else as text. Each inference converts back to the same text, so an insert into a text
 * column stores what was sent; a comparison with a column of another type fails loudly, and `$1::type`
 * in the SQL states the type outright.
 */
import type { SqlParameter } from '../lib/api';
import type { FieldDescription } from './wire';

/** OIDs of the types the Data API names (pg_type.typname), serial aliases included. */
const OIDS: Record<string, number> = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, regproc: 24, text: 25, oid: 26,
  json: 114, xml: 142, cidr: 650, float4: 700, float8: 701, unknown: 705, macaddr8: 774, money: 790,
  macaddr: 829, inet: 869, bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114,
  timestamptz: 1184, interval: 1186, timetz: 1266, bit: 1560, varbit: 1562, numeric: 1700, uuid: 2950,
  jsonb: 3802, serial: 23, bigserial: 20, smallserial: 21,
  _bool: 1000, _bytea: 1001, _int2: 1005, _int4: 1007, _text: 1009, _bpchar: 1014, _varchar: 1015,
  _int8: 1016, _float4: 1021, _float8: 1022, _timestamp: 1115, _date: 1182, _time: 1183,
  _timestamptz: 1185, _numeric: 1231, _uuid: 2951, _json: 199, _jsonb: 3807,
};

const NAMES = new Map(Object.entries(OIDS).filter(([name]) => !name.endsWith('serial')).map(([name, oid]) => [oid, name]));

const SIZES: Record<number, number> = { 16: 1, 18: 1, 20: 8, 21: 2, 23: 4, 26: 4, 700: 4, 701: 8, 1082: 4, 1083: 8, 1114: 8, 1184: 8, 2950: 16 };

/** Types whose binary form the gateway writes; a column of another type asked in binary is sent as text. */
const BINARY_OUT = new Set([16, 17, 19, 20, 21, 23, 25, 26, 114, 700, 701, 705, 1042, 1043, 2950, 3802]);

export const TEXT_OID = 25;

/** The OID for a Data API type name; unknown names (enums, domains, extensions) travel as text. */
export function typeOid(typeName: string | undefined): number {
  return OIDS[(typeName ?? '').toLowerCase()] ?? TEXT_OID;
}

export interface ResultColumn {
  readonly name: string;
  readonly type?: string;
}

/** RowDescription fields for the result formats the client asked for (one code for all, or one per column). */
export function describeColumns(columns: readonly ResultColumn[], formats: readonly number[]): FieldDescription[] {
  return columns.map((column, index) => {
    const wanted = (formats.length === 1 ? formats[0] : formats[index]) === 1;
    const oid = typeOid(column.type);
    const binary = wanted && BINARY_OUT.has(oid);
    // Asked for binary in a type without a binary writer here: say "text" so the client reads the bytes right.
    const typeOidOut = wanted && !binary ? TEXT_OID : oid;
    return { name: column.name, typeOid: typeOidOut, typeSize: SIZES[typeOidOut] ?? -1, format: wanted ? 1 : 0 };
  });
}

/** PostgreSQL array literal for an array the Data API returned. */
function arrayLiteral(values: readonly unknown[]): string {
  return `{${values
    .map((value) => {
      if (value === null || value === undefined) return 'NULL';
      if (Array.isArray(value)) return arrayLiteral(value);
      const text = typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
      return text === '' || /[{},"\\\s]/.test(text) || text.toUpperCase() === 'NULL' ? `"${text.replace(/["\\]/g, '\\$&')}"` : text;
    })
    .join(',')}}`;
}

/** One value in the text format a PostgreSQL server would send for this column type. */
export function textValue(value: unknown, oid: number): string {
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Array.isArray(value)) return arrayLiteral(value);
  if (oid === 17 && typeof value === 'string') return `\\x${Buffer.from(value, 'base64').toString('hex')}`;
  // The Data API hands timestamptz back in UTC without an offset; a driver would read it as local time.
  if (oid === 1184 && typeof value === 'string' && !/([+-]\d{2}(:?\d{2})?|Z)$/.test(value)) return `${value}+00`;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  return JSON.stringify(value);
}

function binaryValue(value: unknown, oid: number): Buffer {
  switch (oid) {
    case 16:
      return Buffer.from([value === true || value === 't' ? 1 : 0]);
    case 21: {
      const b = Buffer.alloc(2);
      b.writeInt16BE(Number(value));
      return b;
    }
    case 23:
    case 26: {
      const b = Buffer.alloc(4);
      if (oid === 26) b.writeUInt32BE(Number(value));
      else b.writeInt32BE(Number(value));
      return b;
    }
    case 20: {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(BigInt(value as number | string));
      return b;
    }
    case 700: {
      const b = Buffer.alloc(4);
      b.writeFloatBE(Number(value));
      return b;
    }
    case 701: {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(value));
      return b;
    }
    case 17:
      return Buffer.from(String(value), 'base64');
    case 2950:
      return Buffer.from(String(value).replace(/-/g, ''), 'hex');
    case 3802:
      // jsonb's binary form is a version byte (1) and the JSON text.
      return Buffer.concat([Buffer.from([1]), Buffer.from(textValue(value, oid), 'utf8')]);
    default:
      return Buffer.from(textValue(value, oid), 'utf8');
  }
}

/** A DataRow's values for the described fields. */
export function encodeRow(row: readonly unknown[], fields: readonly FieldDescription[], columns: readonly ResultColumn[]): (Buffer | null)[] {
  return fields.map((field, index) => {
    const value = row[index];
    if (value === null || value === undefined) return null;
    const oid = typeOid(columns[index]?.type);
    return field.format === 1 && field.typeOid !== TEXT_OID ? binaryValue(value, oid) : Buffer.from(textValue(value, oid), 'utf8');
  });
}

/** A bind failure the client caused: reported with SQLSTATE 22P02 (invalid text representation) etc. */
export class ParameterError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface BoundParameter {
  readonly parameter: SqlParameter;
  /** A type to CAST the placeholder to in the SQL, when the value travels as text. */
  readonly cast?: string;
}

const INTEGER = /^(0|-?[1-9]\d*)$/;
const DECIMAL = /^-?(0|[1-9]\d*)\.\d+$/;
const NEGATIVE_ZERO = /^-0(\.0+)?$/;

const integerParameter = (name: string, text: string): SqlParameter => {
  const value = Number(text);
  return Number.isSafeInteger(value) ? { name, value: { longValue: value } } : { name, value: { stringValue: text }, typeHint: 'DECIMAL' };
};

function inferFromText(name: string, text: string): BoundParameter {
  if (INTEGER.test(text)) return { parameter: integerParameter(name, text) };
  if (DECIMAL.test(text) && !NEGATIVE_ZERO.test(text)) return { parameter: { name, value: { stringValue: text }, typeHint: 'DECIMAL' } };
  if (text === 'true' || text === 'false') return { parameter: { name, value: { booleanValue: text === 'true' } } };
  return { parameter: { name, value: { stringValue: text } } };
}

function parseBoolean(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (['t', 'true', 'y', 'yes', 'on', '1'].includes(value)) return true;
  if (['f', 'false', 'n', 'no', 'off', '0'].includes(value)) return false;
  throw new ParameterError(`invalid input syntax for type boolean: "${text}"`, '22P02');
}

function textParameter(name: string, oid: number, text: string): BoundParameter {
  switch (oid) {
    case 0:
    case 705:
      return inferFromText(name, text);
    case 16:
      return { parameter: { name, value: { booleanValue: parseBoolean(text) } } };
    case 20:
    case 21:
    case 23:
    case 26:
      if (!INTEGER.test(text.trim())) throw new ParameterError(`invalid input syntax for type ${NAMES.get(oid)}: "${text}"`, '22P02');
      return { parameter: integerParameter(name, text.trim()), ...(oid === 20 ? {} : { cast: NAMES.get(oid) }) };
    case 700:
    case 701: {
      const value = Number(text);
      if (text.trim() === '' || Number.isNaN(value) || !Number.isFinite(value)) return { parameter: { name, value: { stringValue: text } }, cast: NAMES.get(oid) };
      return { parameter: { name, value: { doubleValue: value } }, ...(oid === 700 ? { cast: 'float4' } : {}) };
    }
    case 17:
      return { parameter: { name, value: { blobValue: decodeByteaText(text).toString('base64') } } };
    case 25:
    case 1043:
      return { parameter: { name, value: { stringValue: text } }, ...(oid === 1043 ? { cast: 'varchar' } : {}) };
    default: {
      const type = NAMES.get(oid);
      if (!type) throw new ParameterError(`parameter $${name.slice(1)} has type OID ${oid}, which the gateway cannot bind; cast it in the SQL instead ($${name.slice(1)}::yourtype) and send it untyped`, '0A000');
      return { parameter: { name, value: { stringValue: text } }, cast: type };
    }
  }
}

function decodeByteaText(text: string): Buffer {
  if (/^\\x/i.test(text)) return Buffer.from(text.slice(2), 'hex');
  // escape format: \\ and \ooo octal escapes, everything else literal
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '\\') {
      bytes.push(92);
      i++;
    } else if (text[i] === '\\' && /^[0-7]{3}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes);
}

function binaryParameter(name: string, oid: number, bytes: Buffer): BoundParameter {
  const need = (length: number) => {
    if (bytes.length !== length) throw new ParameterError(`incorrect binary data format in bind parameter ${name.slice(1)}`, '22P03');
  };
  switch (oid) {
    case 0:
    case 17:
      // The pg driver sends Buffers in binary without a type: they are bytea.
      return { parameter: { name, value: { blobValue: bytes.toString('base64') } } };
    case 16:
      need(1);
      return { parameter: { name, value: { booleanValue: bytes[0] !== 0 } } };
    case 21:
      need(2);
      return { parameter: { name, value: { longValue: bytes.readInt16BE() } }, cast: 'int2' };
    case 23:
      need(4);
      return { parameter: { name, value: { longValue: bytes.readInt32BE() } }, cast: 'int4' };
    case 26:
      need(4);
      return { parameter: { name, value: { longValue: bytes.readUInt32BE() } }, cast: 'oid' };
    case 20:
      need(8);
      return { parameter: integerParameter(name, bytes.readBigInt64BE().toString()) };
    case 700:
      need(4);
      return { parameter: { name, value: { doubleValue: bytes.readFloatBE() } }, cast: 'float4' };
    case 701:
      need(8);
      return { parameter: { name, value: { doubleValue: bytes.readDoubleBE() } } };
    case 25:
    case 1043:
    case 19:
    case 114:
      return textParameter(name, oid, bytes.toString('utf8'));
    case 2950: {
      need(16);
      const hex = bytes.toString('hex');
      return { parameter: { name, value: { stringValue: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` }, typeHint: 'UUID' } };
    }
    default:
      throw new ParameterError(`binary format for parameters of type ${NAMES.get(oid) ?? `OID ${oid}`} is not supported by the gateway; send it in text format`, '0A000');
  }
}

/** Bind values (null for SQL NULL) to Data API parameters p1…pn, with the casts the SQL needs. */
export function bindParameters(values: readonly (Buffer | null)[], formats: readonly number[], declared: readonly number[]): BoundParameter[] {
  return values.map((value, index) => {
    const name = `p${index + 1}`;
    const oid = declared[index] ?? 0;
    const format = formats.length === 1 ? formats[0] : (formats[index] ?? 0);
    // A typed NULL keeps its type through the cast, so `coalesce($1, 0)` and friends still resolve.
    if (value === null) return { parameter: { name, value: { isNull: true } }, ...(oid && NAMES.has(oid) && oid !== TEXT_OID ? { cast: NAMES.get(oid) } : {}) };
    return format === 1 ? binaryParameter(name, oid, value) : textParameter(name, oid, value.toString('utf8'));
  });
}

/** What ParameterDescription reports: declared types as given, untyped ones as text (how they may be sent). */
export const describedParameterTypes = (declared: readonly number[], count: number): number[] =>
  Array.from({ length: Math.max(count, declared.length) }, (_, index) => declared[index] || TEXT_OID);
