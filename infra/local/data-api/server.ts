/**
 * A local server that speaks the RDS Data API wire protocol (AWS restJson1), so the executor Lambda's
 * unmodified `RDSDataClient` can run against a laptop database: point the client at
 * `endpoint: url`, any static credentials, region us-east-1.
 *
 * Fidelity matters more than features here: the product's behaviour in production is shaped by what
 * Aurora's Data API accepts and how it fails (one statement per call, the 1 MiB response cap, the
 * 45 s statement timeout, exception classes and messages, typeHint rules, Postgres parameters bound as
 * typed values rather than untyped literals). Reproducing those locally is what lets a query, or an
 * error path, that works on a laptop also work against Aurora. Where AWS behaviour is not documented
 * the choices are noted next to the code.
 *
 * Performance matters too (the benchmark compares the product against direct calls to this server):
 * backends stay open for the server's lifetime, catalog lookups are cached, responses are built
 * without intermediate copies.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  BackendDatabaseError,
  BackendUnavailableError,
  StatementTimeoutError,
  UnsupportedValueError,
  scanSql,
  type BackendTransaction,
  type CellValue,
  type Column,
  type QueryResult,
  type SqlBackend,
  type ValueKind,
} from './backends';
import { BodyTooLargeError, readBody } from '../read-body';

export interface DataApiFault {
  /** Exception name as AWS sends it in `x-amzn-errortype`, e.g. `DatabaseResumingException`. */
  type: string;
  message: string;
  /** HTTP status; defaults to the status AWS uses for that exception (400 when unknown). */
  status?: number;
}

export interface FaultInjector {
  /** Called before each operation; a returned fault is answered instead of running it. */
  next(op: string, sql: string): DataApiFault | undefined;
}

export interface DataApiServerOptions {
  port?: number;
  host?: string;
  /** Backends keyed by the cluster ARN (`resourceArn`). */
  backends: Map<string, SqlBackend>;
  /** clusterArn → the only secretArn accepted for it; clusters not listed accept any secret. */
  secretArns?: Map<string, string>;
  faults?: FaultInjector;
  /** Per-call statement timeout (Data API: 45 s). */
  statementTimeoutMs?: number;
  /** Cap on a response carrying `records` (Data API: 1 MiB). */
  maxResponseBytes?: number;
  /** Cap on a response carrying `formattedRecords` (Data API documents 10 MB for JSON results). */
  maxJsonResponseBytes?: number;
  /** A transaction untouched this long is rolled back and forgotten (Data API: 3 minutes). */
  transactionIdleTimeoutMs?: number;
  /**
   * AWS documents "Array parameters are not supported"; accepting `arrayValue` parameters (Postgres
   * only) is a local convenience and on by default. Set false to reject them like AWS.
   */
  allowArrayParameters?: boolean;
}

export interface DataApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** HTTP status AWS uses for each RDS Data API exception (from the service model). */
const ERROR_STATUS: Record<string, number> = {
  AccessDeniedException: 403,
  BadRequestException: 400,
  DatabaseErrorException: 400,
  DatabaseNotFoundException: 404,
  DatabaseResumingException: 400,
  DatabaseUnavailableException: 504,
  ForbiddenException: 403,
  HttpEndpointNotEnabledException: 400,
  InternalServerErrorException: 500,
  InvalidResourceStateException: 400,
  InvalidSecretException: 400,
  NotFoundException: 404,
  SecretsErrorException: 400,
  ServiceUnavailableError: 503,
  StatementTimeoutException: 400,
  TransactionNotFoundException: 404,
  UnsupportedResultException: 400,
};

class DataApiError extends Error {
  readonly status: number;
  constructor(
    readonly type: string,
    message: string,
    status?: number,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.status = status ?? ERROR_STATUS[type] ?? 400;
  }
}

const badRequest = (message: string) => new DataApiError('BadRequestException', message);

/**
 * A fault injector for tests: queue faults that the next matching calls answer with.
 * `push({type:'DatabaseResumingException', message:'...'}, 2)` fails the next two calls.
 */
