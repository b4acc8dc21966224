/**
 * The process killed (SIGKILL) while a governed command runs in the database, then started again over
 * the same data folder: the real entry point (`npm start`) in a child process, on the run's real
 * PostgreSQL server so the database outlives the process, as Aurora outlives a Lambda.
 *
 * Asserted from the database itself: the statement was running when the process died, its
 * transaction was never committed (0 rows), and it was not run again after the restart (still 0).
 * Asserted from the record: the session ends failed as outcome_unknown (it cannot know whether the
 * commit was sent, so it says so and never re-runs it), and its event chain verifies.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionStream } from '../../functions/app/audit-trail';
import { type AuditEvent, verifyChain } from '../../functions/domain/audit-chain';
import { type LocalProcess, localProcess } from '../support/local-process';
import { postgresDatabase } from '../support/postgres';
import { poll, UNREVIEWED } from './harness';

const dataDir = mkdtempSync(join(tmpdir(), 'accessgate-killed-'));
let databaseUrl: string;
let database: pg.Client;
let product: LocalProcess;

/** Rows the command inserted and committed, counted in the database, never through our record. */
const runs = async (tag: string) => Number((await database.query('SELECT count(*)::int AS n FROM fault_runs WHERE tag = $1', [tag])).rows[0].n);

/** Backends running (or holding open) the command's statement right now. */
const backendsOn = async (tag: string) =>
  Number((await database.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%'", [tag])).rows[0].n);

beforeAll(async () => {
  databaseUrl = await postgresDatabase('killed');
  database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  product = localProcess({ ACCESSGATE_DATA_DIR: dataDir, ACCESSGATE_POSTGRES_URL: databaseUrl });
}, 60_000);

afterAll(async () => {
  await product?.stop('SIGTERM');
  await database?.end();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the process killed while a statement runs, then restarted', () => {
  it('leaves the command uncommitted, never runs it again, and records its outcome as unknown', async () => {
    // Prepare
    await product.start();
    await database.query('CREATE TABLE IF NOT EXISTS fault_runs (tag text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    const alice = await product.token('alice@example.com');
    const tag = randomUUID();
    // One statement that holds its transaction open for a while before its row exists.
    const command = `insert into fault_runs (tag) select '${tag}' from pg_sleep(8)`;
    const submitted = await product.call('POST', '/sessions', alice, { resource: UNREVIEWED, command });
    expect(submitted.status).toBe(202);
    const id = submitted.body.session.id as string;

    // Act: kill the process once the database is running the statement
    await poll('the statement to run in the database', async () => ((await backendsOn(tag)) > 0 ? true : undefined));
    await product.stop('SIGKILL');
    // The server notices the dead client once the statement ends; then nothing holds its transaction.
    await poll('the killed statement to end', async () => ((await backendsOn(tag)) === 0 ? true : undefined));
    expect(await runs(tag), 'rows committed by the killed run').toBe(0);

    await product.start();
    const final = await poll('the session to be final after the restart', async () => {
      const view = await product.call('GET', `/sessions/${id}`, alice);
      // The session turns final just before its final event is appended: wait for both.
      const ended = (view.body.events as AuditEvent[]).some((event) => event.type === 'session.failed' || event.type === 'session.done');
      return ['done', 'failed'].includes(view.body.session.status) && ended ? view : undefined;
    });

    // Assess
    expect(final.body.session.status).toBe('failed');
    expect(final.body.session.error).toMatchObject({ code: 'outcome_unknown', message: expect.stringMatching(/^Outcome unknown: the run was interrupted.*will not be run again/) });
    const events = final.body.events as AuditEvent[];
    expect(events.map((event) => event.type)).toEqual(['session.requested', 'session.running', 'session.failed']);
    expect(verifyChain(sessionStream(id), events)).toEqual([]);
    expect(await backendsOn(tag), 'the command sent again after the restart').toBe(0);
    expect(await runs(tag), 'rows after the restart').toBe(0);
  }, 300_000);
});
