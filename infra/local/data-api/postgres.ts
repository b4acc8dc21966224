/**
 * The PostgreSQL family of backends: what runs one statement on a pg connection and normalises its
 * result (shared with PGlite, pglite.ts), and a real PostgreSQL server through a pg Pool.
 */
import pg from 'pg';
import { BackendDatabaseError, BackendUnavailableError, StatementTimeoutError, UnsupportedValueError, isConnectionError } from './errors';
import { endPools, pooledTransaction, withStatementTimeout } from './pooled';
import { otherType, PG_ARRAYS, PG_TYPES, parsePgArray, pgPrecisionScale, pgScalar, type PgResolvedType, type PgTypeInfo } from './pg-values';
import { JDBC, type BackendTransaction, type CellValue, type Column, type QueryOptions, type QueryResult, type SqlBackend } from './sql-backend';

interface PgField {
  name: string;
  tableID: number;
  columnID: number;
  dataTypeID: number;
  dataTypeModifier: number;
}

interface PgColumnCatalog {
  schemaName: string;
  tableName: string;
  notNull: boolean;
  autoIncrement: boolean;
  /** Default is nextval(): pgjdbc (and so the Data API) reports such int columns as serial types. */
  serial: boolean;
}

/** What the Postgres backends need from a pg connection (pg.Client / PoolClient). */
export interface PgConn {
  query(config: { text: string; values?: unknown[]; rowMode: 'array'; queryMode?: 'extended' }): Promise<{
    command: string;
    rowCount: number | null;
    fields: PgField[];
    rows: (string | null)[][];
  }>;
}

/** Catalog caches shared by the connections of one Postgres backend. */
export class PgCatalog {
  private types = new Map<number, PgResolvedType>();
  private columns = new Map<string, PgColumnCatalog | null>();

  resolveKnown(oid: number): PgResolvedType | undefined {
    const known = PG_TYPES[oid];
    if (known) return { info: known };
    const elem = PG_ARRAYS[oid];
    if (elem !== undefined) {
      const element = PG_TYPES[elem];
      return {
        info: { typeName: `_${element.typeName}`, jdbc: JDBC.ARRAY, kind: 'string' },
        element,
      };
    }
    return this.types.get(oid);
  }

  /** Look up types the static table does not know (enums, domains, extension types). */
  async resolveUnknown(conn: PgConn, oids: number[]): Promise<void> {
    const missing = [...new Set(oids)].filter((o) => !this.resolveKnown(o));
    if (missing.length === 0) return;
    const res = await conn.query({
      text: `SELECT t.oid::int8, t.typname, t.typtype, t.typelem::int8, t.typbasetype::int8, t.typcategory,
                    e.typtype, e.typbasetype::int8, e.typname
             FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
             WHERE t.oid = ANY($1::oid[])`,
      values: [missing.map(String)],
      rowMode: 'array',
    });
    const scalar = (typname: string, typtype: string | null, base: number): PgTypeInfo => {
      if (typtype === 'd' && PG_TYPES[base]) return { ...PG_TYPES[base], typeName: typname };
      if (typtype === 'e') return { typeName: typname, jdbc: JDBC.VARCHAR, kind: 'string', caseSensitive: true };
      return otherType(typname);
    };
    for (const r of res.rows) {
      const oid = Number(r[0]);
      const typname = r[1] ?? 'unknown';
      const typelem = Number(r[3]);
      if (r[5] === 'A' && typelem !== 0) {
        const element = PG_TYPES[typelem] ?? scalar(r[8] ?? 'unknown', r[6], Number(r[7] ?? 0));
        this.types.set(oid, { info: { typeName: typname, jdbc: JDBC.ARRAY, kind: 'string' }, element });
      } else {
        this.types.set(oid, { info: scalar(typname, r[2], Number(r[4])) });
      }
    }
    for (const oid of missing) {
      if (!this.types.has(oid)) this.types.set(oid, { info: otherType('unknown') });
    }
  }