export function createFaultQueue(): FaultInjector & {
  push(fault: DataApiFault, times?: number, match?: { op?: string; sqlIncludes?: string }): void;
  clear(): void;
  pending(): number;
} {
  const queue: Array<{ fault: DataApiFault; remaining: number; match?: { op?: string; sqlIncludes?: string } }> = [];
  return {
    push(fault, times = 1, match) {
      queue.push({ fault, remaining: times, match });
    },
    clear() {
      queue.length = 0;
    },
    pending() {
      return queue.reduce((n, e) => n + e.remaining, 0);
    },
    next(op, sql) {
      const idx = queue.findIndex(
        (e) => (!e.match?.op || e.match.op === op) && (!e.match?.sqlIncludes || sql.includes(e.match.sqlIncludes)),
      );
      if (idx < 0) return undefined;
      const entry = queue[idx];
      if (--entry.remaining <= 0) queue.splice(idx, 1);
      return entry.fault;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request shapes (as the SDK serialises them)
// ---------------------------------------------------------------------------------------------

interface ArrayValue {
  booleanValues?: (boolean | null)[];
  longValues?: (number | null)[];
  doubleValues?: (number | null)[];
  stringValues?: (string | null)[];
  arrayValues?: ArrayValue[];
}

interface FieldValue {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: ArrayValue;
}

interface SqlParameter {
  name?: string;
  value?: FieldValue;
  typeHint?: string;
}

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

interface BoundParameter {
  value: unknown;
  /** Postgres cast giving the placeholder the type the Data API binds it with. */
  pgType?: string;
}

const TYPE_HINT_PG: Record<string, string> = {
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  DECIMAL: 'numeric',
  JSON: 'json',
  UUID: 'uuid',
};

/** Templates the Data API parses typeHinted strings with (d = digit, f = optional fraction). */
const TYPE_HINT_FORMAT: Record<string, RegExp> = {
  DATE: /^\d{4}-\d{2}-\d{2}$/,
  TIME: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  TIMESTAMP: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  DECIMAL: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
  UUID: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
};
const TYPE_HINT_TEMPLATE: Record<string, string> = { DATE: 'dddd-dd-dd', TIME: 'dd:dd:dd', TIMESTAMP: 'dddd-dd-dd dd:dd:dd' };

/** Index where a date/time string stops matching its template (for Java-style parse messages). */
function parseErrorIndex(value: string, template: string): number {
  for (let i = 0; i < template.length; i++) {
    const ch = value[i];
    if (ch === undefined) return i;
    if (template[i] === 'd' ? !(ch >= '0' && ch <= '9') : ch !== template[i]) return i;
  }
  return template.length;
}

function checkTypeHint(name: string, hint: string | undefined, value: FieldValue): void {
  if (hint === undefined) return;
  if (!(hint in TYPE_HINT_PG)) {
    throw badRequest(`Invalid typeHint ${hint} for parameter ${name}; valid values are DATE, DECIMAL, JSON, TIME, TIMESTAMP, UUID`);
  }
  if (value.stringValue === undefined) {
    if (value.isNull) return;
    throw badRequest(`The typeHint ${hint} for parameter ${name} requires a stringValue`);
  }
  const format = TYPE_HINT_FORMAT[hint];
  if (format && !format.test(value.stringValue)) {
    const template = TYPE_HINT_TEMPLATE[hint];
    if (template) {
      throw badRequest(`Text '${value.stringValue}' could not be parsed at index ${parseErrorIndex(value.stringValue, template)}`);
    }
    throw badRequest(`Invalid ${hint} value for parameter ${name}: '${value.stringValue}'`);
  }
}

function arrayParameter(a: ArrayValue, name: string): { value: unknown[]; pgElement: string } {
  const members = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  if (members.length !== 1) throw badRequest(`Parameter ${name}: an arrayValue must have exactly one member`);
  if (a.arrayValues) {
    const nested = a.arrayValues.map((x) => arrayParameter(x, name));
    return { value: nested.map((x) => x.value), pgElement: nested[0]?.pgElement ?? 'text' };
  }
  if (a.longValues) return { value: a.longValues.map((v) => (v === null ? null : String(Math.trunc(v)))), pgElement: 'int8' };
  if (a.doubleValues) return { value: a.doubleValues, pgElement: 'float8' };
  if (a.booleanValues) return { value: a.booleanValues, pgElement: 'bool' };
  return { value: a.stringValues ?? [], pgElement: 'text' };
}

function bindParameter(p: SqlParameter, engine: SqlBackend['engine'], allowArrays: boolean): BoundParameter {
  const name = p.name ?? '';
  const v = p.value;
  if (!v || typeof v !== 'object') throw badRequest(`Parameter ${name} has no value`);
  const members = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (members.length !== 1) throw badRequest(`Parameter ${name}: a value must have exactly one member, got ${members.length}`);
  checkTypeHint(name, p.typeHint, v);
  const hinted = p.typeHint ? TYPE_HINT_PG[p.typeHint] : undefined;
  if (v.isNull !== undefined) {
    if (v.isNull !== true) throw badRequest(`Parameter ${name}: isNull must be true`);
    return { value: null, pgType: hinted };
  }
  if (v.stringValue !== undefined) {
    if (typeof v.stringValue !== 'string') throw badRequest(`Parameter ${name}: stringValue must be a string`);
    // The Data API binds an un-hinted string as text: Postgres then refuses it for uuid/jsonb/timestamp
    // columns ("is of type uuid but expression is of type text"), exactly as in production.
    return { value: v.stringValue, pgType: hinted ?? 'text' };
  }
  if (v.longValue !== undefined) {
    if (typeof v.longValue !== 'number' || !Number.isInteger(v.longValue)) throw badRequest(`Parameter ${name}: longValue must be an integer`);
    return { value: engine === 'postgres' ? String(v.longValue) : v.longValue, pgType: 'int8' };
  }
  if (v.doubleValue !== undefined) {
    if (typeof v.doubleValue !== 'number') throw badRequest(`Parameter ${name}: doubleValue must be a number`);
    return { value: v.doubleValue, pgType: 'float8' };
  }
  if (v.booleanValue !== undefined) {
    if (typeof v.booleanValue !== 'boolean') throw badRequest(`Parameter ${name}: booleanValue must be a boolean`);
    return { value: v.booleanValue, pgType: 'bool' };
  }
  if (v.blobValue !== undefined) {
    if (typeof v.blobValue !== 'string') throw badRequest(`Parameter ${name}: blobValue must be base64`);
    return { value: Buffer.from(v.blobValue, 'base64'), pgType: 'bytea' };
  }
  if (v.arrayValue !== undefined) {
    if (!allowArrays || engine !== 'postgres') throw badRequest('Array parameters are not supported');
    const { value, pgElement } = arrayParameter(v.arrayValue, name);
    return { value, pgType: `${pgElement}[]` };
  }
  throw badRequest(`Parameter ${name}: unsupported value member ${members[0]}`);
}

/**
 * Replace `:name` placeholders with the backend's own (`$n::type` / `?`) and order the values.
 * Names not supplied are left as written (Postgres array slices `a[lo:hi]`, for one).
 */
function prepareStatement(
  sql: string,
  parameters: SqlParameter[] | undefined,
  engine: SqlBackend['engine'],
  allowArrays: boolean,
): { text: string; values: unknown[]; statementCount: number } {
  const bound = new Map<string, BoundParameter>();
  for (const p of parameters ?? []) {
    if (!p || typeof p !== 'object' || typeof p.name !== 'string' || p.name === '') {
      throw badRequest('Parameter name is required for every SqlParameter');
    }
    bound.set(p.name, bindParameter(p, engine, allowArrays));
  }
  const values: unknown[] = [];
  if (bound.size === 0) {
    return { text: sql, values, statementCount: scanSql(sql, engine).statementCount };
  }
  const pgIndex = new Map<string, number>();
  const scan = scanSql(sql, engine, {
    named: (name) => {
      const b = bound.get(name);
      if (!b) return undefined;
      if (engine === 'mysql') {
        values.push(b.value);
        return '?';
      }
      let idx = pgIndex.get(name);
      if (idx === undefined) {
        values.push(b.value);
        idx = values.length;
        pgIndex.set(name, idx);
      }
      if (!b.pgType) return `$${idx}`;
      // `$1::int8[][1]` would read as a type with bounds, so array casts get parentheses for `:arr[1]`.
      return b.pgType.endsWith('[]') ? `($${idx}::${b.pgType})` : `$${idx}::${b.pgType}`;
    },
  });
  return { text: scan.text, values, statementCount: scan.statementCount };
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

interface ResultSetOptions {
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

function scalarField(v: CellValue, kind: ValueKind, opts: ResultSetOptions): Json {
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

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

interface OpenTransaction {
  id: string;
  resourceArn: string;
  tx: BackendTransaction;
  busy: boolean;
  timer?: NodeJS.Timeout;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

const MIB = 1024 * 1024;
const MAX_REQUEST_BYTES = 16 * MIB;

function toDataApiError(err: unknown): DataApiError {
  if (err instanceof DataApiError) return err;
  if (err instanceof BackendDatabaseError) return new DataApiError('DatabaseErrorException', err.message);
  if (err instanceof StatementTimeoutError) {
    return new DataApiError('StatementTimeoutException', 'The statement timed out', undefined, err.connectionId !== undefined ? { dbConnectionId: err.connectionId } : undefined);
  }
  if (err instanceof BackendUnavailableError) return new DataApiError('DatabaseUnavailableException', err.message);
  if (err instanceof UnsupportedValueError) {
    return err.where === 'parameter' ? badRequest(err.message) : new DataApiError('UnsupportedResultException', err.message);
  }
  return new DataApiError('InternalServerErrorException', err instanceof Error ? err.message : String(err));
}

function send(res: ServerResponse, status: number, body: string, errorType?: string): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(body);
}

function sendError(res: ServerResponse, err: DataApiError): void {
  send(res, err.status, JSON.stringify({ message: err.message, ...err.extra }), err.type);
}

const requireString = (body: Json, key: string): string => {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw badRequest(`${key} is required`);
  return v;
};
const optionalString = (body: Json, key: string): string | undefined => {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v === '' ? undefined : v;
};

export async function startDataApiServer(opts: DataApiServerOptions): Promise<DataApiServer> {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 45_000;
  const maxResponseBytes = opts.maxResponseBytes ?? MIB;
  const maxJsonResponseBytes = opts.maxJsonResponseBytes ?? 10 * MIB;
  const idleMs = opts.transactionIdleTimeoutMs ?? 180_000;
  const allowArrays = opts.allowArrayParameters ?? true;
  const transactions = new Map<string, OpenTransaction>();

  const backendFor = (body: Json): { resourceArn: string; backend: SqlBackend } => {
    const resourceArn = requireString(body, 'resourceArn');
    const secretArn = requireString(body, 'secretArn');
    const backend = opts.backends.get(resourceArn);
    if (!backend) throw badRequest(`HttpEndpoint is not enabled for cluster ${resourceArn}`);
    const expected = opts.secretArns?.get(resourceArn);
    if (expected !== undefined && expected !== secretArn) {
      throw badRequest(`Secrets Manager can't find the specified secret ${secretArn} for cluster ${resourceArn}`);
    }
    return { resourceArn, backend };
  };

  const forget = (t: OpenTransaction) => {
    clearTimeout(t.timer);
    transactions.delete(t.id);
  };
  const touch = (t: OpenTransaction) => {
    clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      transactions.delete(t.id);
      t.tx.rollback().catch(() => undefined);
    }, idleMs);
    t.timer.unref();
  };
  const transactionFor = (resourceArn: string, id: string): OpenTransaction => {
    const t = transactions.get(id);
    if (!t || t.resourceArn !== resourceArn) throw badRequest(`Transaction ${id} is not found`);
    return t;
  };

  /** Runs one statement, in a transaction when asked, with the call's timeout. */
  const runStatement = async (
    backend: SqlBackend,
    resourceArn: string,
    body: Json,
    sql: string,
    params: unknown[],
    includeMetadata: boolean,
  ): Promise<QueryResult> => {
    const transactionId = optionalString(body, 'transactionId');
    const continueAfterTimeout = body.continueAfterTimeout === true;
    if (!transactionId) {
      return backend.query(sql, params, {
        database: optionalString(body, 'database'),
        schema: optionalString(body, 'schema'),
        includeMetadata,
        timeoutMs: statementTimeoutMs,
        continueAfterTimeout,
      });
    }
    const t = transactionFor(resourceArn, transactionId);
    if (t.busy) throw new DataApiError('DatabaseErrorException', 'Transaction is still running a query');
    t.busy = true;
    clearTimeout(t.timer);
    try {
      return await t.tx.query(sql, params, { includeMetadata, timeoutMs: statementTimeoutMs, continueAfterTimeout });
    } finally {
      t.busy = false;
      if (transactions.has(t.id)) touch(t);
    }
  };

  const executeStatement = async (body: Json): Promise<string> => {
    const { resourceArn, backend } = backendFor(body);
    const sql = requireString(body, 'sql');
    const parameters = body.parameters;
    if (parameters !== undefined && !Array.isArray(parameters)) throw badRequest('parameters must be a list');
    const prepared = prepareStatement(sql, parameters as SqlParameter[] | undefined, backend.engine, allowArrays);
    if (prepared.statementCount > 1) throw badRequest("Multistatements aren't supported.");
    const format = body.formatRecordsAs;
    if (format !== undefined && format !== 'NONE' && format !== 'JSON') throw badRequest(`Invalid formatRecordsAs value ${String(format)}`);
    const resultOptions = (body.resultSetOptions ?? {}) as ResultSetOptions;
    const includeMetadata = body.includeResultMetadata === true && format !== 'JSON';

    const result = await runStatement(backend, resourceArn, body, prepared.text, prepared.values, includeMetadata);

    let response: string;
    if (result.columns.length === 0) {
      const generated = (result.generatedFields ?? []).map((v) => scalarField(v, 'long', {}));
      response = JSON.stringify({ numberOfRecordsUpdated: result.rowsAffected, generatedFields: generated });
      return response;
    }
    if (format === 'JSON') {
      response = `{"formattedRecords":${JSON.stringify(formattedRecords(result, resultOptions))},"numberOfRecordsUpdated":${result.rowsAffected}}`;
      if (Buffer.byteLength(response) > maxJsonResponseBytes) throw badRequest('Database returned more than the allowed response size limit');
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
        fields[c] = toField(v, cols[c], resultOptions);
        estimate += typeof v === 'string' ? v.length + 18 : v instanceof Uint8Array ? (v.byteLength * 4) / 3 + 16 : 20;
      }
      records[r] = fields;
      if (estimate > maxResponseBytes) throw badRequest('Database returned more than the allowed response size limit');
    }
    const payload: Json = { records, numberOfRecordsUpdated: result.rowsAffected };
    if (includeMetadata) payload.columnMetadata = cols.map(columnMetadata);
    response = JSON.stringify(payload);
    if (Buffer.byteLength(response) > maxResponseBytes) throw badRequest('Database returned more than the allowed response size limit');
    return response;
  };

  const batchExecute = async (body: Json): Promise<string> => {
    const { resourceArn, backend } = backendFor(body);
    const sql = requireString(body, 'sql');
    const sets = body.parameterSets;
    if (sets !== undefined && !Array.isArray(sets)) throw badRequest('parameterSets must be a list');
    const parameterSets = (sets as SqlParameter[][] | undefined) ?? [];
    const prepared = (parameterSets.length > 0 ? parameterSets : [[]]).map((set) => {
      if (!Array.isArray(set)) throw badRequest('Each parameter set must be a list');
      return prepareStatement(sql, set, backend.engine, allowArrays);
    });
    if (prepared[0].statementCount > 1) throw badRequest("Multistatements aren't supported.");
    const transactionId = optionalString(body, 'transactionId');
    const updateResults: Json[] = [];
    const collect = (result: QueryResult) => {
      if (parameterSets.length > 0) {
        updateResults.push({ generatedFields: (result.generatedFields ?? []).map((v) => scalarField(v, 'long', {})) });
      }
    };
    if (transactionId) {
      for (const p of prepared) collect(await runStatement(backend, resourceArn, body, p.text, p.values, false));
    } else if (backend.beginTransaction) {
      // A batch outside a transaction is all-or-nothing (one implicit transaction, as JDBC batches on Aurora PostgreSQL).
      const tx = await backend.beginTransaction({ database: optionalString(body, 'database'), schema: optionalString(body, 'schema'), timeoutMs: statementTimeoutMs });
      try {
        for (const p of prepared) collect(await tx.query(p.text, p.values, { timeoutMs: statementTimeoutMs }));
        await tx.commit();
      } catch (err) {
        await tx.rollback().catch(() => undefined);
        throw err;
      }
    } else {
      for (const p of prepared) collect(await runStatement(backend, resourceArn, body, p.text, p.values, false));
    }
    return JSON.stringify({ updateResults });
  };

  const beginTransaction = async (body: Json): Promise<string> => {
    const { resourceArn, backend } = backendFor(body);
    if (!backend.beginTransaction) throw badRequest('Transactions are not supported by this cluster');
    const tx = await backend.beginTransaction({
      database: optionalString(body, 'database'),
      schema: optionalString(body, 'schema'),
      timeoutMs: statementTimeoutMs,
    });
    // AWS transaction ids are long opaque base64 strings.
    const id = randomBytes(96).toString('base64');
    const t: OpenTransaction = { id, resourceArn, tx, busy: false };
    transactions.set(id, t);
    touch(t);
    return JSON.stringify({ transactionId: id });
  };

  const endTransaction = async (body: Json, commit: boolean): Promise<string> => {
    const { resourceArn } = backendFor(body);
    const id = requireString(body, 'transactionId');
    const t = transactionFor(resourceArn, id);
    if (t.busy) throw new DataApiError('DatabaseErrorException', 'Transaction is still running a query');
    forget(t);
    if (commit) {
      await t.tx.commit();
      return JSON.stringify({ transactionStatus: 'Transaction Committed' });
    }
    await t.tx.rollback();
    return JSON.stringify({ transactionStatus: 'Rollback Complete' });
  };

  const operations: Record<string, { op: string; run: (body: Json) => Promise<string> }> = {
    '/Execute': { op: 'ExecuteStatement', run: executeStatement },
    '/BatchExecute': { op: 'BatchExecuteStatement', run: batchExecute },
    '/BeginTransaction': { op: 'BeginTransaction', run: beginTransaction },
    '/CommitTransaction': { op: 'CommitTransaction', run: (b) => endTransaction(b, true) },
    '/RollbackTransaction': { op: 'RollbackTransaction', run: (b) => endTransaction(b, false) },
    '/ExecuteSql': {
      op: 'ExecuteSql',
      run: async () => {
        throw badRequest('This API is deprecated and not available. Use ExecuteStatement API instead');
      },
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      const route = operations[path];
      if (!route || req.method !== 'POST') {
        await readBody(req, MAX_REQUEST_BYTES).catch(() => undefined);
        sendError(res, new DataApiError('UnknownOperationException', `No operation for ${req.method} ${path}`, 404));
        return;
      }
      const raw = await readBody(req, MAX_REQUEST_BYTES).catch((error: unknown) => {
        throw error instanceof BodyTooLargeError ? badRequest('Request body too large') : error;
      });
      let body: unknown;
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch {
        throw badRequest('Request body is not valid JSON');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Request body must be a JSON object');
      const json = body as Json;
      const fault = opts.faults?.next(route.op, typeof json.sql === 'string' ? json.sql : '');
      if (fault) throw new DataApiError(fault.type, fault.message, fault.status);
      send(res, 200, await route.run(json));
    } catch (err) {
      const e = toDataApiError(err);
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    async close() {
      const open = [...transactions.values()];
      for (const t of open) forget(t);
      await Promise.all(open.map((t) => t.tx.rollback().catch(() => undefined)));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
