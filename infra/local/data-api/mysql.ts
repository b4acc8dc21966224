/** A real MySQL / MariaDB server as a backend of the local Data API, through mysql2. */
import mysql from 'mysql2/promise';
import { BackendDatabaseError, BackendUnavailableError, StatementTimeoutError, UnsupportedValueError, isConnectionError } from './errors';
import { endPools, pooledTransaction, withStatementTimeout } from './pooled';
import { replaceMysqlPlaceholders } from './mysql-placeholders';
import { JDBC, type BackendTransaction, type CellValue, type Column, type QueryOptions, type QueryResult, type SqlBackend, type ValueKind } from './sql-backend';

/** Column type codes of the MySQL client/server protocol (a column definition's `type`). */
const COLUMN_TYPE = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8,
  INT24: 9, DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, VARCHAR: 15, BIT: 16,
  JSON: 245, NEWDECIMAL: 246, ENUM: 247, SET: 248, TINY_BLOB: 249, MEDIUM_BLOB: 250, LONG_BLOB: 251,
  BLOB: 252, VAR_STRING: 253, STRING: 254, GEOMETRY: 255,
} as const;
/** Column definition flags of the MySQL protocol. */
const COLUMN_FLAG = { NOT_NULL: 1, BLOB: 16, UNSIGNED: 32, BINARY: 128, ENUM: 256, AUTO_INCREMENT: 512, SET: 2048 } as const;
const BINARY_CHARSET = 63;
const BYTE_TYPES = new Set(['TINY_BLOB', 'MEDIUM_BLOB', 'LONG_BLOB', 'BLOB', 'VAR_STRING', 'STRING', 'VARCHAR', 'BIT', 'GEOMETRY', 'JSON']);

interface MyField {
  name: string;
  orgName?: string;
  table?: string;
  orgTable?: string;
  schema?: string;
  db?: string;
  columnType?: number;
  type?: number;
  flags: number | string[];
  decimals: number;
  columnLength?: number;
  characterSet?: number;
}

interface MyTypeInfo {
  typeName: string;
  jdbc: number;
  kind: Exclude<ValueKind, 'array'>;
  precision: number;
  scale: number;
  text?: boolean;
}

