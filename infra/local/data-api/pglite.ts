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

/** The protocol's Sync message: ends an extended-protocol exchange PGlite may have been left inside. */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const ROLLED_BACK = 'Transaction has been rolled back: one of its statements did not answer within the statement timeout';
const NO_ANSWER = Symbol('no answer');

/**
 * Embedded PostgreSQL (PGlite, WebAssembly). One session, one statement at a time: calls and
 * transactions are serialised through a lock, and a transaction holds the session until it ends,
 * so a non-transactional call waits for an open transaction to finish (or for its own timeout).
 *
 * Statement timeout, and why it is a watchdog: PGlite ignores `statement_timeout` (WebAssembly has no
 * timer signal) and blocks the event loop while a statement runs, so nothing can interrupt it. A
 * statement that returns after its timeout fails with StatementTimeoutError and its effects stay.
 * A statement whose answer never comes (PGlite loses it, e.g. on a 15 KB nested expression) would
 * hold the session for ever: when its timeout passes with the event loop free, the session is
 * abandoned, a fresh connection to the same PGlite is reset (Sync, ROLLBACK: any open transaction is
 * rolled back), and the call fails with StatementTimeoutError. The next command runs on the fresh
 * session; a transaction that lost its session refuses further statements and its commit.
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

  /** The session, or StatementTimeoutError when it cannot be had within the timeout (a wedged PGlite). */
  private async session(timeoutMs: number | undefined): Promise<pg.Client> {
    if (!timeoutMs || timeoutMs <= 0) return this.connection();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.connection(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StatementTimeoutError('The statement timed out while connecting to the database session')), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Abandons a session whose answer never came and resets PGlite's one session for the next command. */
  private async replaceSession(stuck: pg.Client): Promise<void> {
    if (this.client === stuck) {
      this.client = undefined;
      this.connecting = undefined;
    }
    await this.pglite.execProtocolRaw(SYNC).catch(() => undefined);
    const fresh = await this.connection();
    await fresh.query('ROLLBACK');
  }

  /** Runs `work` on `conn` under the watchdog described on the class. */
  private async watched<T>(conn: pg.Client, timeoutMs: number | undefined, work: () => Promise<T>): Promise<T> {
    if (!timeoutMs || timeoutMs <= 0) return work();
    const started = Date.now();
    const running = work();
    running.catch(() => undefined); // answered late, after the watchdog gave up on it
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<typeof NO_ANSWER>((resolve) => {
      timer = setTimeout(() => resolve(NO_ANSWER), timeoutMs);
    });
    try {
      const outcome = await Promise.race([running, silence]);
      if (outcome === NO_ANSWER) {
        // Bounded too: a reset that does not answer leaves the session to be reconnected by the next call.
        let resetTimer: NodeJS.Timeout | undefined;
        await Promise.race([this.replaceSession(conn), new Promise((resolve) => (resetTimer = setTimeout(resolve, timeoutMs)))]).catch(() => undefined);
        clearTimeout(resetTimer);
        if (this.client === conn) this.client = undefined;
        throw new StatementTimeoutError();
      }
      if (Date.now() - started > timeoutMs) throw new StatementTimeoutError();
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  private checkDatabase(database?: string): void {
    if (database && this.options.databases && !this.options.databases.includes(database)) {
      throw new BackendDatabaseError(`FATAL: database "${database}" does not exist; SQLState: 3D000`, '3D000');
    }
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
    const release = await this.lock.acquire(opts.timeoutMs);
    try {
      const conn = await this.session(opts.timeoutMs);
      const includeMetadata = opts.includeMetadata ?? false;
      const result = await this.watched(conn, opts.timeoutMs, () =>
        this.withSchema(conn, opts.schema, () => pgRun(conn as unknown as PgConn, this.catalog, sql, params, includeMetadata)),
      );
      // The whole call, waiting for the session included, is bound by the timeout, as on the Data API.
      if (opts.timeoutMs && opts.timeoutMs > 0 && Date.now() - started > opts.timeoutMs) throw new StatementTimeoutError();
      return result;
    } finally {
      release();
    }
  }

  async beginTransaction(opts: { database?: string; schema?: string; timeoutMs?: number } = {}): Promise<BackendTransaction> {
    this.checkDatabase(opts.database);
    const acquired = await this.lock.acquire(opts.timeoutMs);
    let released = false;
    const release = () => {
      if (!released) acquired();
      released = true;
    };
    let conn: pg.Client;
    try {
      conn = await this.session(opts.timeoutMs);
      await this.watched(conn, opts.timeoutMs, async () => {
        await conn.query('BEGIN');
        if (opts.schema) await conn.query({ text: "SELECT pg_catalog.set_config('search_path', $1, true)", values: [opts.schema] });
      });
    } catch (err) {
      if (this.client) await this.client.query('ROLLBACK').catch(() => undefined);
      release();
      throw toBackendError(err);
    }
    let done = false;
    let lost = false;
    const finish = async (command: 'COMMIT' | 'ROLLBACK') => {
      if (done) throw new BackendDatabaseError('Transaction already finished');
      done = true;
      if (lost) {
        if (command === 'COMMIT') throw new BackendDatabaseError(ROLLED_BACK);
        return;
      }
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
      query: async (sql, params, qopts = {}) => {
        if (done) throw new BackendDatabaseError('Transaction already finished');
        if (lost) throw new BackendDatabaseError(ROLLED_BACK);
        try {
          return await this.watched(conn, qopts.timeoutMs, () => pgRun(conn as unknown as PgConn, this.catalog, sql, params, qopts.includeMetadata ?? false));
        } finally {
          if (this.client !== conn) {
            // The watchdog replaced the session and rolled this transaction back: free the session now.
            lost = true;
            release();
          }
        }
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
