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
import { randomUUID } from 'node:crypto';
import type { QueryResult, SqlBackend } from './sql-backend';
import { DataApiError, badRequest, toDataApiError } from './data-api-error';
import type { FaultInjector } from './fault-queue';
import { prepareStatement, type SqlParameter } from './parameters';
import { executeStatementResponse, scalarField, type Json, type ResultSetOptions } from './records';
import { OpenTransactions } from './transactions';
import { loadSqlParsers } from '../../../functions/adapters/sql-parser';
import { BodyTooLargeError, readBody } from '../read-body';

export { createFaultQueue, type DataApiFault, type FaultInjector } from './fault-queue';

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

const MIB = 1024 * 1024;
const MAX_REQUEST_BYTES = 16 * MIB;

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

/** The Data API operations over a set of backends; each takes a request body and answers a response body. */
function dataApiOperations(opts: DataApiServerOptions, transactions: OpenTransactions) {
  const statementTimeoutMs = opts.statementTimeoutMs ?? 45_000;
  const allowArrays = opts.allowArrayParameters ?? true;
  const responseOptions = { maxResponseBytes: opts.maxResponseBytes ?? MIB, maxJsonResponseBytes: opts.maxJsonResponseBytes ?? 10 * MIB };

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

  /** Runs one statement, in a transaction when asked, with the call's timeout. */
  const runStatement = (backend: SqlBackend, resourceArn: string, body: Json, sql: string, params: unknown[], includeMetadata: boolean): Promise<QueryResult> => {
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
    return transactions.run(resourceArn, transactionId, (tx) => tx.query(sql, params, { includeMetadata, timeoutMs: statementTimeoutMs, continueAfterTimeout }));
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
    const includeMetadata = body.includeResultMetadata === true && format !== 'JSON';
    const result = await runStatement(backend, resourceArn, body, prepared.text, prepared.values, includeMetadata);
    return executeStatementResponse(result, { format, resultOptions: (body.resultSetOptions ?? {}) as ResultSetOptions, includeMetadata, ...responseOptions });
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
    if (transactionId || !backend.beginTransaction) {
      for (const p of prepared) collect(await runStatement(backend, resourceArn, body, p.text, p.values, false));
      return JSON.stringify({ updateResults });
    }
    // A batch outside a transaction is all-or-nothing (one implicit transaction, as JDBC batches on Aurora PostgreSQL).
    const tx = await backend.beginTransaction({ database: optionalString(body, 'database'), schema: optionalString(body, 'schema'), timeoutMs: statementTimeoutMs });
    try {
      for (const p of prepared) collect(await tx.query(p.text, p.values, { timeoutMs: statementTimeoutMs }));
      await tx.commit();
    } catch (err) {
      await tx.rollback().catch(() => undefined);
      throw err;
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
    return JSON.stringify({ transactionId: transactions.add(resourceArn, tx) });
  };

  const endTransaction = async (body: Json, commit: boolean): Promise<string> => {
    const { resourceArn } = backendFor(body);
    const tx = transactions.end(resourceArn, requireString(body, 'transactionId'));
    if (commit) {
      await tx.commit();
      return JSON.stringify({ transactionStatus: 'Transaction Committed' });
    }
    await tx.rollback();
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
  return operations;
}

export async function startDataApiServer(opts: DataApiServerOptions): Promise<DataApiServer> {
  await loadSqlParsers();
  const transactions = new OpenTransactions(opts.transactionIdleTimeoutMs ?? 180_000);
  const operations = dataApiOperations(opts, transactions);

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
      if (fault && !fault.after && fault.delayMs === undefined) throw new DataApiError(fault.type, fault.message, fault.status);
      const answer = await route.run(json);
      if (fault?.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      else if (fault) throw new DataApiError(fault.type, fault.message, fault.status);
      send(res, 200, answer);
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
      await transactions.rollbackAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
