/**
 * The Data API's open transactions (BeginTransaction … CommitTransaction / RollbackTransaction).
 *
 * Contract, as the Data API behaves: a transaction id belongs to the cluster that opened it (another
 * cluster, or an id never issued or already ended, gets BadRequestException "Transaction … is not
 * found"); a transaction runs one statement at a time (a second call while one runs is refused, it
 * does not queue); a transaction untouched for the idle timeout (Data API: 3 minutes) is rolled back
 * and forgotten. Commit or rollback forgets the id before the database answers, so of two racing
 * CommitTransaction calls exactly one reaches the database and the other is told the id is not found.
 */
import { randomBytes } from 'node:crypto';
import { DataApiError, badRequest } from './data-api-error';
import type { BackendTransaction } from './sql-backend';

interface OpenTransaction {
  resourceArn: string;
  tx: BackendTransaction;
  busy: boolean;
  timer?: NodeJS.Timeout;
}

export class OpenTransactions {
  private readonly open = new Map<string, OpenTransaction>();

  constructor(private readonly idleMs: number) {}

  /** Registers a transaction the backend opened; returns its id (long opaque base64, like AWS's). */
  add(resourceArn: string, tx: BackendTransaction): string {
    const id = randomBytes(96).toString('base64');
    const t: OpenTransaction = { resourceArn, tx, busy: false };
    this.open.set(id, t);
    this.touch(id, t);
    return id;
  }

  /** Runs one statement in the transaction; refuses while another statement of it is running. */
  async run<T>(resourceArn: string, id: string, fn: (tx: BackendTransaction) => Promise<T>): Promise<T> {
    const t = this.idle(resourceArn, id);
    t.busy = true;
    clearTimeout(t.timer);
    try {
      return await fn(t.tx);
    } finally {
      t.busy = false;
      if (this.open.get(id) === t) this.touch(id, t);
    }
  }

  /** Forgets the transaction and hands it over to be committed or rolled back. */
  end(resourceArn: string, id: string): BackendTransaction {
    const t = this.idle(resourceArn, id);
    clearTimeout(t.timer);
    this.open.delete(id);
    return t.tx;
  }

  /** Rolls back every open transaction (the server is closing). */
  async rollbackAll(): Promise<void> {
    const all = [...this.open.values()];
    for (const t of all) clearTimeout(t.timer);
    this.open.clear();
    await Promise.all(all.map((t) => t.tx.rollback().catch(() => undefined)));
  }

  private idle(resourceArn: string, id: string): OpenTransaction {
    const t = this.open.get(id);
    if (!t || t.resourceArn !== resourceArn) throw badRequest(`Transaction ${id} is not found`);
    if (t.busy) throw new DataApiError('DatabaseErrorException', 'Transaction is still running a query');
    return t;
  }

  private touch(id: string, t: OpenTransaction): void {
    clearTimeout(t.timer);
    t.timer = setTimeout(() => {
      this.open.delete(id);
      t.tx.rollback().catch(() => undefined);
    }, this.idleMs);
    t.timer.unref();
  }
}
