/** The embedded PostgreSQL backend (PGlite, WebAssembly): the local runtime's default database. */
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import { BackendDatabaseError, StatementTimeoutError } from './errors';
import { PgCatalog, RAW_TYPES, pgRun, toBackendError, type PgConn } from './postgres';
import type { BackendTransaction, QueryOptions, QueryResult, SqlBackend } from './sql-backend';

/** Mutual exclusion with FIFO order; acquiring can give up after a timeout. */
class AsyncLock {
  private held = false;
  private waiters: Array<{ grant: () => void }> = [];

  acquire(timeoutMs?: number): Promise<() => void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(() => this.release());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          if (timer) clearTimeout(timer);
          resolve(() => this.release());
        },
      };
      const timer =
        timeoutMs !== undefined
          ? setTimeout(() => {
              const idx = this.waiters.indexOf(waiter);
              if (idx >= 0) this.waiters.splice(idx, 1);
              reject(new StatementTimeoutError('The statement timed out while waiting for the database session'));
            }, timeoutMs)
          : undefined;
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.held = false;
  }
}

export interface PGliteBackendOptions {
  /**
   * Database names this backend answers to. PGlite holds a single database, so by default any
   * `database` in a request is accepted and mapped onto it; list names to reject others like Aurora would.
   */
  databases?: string[];
  /** Close the PGlite instance when the backend closes (default: true when the backend opened it). */
  ownsPglite?: boolean;
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly). One session, one statement at a time: calls and
 * transactions are serialised through a lock, and a transaction holds the session until it ends,
 * so a non-transactional call waits for an open transaction to finish (or for its own timeout).
 * PGlite blocks the event loop while a statement runs, so a timeout is detected when the statement
 * returns (its effects stay) rather than by cancelling it.
 */
export class PGliteBackend implements SqlBackend {
  readonly engine = 'postgres' as const;
  private readonly lock = new AsyncLock();
  private readonly catalog = new PgCatalog();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  private readonly ownsPglite: boolean;

  constructor(readonly pglite: PGlite, private readonly options: PGliteBackendOptions = {}) {
    this.ownsPglite = options.ownsPglite ?? false;
  }

  /** Open (or create) a PGlite database; `dataDir` omitted = in memory. */
  static async open(dataDir?: string, options: Omit<PGliteBackendOptions, 'ownsPglite'> = {}): Promise<PGliteBackend> {
    const pglite = await PGlite.create(dataDir ? { dataDir } : {});
    const backend = new PGliteBackend(pglite, { ...options, ownsPglite: true });
    await backend.connection();
    return backend;
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = (async () => {
        const config = createPgConfig(this.pglite) as unknown as pg.ClientConfig;
        const client = new pg.Client({ ...config, types: RAW_TYPES });
        await client.connect();
        await client.query("SET TimeZone TO 'UTC'");
        await client.query("SET DateStyle TO 'ISO, MDY'");
        this.client = client;
        return client;
      })();
      this.connecting.catch(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private checkDatabase(database?: string): void {
    if (database && this.options.databases && !this.options.databases.includes(database)) {
      throw new BackendDatabaseError(`FATAL: database "${database}" does not exist; SQLState: 3D000`, '3D000');
    }
  }

  private async runTimed(
    conn: pg.Client,
    sql: string,
    params: unknown[],
    opts: QueryOptions,
    started: number,
  ): Promise<QueryResult> {
    const result = await pgRun(conn as unknown as PgConn, this.catalog, sql, params, opts.includeMetadata ?? false);
    if (opts.timeoutMs && opts.timeoutMs > 0 && Date.now() - started > opts.timeoutMs) throw new StatementTimeoutError();
    return result;
  }

  private async withSchema<T>(conn: pg.Client, schema: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (!schema) return fn();
    const previous = await conn.query({ text: 'SHOW search_path', rowMode: 'array' });
    await conn.query({ text: "SELECT pg_catalog.set_config('search_path', $1, false)", values: [schema] });
    try {
      return await fn();
    } finally {
      await conn.query({ text: "SELECT pg_catalog.set_config('search_path', $1, false)", values: [previous.rows[0][0]] }).catch(() => undefined);
    }
  }

  async query(sql: string, params: unknown[], opts: QueryOptions = {}): Promise<QueryResult> {
    this.checkDatabase(opts.database);
    const started = Date.now();
    const conn = await this.connection();
    const release = await this.lock.acquire(opts.timeoutMs);
    try {
      return await this.withSchema(conn, opts.schema, () => this.runTimed(conn, sql, params, opts, started));
    } finally {
      release();
    }
  }

  async beginTransaction(opts: { database?: string; schema?: string; timeoutMs?: number } = {}): Promise<BackendTransaction> {
    this.checkDatabase(opts.database);
    const conn = await this.connection();
    const release = await this.lock.acquire(opts.timeoutMs);
    let done = false;
    try {
      await conn.query('BEGIN');
      if (opts.schema) await conn.query({ text: "SELECT pg_catalog.set_config('search_path', $1, true)", values: [opts.schema] });
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      release();
      throw toBackendError(err);
    }
    const finish = async (command: 'COMMIT' | 'ROLLBACK') => {
      if (done) throw new BackendDatabaseError('Transaction already finished');
      done = true;
      try {
        const res = await conn.query(command);
        // COMMIT of a failed transaction answers ROLLBACK: surface it like the Data API does.
        if (command === 'COMMIT' && res.command === 'ROLLBACK') {
          throw new BackendDatabaseError('Transaction has been rolled back due to an earlier error in this transaction');
        }
      } catch (err) {
        throw toBackendError(err);
      } finally {
        release();
      }
    };
    return {
      query: (sql, params, qopts = {}) => {
        if (done) return Promise.reject(new BackendDatabaseError('Transaction already finished'));
        return this.runTimed(conn, sql, params, qopts, Date.now());
      },
      commit: () => finish('COMMIT'),
      rollback: () => finish('ROLLBACK'),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client ?? (this.connecting ? await this.connecting.catch(() => undefined) : undefined);
    await client?.end().catch(() => undefined);
    if (this.ownsPglite && !this.pglite.closed) await this.pglite.close();
  }
}