function mysqlType(f: MyField): MyTypeInfo {
  const t = f.columnType ?? f.type ?? COLUMN_TYPE.VAR_STRING;
  const flags = typeof f.flags === 'number' ? f.flags : 0;
  const unsigned = (flags & COLUMN_FLAG.UNSIGNED) !== 0;
  const u = unsigned ? ' UNSIGNED' : '';
  const len = f.columnLength ?? 0;
  const binary = f.characterSet === BINARY_CHARSET;
  const charLen = (bytes: number) => (binary ? bytes : Math.floor(bytes / 4) || bytes);
  switch (t) {
    case COLUMN_TYPE.TINY:
      return len === 1
        ? { typeName: 'BIT', jdbc: JDBC.BIT, kind: 'boolean', precision: 1, scale: 0 }
        : { typeName: `TINYINT${u}`, jdbc: JDBC.TINYINT, kind: 'long', precision: len, scale: 0 };
    case COLUMN_TYPE.SHORT: return { typeName: `SMALLINT${u}`, jdbc: JDBC.SMALLINT, kind: 'long', precision: len, scale: 0 };
    case COLUMN_TYPE.INT24: return { typeName: `MEDIUMINT${u}`, jdbc: JDBC.INTEGER, kind: 'long', precision: len, scale: 0 };
    case COLUMN_TYPE.LONG: return { typeName: `INT${u}`, jdbc: unsigned ? JDBC.BIGINT : JDBC.INTEGER, kind: 'long', precision: len, scale: 0 };
    case COLUMN_TYPE.LONGLONG: return { typeName: `BIGINT${u}`, jdbc: JDBC.BIGINT, kind: 'long', precision: len, scale: 0 };
    case COLUMN_TYPE.YEAR: return { typeName: 'YEAR', jdbc: JDBC.DATE, kind: 'long', precision: 4, scale: 0 };
    case COLUMN_TYPE.FLOAT: return { typeName: `FLOAT${u}`, jdbc: JDBC.REAL, kind: 'double', precision: len, scale: f.decimals >= 31 ? 0 : f.decimals };
    case COLUMN_TYPE.DOUBLE: return { typeName: `DOUBLE${u}`, jdbc: JDBC.DOUBLE, kind: 'double', precision: len, scale: f.decimals >= 31 ? 0 : f.decimals };
    case COLUMN_TYPE.DECIMAL:
    case COLUMN_TYPE.NEWDECIMAL:
      return {
        typeName: `DECIMAL${u}`,
        jdbc: JDBC.DECIMAL,
        kind: 'decimal',
        precision: Math.max(0, len - (f.decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1)),
        scale: f.decimals,
      };
    case COLUMN_TYPE.DATE:
    case COLUMN_TYPE.NEWDATE: return { typeName: 'DATE', jdbc: JDBC.DATE, kind: 'string', precision: 10, scale: 0 };
    case COLUMN_TYPE.TIME: return { typeName: 'TIME', jdbc: JDBC.TIME, kind: 'string', precision: len, scale: f.decimals };
    case COLUMN_TYPE.DATETIME: return { typeName: 'DATETIME', jdbc: JDBC.TIMESTAMP, kind: 'string', precision: len, scale: f.decimals };
    case COLUMN_TYPE.TIMESTAMP: return { typeName: 'TIMESTAMP', jdbc: JDBC.TIMESTAMP, kind: 'string', precision: len, scale: f.decimals };
    case COLUMN_TYPE.BIT: return { typeName: 'BIT', jdbc: JDBC.BIT, kind: len === 1 ? 'boolean' : 'blob', precision: len, scale: 0 };
    case COLUMN_TYPE.JSON: return { typeName: 'JSON', jdbc: JDBC.LONGVARCHAR, kind: 'string', precision: len, scale: 0, text: true };
    case COLUMN_TYPE.GEOMETRY: return { typeName: 'GEOMETRY', jdbc: JDBC.BINARY, kind: 'blob', precision: len, scale: 0 };
    case COLUMN_TYPE.TINY_BLOB:
    case COLUMN_TYPE.MEDIUM_BLOB:
    case COLUMN_TYPE.LONG_BLOB:
    case COLUMN_TYPE.BLOB: {
      const size = len <= 255 ? 'TINY' : len <= 65535 ? '' : len <= 16777215 ? 'MEDIUM' : 'LONG';
      return binary
        ? { typeName: `${size}BLOB`, jdbc: JDBC.LONGVARBINARY, kind: 'blob', precision: len, scale: 0 }
        : { typeName: `${size}TEXT`, jdbc: JDBC.LONGVARCHAR, kind: 'string', precision: charLen(len), scale: 0, text: true };
    }
    case COLUMN_TYPE.STRING:
      if (flags & COLUMN_FLAG.ENUM) return { typeName: 'ENUM', jdbc: JDBC.CHAR, kind: 'string', precision: charLen(len), scale: 0, text: true };
      if (flags & COLUMN_FLAG.SET) return { typeName: 'SET', jdbc: JDBC.CHAR, kind: 'string', precision: charLen(len), scale: 0, text: true };
      return binary
        ? { typeName: 'BINARY', jdbc: JDBC.BINARY, kind: 'blob', precision: len, scale: 0 }
        : { typeName: 'CHAR', jdbc: JDBC.CHAR, kind: 'string', precision: charLen(len), scale: 0, text: true };
    case COLUMN_TYPE.NULL: return { typeName: 'NULL', jdbc: JDBC.NULL, kind: 'string', precision: 0, scale: 0 };
    default:
      return binary
        ? { typeName: 'VARBINARY', jdbc: JDBC.VARBINARY, kind: 'blob', precision: len, scale: 0 }
        : { typeName: 'VARCHAR', jdbc: JDBC.VARCHAR, kind: 'string', precision: charLen(len), scale: 0, text: true };
  }
}