  async columnsFor(conn: PgConn, fields: PgField[]): Promise<Map<string, PgColumnCatalog | null>> {
    const wanted = fields.filter((f) => f.tableID !== 0 && f.columnID > 0);
    const missingTables = [...new Set(wanted.filter((f) => !this.columns.has(`${f.tableID}.${f.columnID}`)).map((f) => f.tableID))];
    if (missingTables.length > 0) {
      const res = await conn.query({
        text: `SELECT a.attrelid::int8, a.attnum, n.nspname, c.relname, a.attnotnull, a.attidentity <> '',
                      COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)
               FROM pg_catalog.pg_attribute a
               JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0`,
        values: [missingTables.map(String)],
        rowMode: 'array',
      });
      for (const r of res.rows) {
        this.columns.set(`${Number(r[0])}.${Number(r[1])}`, {
          schemaName: r[2] ?? '',
          tableName: r[3] ?? '',
          notNull: r[4] === 't',
          autoIncrement: r[5] === 't' || r[6] === 't',
          serial: r[6] === 't',
        });
      }
      for (const f of wanted) if (!this.columns.has(`${f.tableID}.${f.columnID}`)) this.columns.set(`${f.tableID}.${f.columnID}`, null);
    }
    return this.columns;
  }

  /** Table definitions may have changed: forget column facts (types by OID stay valid). */
  invalidateColumns(): void {
    this.columns.clear();
  }
}

const DDL_COMMANDS = new Set(['CREATE', 'ALTER', 'DROP', 'COMMENT', 'RENAME', 'TRUNCATE']);
const DML_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY']);

/** Format a pg error the way the Data API reports Aurora PostgreSQL errors. */
function formatPgError(err: {
  message: string;
  severity?: string;
  code?: string;
  hint?: string;
  position?: string;
  where?: string;
}): string {
  let msg = `${err.severity ?? 'ERROR'}: ${err.message}`;
  if (err.hint) msg += `\n  Hint: ${err.hint}`;
  if (err.position) msg += `\n  Position: ${err.position}`;
  if (err.where) msg += `\n  Where: ${err.where}`;
  if (err.code) msg += `; SQLState: ${err.code}`;
  return msg;
}

export function toBackendError(err: unknown): Error {
  if (err instanceof StatementTimeoutError || err instanceof BackendDatabaseError || err instanceof UnsupportedValueError) return err;
  if (isConnectionError(err)) return new BackendUnavailableError(`Database connection failed: ${(err as Error).message}`);
  const e = err as { message?: string; code?: string; severity?: string };
  // query_canceled: the server's statement_timeout, or the cancel sent when the call's timeout passed.
  if (e?.code === '57014') return new StatementTimeoutError();
  if (e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new BackendDatabaseError(formatPgError(e as Parameters<typeof formatPgError>[0]), e.code);
  }
  return new BackendDatabaseError(e?.message ?? String(err));
}

