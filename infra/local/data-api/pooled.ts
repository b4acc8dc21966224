/** Helpers shared by the pooled backends (a real PostgreSQL or MySQL server behind a driver pool). */
import { BackendDatabaseError, StatementTimeoutError } from './errors';
import type { BackendTransaction, QueryOptions, QueryResult } from './sql-backend';

/** Runs a statement with the Data API's timeout semantics; `cancel` interrupts the running statement. */
export async function withStatementTimeout<T>(
  run: Promise<T>,
  opts: { timeoutMs?: number; continueAfterTimeout?: boolean },
  cancel: () => Promise<void>,
): Promise<T> {
  if (!opts.timeoutMs || opts.timeoutMs <= 0) return run;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (!opts.continueAfterTimeout) cancel().catch(() => undefined);
      reject(new StatementTimeoutError());
    }, opts.timeoutMs);
  });
  run.catch(() => undefined); // a late failure after the timeout already answered must not go unhandled
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The transaction of a pooled backend (Postgres, MySQL): one connection runs one statement at a time,
 * so commit and rollback wait for the statement still running, and nothing runs once either was called.
 */
export function pooledTransaction(
  run: (sql: string, params: unknown[], opts: QueryOptions) => Promise<QueryResult>,
  end: (command: 'COMMIT' | 'ROLLBACK') => Promise<void>,
): BackendTransaction {
  let done = false;
  let running: Promise<unknown> = Promise.resolve();
  const finish = async (command: 'COMMIT' | 'ROLLBACK') => {
    if (done) throw new BackendDatabaseError('Transaction already finished');
    done = true;
    await running.catch(() => undefined);
    await end(command);
  };
  return {
    query: (sql, params, qopts = {}) => {
      if (done) return Promise.reject(new BackendDatabaseError('Transaction already finished'));
      const p = run(sql, params, qopts);
      running = p.catch(() => undefined);
      return p;
    },
    commit: () => finish('COMMIT'),
    rollback: () => finish('ROLLBACK'),
  };
}

/** Ends every pool a pooled backend opened; one that fails to end must not keep the others open. */
export async function endPools(pools: Map<string, { end(): Promise<unknown> }>): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}