function mysqlValue(raw: unknown, info: MyTypeInfo): CellValue {
  if (raw === null || raw === undefined) return null;
  if (Buffer.isBuffer(raw)) {
    if (info.kind === 'blob') return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    if (info.kind === 'boolean') return raw.length > 0 && raw[raw.length - 1] !== 0;
    return raw.toString('utf8');
  }
  const text = String(raw);
  switch (info.kind) {
    case 'boolean': return text !== '0';
    case 'double': {
      const v = Number(text);
      return Number.isFinite(v) ? v : text;
    }
    default: return text;
  }
}

/** Format a mysql2 error the way the Data API reports Aurora MySQL errors. */
function toMysqlError(err: unknown): Error {
  if (err instanceof StatementTimeoutError || err instanceof BackendDatabaseError || err instanceof UnsupportedValueError) return err;
  if (isConnectionError(err)) return new BackendUnavailableError(`Database connection failed: ${(err as Error).message}`);
  const e = err as { sqlMessage?: string; message?: string; errno?: number; sqlState?: string };
  // Interrupted by KILL QUERY (1317) or by the server's own statement timeout (MariaDB 1969, MySQL 3024).
  if (e?.errno === 1317 || e?.errno === 1969 || e?.errno === 3024) return new StatementTimeoutError();
  if (e && typeof e.errno === 'number') {
    return new BackendDatabaseError(`${e.sqlMessage ?? e.message}; Error code: ${e.errno}; SQLState: ${e.sqlState ?? 'HY000'}`, e.sqlState);
  }
  return new BackendDatabaseError(e?.message ?? String(err));
}

/** SQL literal for a parameter value (inlined client-side, so `?` inside literals stays untouched). */
function mysqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UnsupportedValueError(`Unsupported numeric parameter value ${v}`, 'parameter');
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `X'${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}'`;
  if (Array.isArray(v)) throw new UnsupportedValueError('Array parameters are not supported', 'parameter');
  return mysql.escape(String(v));
}

export interface MysqlBackendOptions {
  maxConnections?: number;
}

/** A real MySQL / MariaDB server through a mysql2 pool per database. */
export class MysqlBackend implements SqlBackend {
  readonly engine = 'mysql' as const;
  private readonly pools = new Map<string, mysql.Pool>();
  private readonly defaultDatabase: string;
  /** Whether the server is MariaDB (its statement timeout variable differs from MySQL's); asked once. */
  private mariadb: Promise<boolean> | undefined;

  constructor(private readonly url: string, private readonly options: MysqlBackendOptions = {}) {
    this.defaultDatabase = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  }

  private pool(database?: string): mysql.Pool {
    const db = database || this.defaultDatabase;
    let pool = this.pools.get(db);
    if (!pool) {
      const u = new URL(this.url);
      pool = mysql.createPool({
        host: u.hostname,
        port: u.port ? Number(u.port) : 3306,
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: db || undefined,
        connectionLimit: this.options.maxConnections ?? 10,
        timezone: 'Z',
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
        rowsAsArray: true,
        multipleStatements: false,
        typeCast: (field, next) => {
          void next;
          return BYTE_TYPES.has(field.type) ? field.buffer() : field.string();
        },
      });
      pool.on('connection', (conn) => {
        // The Data API's Aurora sessions run in UTC; the callback form keeps this off the promise chain.
        (conn as unknown as { query(sql: string, cb: (err: unknown) => void): void }).query("SET time_zone = '+00:00'", () => undefined);
      });
      this.pools.set(db, pool);
    }
    return pool;
  }

  private async connect(database?: string): Promise<mysql.PoolConnection> {
    try {
      return await this.pool(database).getConnection();
    } catch (err) {
      throw toMysqlError(err);
    }
  }

  /**
   * The call's timeout as the server's own, set before every statement (connections are pooled and
   * reused), so a statement stops at its deadline even when KILL QUERY cannot get a pooled connection.
   * MariaDB's max_statement_time covers every statement; MySQL's max_execution_time covers SELECT only.
   * continueAfterTimeout lets the statement run on (0: no limit).
   */
  private async serverSideTimeout(conn: mysql.PoolConnection, opts: QueryOptions): Promise<void> {
    const ms = opts.timeoutMs && opts.timeoutMs > 0 && !opts.continueAfterTimeout ? Math.ceil(opts.timeoutMs) : 0;
    this.mariadb ??= conn.query('SELECT VERSION()').then(([rows]) => /mariadb/i.test(String((rows as unknown[][])[0]?.[0])));
    try {
      const mariadb = await this.mariadb.catch((err: unknown) => {
        this.mariadb = undefined;
        throw err;
      });
      await conn.query(mariadb ? `SET SESSION max_statement_time = ${ms / 1000}` : `SET SESSION max_execution_time = ${ms}`);
    } catch (err) {
      throw toMysqlError(err);
    }
  }