/** Run one statement on a pg connection and normalise the result. */
export async function pgRun(
  conn: PgConn,
  catalog: PgCatalog,
  sql: string,
  params: unknown[],
  includeMetadata: boolean,
): Promise<QueryResult> {
  let res;
  try {
    // The extended protocol, as JDBC (and so the Data API) uses: PostgreSQL itself then refuses a text
    // holding several statements before running any, should one ever get past the server's parser check.
    res = await conn.query({ text: sql, values: params.map(pgParam), rowMode: 'array', queryMode: 'extended' });
  } catch (err) {
    throw toBackendError(err);
  }
  const command = res.command ?? '';
  if (DDL_COMMANDS.has(command)) catalog.invalidateColumns();
  const fields = res.fields ?? [];
  const unknown = fields.map((f) => f.dataTypeID).filter((oid) => !catalog.resolveKnown(oid));
  if (unknown.length > 0) await catalog.resolveUnknown(conn, unknown);
  const tableColumns = includeMetadata && fields.some((f) => f.tableID !== 0) ? await catalog.columnsFor(conn, fields) : undefined;

  const resolved = fields.map((f) => catalog.resolveKnown(f.dataTypeID) as PgResolvedType);
  const columns: Column[] = fields.map((f, idx) => {
    const { info, element } = resolved[idx];
    const { precision, scale } = pgPrecisionScale(info, f.dataTypeID, f.dataTypeModifier);
    const cat = tableColumns?.get(`${f.tableID}.${f.columnID}`) ?? undefined;
    let typeName = info.typeName;
    if (cat?.serial) {
      if (typeName === 'int4') typeName = 'serial';
      else if (typeName === 'int8') typeName = 'bigserial';
      else if (typeName === 'int2') typeName = 'smallserial';
    }
    return {
      name: f.name,
      label: f.name,
      typeName,
      type: info.jdbc,
      valueKind: element ? 'array' : info.kind,
      elementKind: element?.kind,
      arrayBaseColumnType: element ? element.jdbc : 0,
      nullable: cat ? (cat.notNull ? 0 : 1) : f.tableID !== 0 ? 1 : 2,
      precision,
      scale,
      isSigned: info.signed ?? false,
      isAutoIncrement: cat?.autoIncrement ?? false,
      isCaseSensitive: info.caseSensitive ?? false,
      isCurrency: info.currency ?? false,
      schemaName: cat?.schemaName ?? '',
      tableName: cat?.tableName ?? '',
    };
  });

  const converters = resolved.map(({ info, element }) => {
    if (element) {
      const elem = (s: string) => pgScalar(s, element);
      return (text: string): CellValue => parsePgArray(text, elem);
    }
    return (text: string): CellValue => pgScalar(text, info);
  });
  const rows: CellValue[][] = new Array(res.rows.length);
  for (let r = 0; r < res.rows.length; r++) {
    const raw = res.rows[r];
    const row: CellValue[] = new Array(raw.length);
    for (let c = 0; c < raw.length; c++) {
      const v = raw[c];
      row[c] = v === null ? null : converters[c](v);
    }
    rows[r] = row;
  }
  return {
    columns,
    rows,
    rowsAffected: DML_COMMANDS.has(command) ? res.rowCount ?? 0 : 0,
  };
}

/** Parameter values as the pg driver should send them (text protocol; bytes as Buffer). */
function pgParam(v: unknown): unknown {
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(pgParam);
  return v;
}

