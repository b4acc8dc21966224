/** Query results as the Data API returns them: `records` fields, `formattedRecords` JSON and column metadata. */
import { DataApiError, badRequest } from './data-api-error';
import type { CellValue, Column, QueryResult, ValueKind } from './sql-backend';

export type Json = Record<string, unknown>;

export interface ResultSetOptions {
  decimalReturnType?: string;
  longReturnType?: string;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

function longAsNumber(text: string): number | undefined {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const b = BigInt(text);
  return b <= MAX_SAFE && b >= MIN_SAFE ? Number(b) : undefined;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export function scalarField(v: CellValue, kind: ValueKind, opts: ResultSetOptions): Json {
  if (v === null) return { isNull: true };
  switch (kind) {
    case 'long': {
      const text = String(v);
      if (opts.longReturnType === 'STRING') return { stringValue: text };
      const n = longAsNumber(text);
      return n === undefined ? { stringValue: text } : { longValue: n };
    }
    case 'double':
      return typeof v === 'number' ? { doubleValue: v } : { stringValue: String(v) };
    case 'decimal': {
      const text = String(v);
      if (opts.decimalReturnType === 'DOUBLE_OR_LONG') {
        if (/^[+-]?\d+$/.test(text)) {
          const n = longAsNumber(text);
          if (n !== undefined) return { longValue: n };
        }
        const d = Number(text);
        return Number.isFinite(d) ? { doubleValue: d } : { stringValue: text };
      }
      return { stringValue: text };
    }
    case 'boolean':
      return { booleanValue: v === true };
    case 'blob':
      return v instanceof Uint8Array ? { blobValue: base64(v) } : { stringValue: String(v) };
    default:
      return { stringValue: v instanceof Uint8Array ? base64(v) : String(v) };
  }
}

function arrayField(values: CellValue[], kind: Exclude<ValueKind, 'array'>, opts: ResultSetOptions): Json {
  if (values.some((x) => Array.isArray(x))) {
    throw new DataApiError('UnsupportedResultException', 'The result contains a multidimensional array, which is not supported');
  }
  const fields = values.map((x) => scalarField(x, kind, opts));
  const pick = (key: string) => fields.map((f) => (f.isNull ? null : f[key] ?? null));
  switch (kind) {
    case 'boolean':
      return { booleanValues: pick('booleanValue') };
    case 'double':
      return fields.every((f) => f.isNull || 'doubleValue' in f) ? { doubleValues: pick('doubleValue') } : { stringValues: fields.map((f) => (f.isNull ? null : String(Object.values(f)[0]))) };
    case 'long':
      return fields.every((f) => f.isNull || 'longValue' in f) ? { longValues: pick('longValue') } : { stringValues: pick('stringValue') };
    default:
      return { stringValues: fields.map((f) => (f.isNull ? null : String(f.stringValue ?? f.longValue ?? f.doubleValue ?? f.blobValue ?? ''))) };
  }
}

function toField(v: CellValue, col: Column, opts: ResultSetOptions): Json {
  if (v === null) return { isNull: true };
  if (col.valueKind === 'array') {
    if (!Array.isArray(v)) return { stringValue: String(v) };
    return { arrayValue: arrayField(v, col.elementKind ?? 'string', opts) };
  }
  return scalarField(v, col.valueKind, opts);
}

/** JSON text of one value in `formattedRecords` (AWS keeps 64-bit integers exact as JSON numbers). */
function jsonValue(v: CellValue, kind: ValueKind, elementKind: Exclude<ValueKind, 'array'> | undefined, opts: ResultSetOptions): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map((x) => jsonValue(x, Array.isArray(x) ? 'array' : elementKind ?? 'string', elementKind, opts)).join(',')}]`;
  switch (kind) {
    case 'long': {
      const text = String(v);
      return opts.longReturnType === 'STRING' || !/^-?\d+$/.test(text) ? JSON.stringify(text) : text;
    }
    case 'double':
      return typeof v === 'number' && Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
    case 'decimal': {
      const text = String(v);
      if (opts.decimalReturnType === 'DOUBLE_OR_LONG' && Number.isFinite(Number(text))) {
        return /^-?\d+$/.test(text) ? text.replace(/^(-?)0+(?=\d)/, '$1') : JSON.stringify(Number(text));
      }
      return JSON.stringify(text);
    }
    case 'boolean':
      return v === true ? 'true' : 'false';
    default:
      return JSON.stringify(v instanceof Uint8Array ? base64(v) : String(v));
  }
}

function formattedRecords(result: QueryResult, opts: ResultSetOptions): string {
  const labels = result.columns.map((c) => c.label);
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) {
      throw badRequest(`The result set contains more than one column named "${l}"; JSON format requires unique column labels`);
    }
    seen.add(l);
  }
  const keys = labels.map((l) => `${JSON.stringify(l)}:`);
  const cols = result.columns;
  const parts: string[] = new Array(result.rows.length);
  for (let r = 0; r < result.rows.length; r++) {
    const row = result.rows[r];
    let s = '{';
    for (let c = 0; c < cols.length; c++) {
      if (c > 0) s += ',';
      s += keys[c] + jsonValue(row[c], cols[c].valueKind, cols[c].elementKind, opts);
    }
    parts[r] = s + '}';
  }
  return `[${parts.join(',')}]`;
}

function columnMetadata(c: Column): Json {
  return {
    name: c.name,
    type: c.type,
    typeName: c.typeName,
    label: c.label,
    schemaName: c.schemaName,
    tableName: c.tableName,
    isAutoIncrement: c.isAutoIncrement,
    isSigned: c.isSigned,
    isCurrency: c.isCurrency,
    isCaseSensitive: c.isCaseSensitive,
    nullable: c.nullable,
    precision: c.precision,
    scale: c.scale,
    arrayBaseColumnType: c.arrayBaseColumnType,
  };
}


const TOO_LARGE = 'Database returned more than the allowed response size limit';

export interface ExecuteResponseOptions {
  format?: 'NONE' | 'JSON';
  resultOptions: ResultSetOptions;
  includeMetadata: boolean;
  /** Cap on a response carrying `records` (Data API: 1 MiB). */
  maxResponseBytes: number;
  /** Cap on a response carrying `formattedRecords` (Data API: 10 MB). */
  maxJsonResponseBytes: number;
}

/** The ExecuteStatement response body for a result; over its cap it is refused, as the Data API does. */
export function executeStatementResponse(result: QueryResult, opts: ExecuteResponseOptions): string {
  if (result.columns.length === 0) {
    const generated = (result.generatedFields ?? []).map((v) => scalarField(v, 'long', {}));
    return JSON.stringify({ numberOfRecordsUpdated: result.rowsAffected, generatedFields: generated });
  }
  if (opts.format === 'JSON') {
    const response = `{"formattedRecords":${JSON.stringify(formattedRecords(result, opts.resultOptions))},"numberOfRecordsUpdated":${result.rowsAffected}}`;
    if (Buffer.byteLength(response) > opts.maxJsonResponseBytes) throw badRequest(TOO_LARGE);
    return response;
  }
  const cols = result.columns;
  const records: Json[][] = new Array(result.rows.length);
  // Bail out as soon as the estimate passes the cap instead of building a huge response first.
  let estimate = 0;
  for (let r = 0; r < result.rows.length; r++) {
    const row = result.rows[r];
    const fields: Json[] = new Array(cols.length);
    for (let c = 0; c < cols.length; c++) {
      const v = row[c];
      fields[c] = toField(v, cols[c], opts.resultOptions);
      estimate += typeof v === 'string' ? v.length + 18 : v instanceof Uint8Array ? (v.byteLength * 4) / 3 + 16 : 20;
    }
    records[r] = fields;
    if (estimate > opts.maxResponseBytes) throw badRequest(TOO_LARGE);
  }
  const payload: Json = { records, numberOfRecordsUpdated: result.rowsAffected };
  if (opts.includeMetadata) payload.columnMetadata = cols.map(columnMetadata);
  const response = JSON.stringify(payload);
  if (Buffer.byteLength(response) > opts.maxResponseBytes) throw badRequest(TOO_LARGE);
  return response;
}