  private async run(conn: mysql.PoolConnection, sql: string, params: unknown[], opts: QueryOptions): Promise<QueryResult> {
    await this.serverSideTimeout(conn, opts);
    let text = sql;
    if (params.length > 0) {
      text = replaceMysqlPlaceholders(sql, { question: (i) => (i < params.length ? mysqlLiteral(params[i]) : undefined) });
    }
    let result: unknown;
    let fields: unknown;
    try {
      [result, fields] = await conn.query(text);
    } catch (err) {
      throw toMysqlError(err);
    }
    if (!Array.isArray(result)) {
      const header = result as { affectedRows?: number; insertId?: number | string };
      const insertId = header.insertId !== undefined ? String(header.insertId) : '0';
      return {
        columns: [],
        rows: [],
        rowsAffected: header.affectedRows ?? 0,
        generatedFields: insertId !== '0' ? [insertId] : [],
      };
    }
    const fieldList = (fields ?? []) as MyField[];
    const infos = fieldList.map(mysqlType);
    const columns: Column[] = fieldList.map((f, idx) => {
      const info = infos[idx];
      const flags = typeof f.flags === 'number' ? f.flags : 0;
      return {
        name: f.orgName || f.name,
        label: f.name,
        typeName: info.typeName,
        type: info.jdbc,
        valueKind: info.kind,
        arrayBaseColumnType: 0,
        nullable: (flags & COLUMN_FLAG.NOT_NULL) !== 0 ? 0 : 1,
        precision: info.precision,
        scale: info.scale,
        isSigned: (info.kind === 'long' || info.kind === 'double' || info.kind === 'decimal') && (flags & COLUMN_FLAG.UNSIGNED) === 0,
        isAutoIncrement: (flags & COLUMN_FLAG.AUTO_INCREMENT) !== 0,
        isCaseSensitive: info.text === true && (flags & COLUMN_FLAG.BINARY) !== 0,
        isCurrency: false,
        schemaName: f.schema ?? f.db ?? '',
        tableName: f.orgTable ?? f.table ?? '',
      };
    });
    const rows = (result as unknown[][]).map((raw) => raw.map((v, c) => mysqlValue(v, infos[c])));
    return { columns, rows, rowsAffected: 0 };
  }

  private timed(conn: mysql.PoolConnection, database: string | undefined, sql: string, params: unknown[], opts: QueryOptions): Promise<QueryResult> {
    return withStatementTimeout(this.run(conn, sql, params, opts), opts, async () => {
      await this.pool(database).query(`KILL QUERY ${Number(conn.threadId)}`);
    });
  }

  async query(sql: string, params: unknown[], opts: QueryOptions = {}): Promise<QueryResult> {
    const conn = await this.connect(opts.database);
    const running = this.run(conn, sql, params, opts);
    running.then(
      () => conn.release(),
      (err) => {
        if (err instanceof BackendUnavailableError) conn.destroy();
        else conn.release();
      },
    );
    return withStatementTimeout(running, opts, async () => {
      await this.pool(opts.database).query(`KILL QUERY ${Number(conn.threadId)}`);
    });
  }

  async beginTransaction(opts: { database?: string } = {}): Promise<BackendTransaction> {
    const conn = await this.connect(opts.database);
    try {
      await conn.query('START TRANSACTION');
    } catch (err) {
      conn.destroy();
      throw toMysqlError(err);
    }
    return pooledTransaction(
      (sql, params, qopts) => this.timed(conn, opts.database, sql, params, qopts),
      async (command) => {
        try {
          await conn.query(command);
          conn.release();
        } catch (err) {
          conn.destroy();
          throw toMysqlError(err);
        }
      },
    );
  }

  close(): Promise<void> {
    return endPools(this.pools);
  }
}