export const RAW_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The call's timeout as the server's own statement_timeout, set before every statement (connections are
 * pooled and reused): the statement then stops at its deadline even when the client-side cancel cannot
 * reach the server (every pooled connection busy). continueAfterTimeout lets the statement run on.
 *
 * Inside a transaction the setting is local to it and never looser than one the transaction set itself
 * (`SET LOCAL statement_timeout`, as the preview's dry run does): the real Data API cancels a call at
 * its deadline without touching the session's settings, so a tighter timeout of the caller's holds.
 */
async function serverSideTimeout(client: pg.PoolClient, opts: QueryOptions, inTransaction = false): Promise<void> {
  const ms = opts.timeoutMs && opts.timeoutMs > 0 && !opts.continueAfterTimeout ? Math.ceil(opts.timeoutMs) : 0;
  const text = inTransaction
    ? `SELECT pg_catalog.set_config('statement_timeout', CASE WHEN $1::int > 0 AND (current_setting('statement_timeout')::interval = interval '0'
         OR current_setting('statement_timeout')::interval > $1::int * interval '1 millisecond') THEN ($1::int)::text || 'ms' ELSE current_setting('statement_timeout') END, true)`
    : "SELECT pg_catalog.set_config('statement_timeout', $1::int::text || 'ms', false)";
  try {
    await client.query({ text, values: [ms] });
  } catch (err) {
    throw toBackendError(err);
  }
}

export interface PostgresBackendOptions {
  /** Connections per database pool (default 10). */
  maxConnections?: number;
}

/**
 * A real PostgreSQL server through a pg Pool per database (the URL's database is the default one,
 * the Data API's `database` parameter selects another on the same server).
 */
export class PostgresBackend implements SqlBackend {
  readonly engine = 'postgres' as const;
  private readonly pools = new Map<string, pg.Pool>();
  private readonly catalogs = new Map<string, PgCatalog>();
  private readonly defaultDatabase: string;

  constructor(private readonly url: string, private readonly options: PostgresBackendOptions = {}) {
    this.defaultDatabase = decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
  }

  private pool(database?: string): { pool: pg.Pool; catalog: PgCatalog } {
    const db = database || this.defaultDatabase;
    let pool = this.pools.get(db);
    if (!pool) {
      const u = new URL(this.url);
      u.pathname = `/${encodeURIComponent(db)}`;
      pool = new pg.Pool({
        connectionString: u.toString(),
        max: this.options.maxConnections ?? 10,
        types: RAW_TYPES,
        options: '-c TimeZone=UTC -c DateStyle=ISO,MDY',
      });
      pool.on('error', () => undefined); // idle client errors (server restart) are reported on next use
      this.pools.set(db, pool);
      this.catalogs.set(db, new PgCatalog());
    }
    return { pool, catalog: this.catalogs.get(db) as PgCatalog };
  }

  private async connect(database?: string): Promise<{ client: pg.PoolClient; pool: pg.Pool; catalog: PgCatalog }> {
    const { pool, catalog } = this.pool(database);
    try {
      return { client: await pool.connect(), pool, catalog };
    } catch (err) {
      throw toBackendError(err);
    }
  }

  private run(
    client: pg.PoolClient,
    pool: pg.Pool,
    catalog: PgCatalog,
    sql: string,
    params: unknown[],
    opts: QueryOptions,
  ): Promise<QueryResult> {
    const pid = (client as unknown as { processID?: number }).processID;
    return withStatementTimeout(
      (async () => {
        await serverSideTimeout(client, opts, true);
        return pgRun(client as unknown as PgConn, catalog, sql, params, opts.includeMetadata ?? false);
      })(),
      opts,
      async () => {
        if (pid) await pool.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
      },
    );
  }

  async query(sql: string, params: unknown[], opts: QueryOptions = {}): Promise<QueryResult> {
    const { client, pool, catalog } = await this.connect(opts.database);
    let broken: Error | undefined;
    const running = (async () => {
      try {
        await serverSideTimeout(client, opts);
        if (opts.schema) await client.query({ text: "SELECT pg_catalog.set_config('search_path', $1, false)", values: [opts.schema] });
        try {
          return await pgRun(client as unknown as PgConn, catalog, sql, params, opts.includeMetadata ?? false);
        } finally {
          if (opts.schema) await client.query('RESET search_path').catch(() => undefined);
        }
      } catch (err) {
        if (err instanceof BackendUnavailableError) broken = err;
        throw err;
      }
    })();
    // Release only once the statement is really over, even when the caller already got a timeout.
    running.then(
      () => client.release(),
      () => client.release(broken),
    );
    const pid = (client as unknown as { processID?: number }).processID;
    return withStatementTimeout(running, opts, async () => {
      if (pid) await pool.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
    });
  }

  async beginTransaction(opts: { database?: string; schema?: string } = {}): Promise<BackendTransaction> {
    const { client, pool, catalog } = await this.connect(opts.database);
    try {
      await client.query('BEGIN');
      // No limit left over from the connection's last call: the transaction's calls set their own.
      await client.query("SELECT pg_catalog.set_config('statement_timeout', '0', true)");
      if (opts.schema) await client.query({ text: "SELECT pg_catalog.set_config('search_path', $1, true)", values: [opts.schema] });
    } catch (err) {
      client.release(err as Error);
      throw toBackendError(err);
    }
    return pooledTransaction(
      (sql, params, qopts) => this.run(client, pool, catalog, sql, params, qopts),
      async (command) => {
        try {
          const res = await client.query(command);
          client.release();
          if (command === 'COMMIT' && res.command === 'ROLLBACK') {
            throw new BackendDatabaseError('Transaction has been rolled back due to an earlier error in this transaction');
          }
        } catch (err) {
          if (!(err instanceof BackendDatabaseError)) client.release(err as Error);
          throw toBackendError(err);
        }
      },
    );
  }

  close(): Promise<void> {
    return endPools(this.pools);
  }
}
