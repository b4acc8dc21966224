/**
 * The preview and the row ceiling end to end over HTTP on the local runtime, on a real PostgreSQL
 * server and on MariaDB (when ACCESSGATE_TEST_MYSQL_URL names one, as .ci/run sets): the same handlers,
 * ASL file and Data API stand-in as everywhere else. Every effect is counted in the database itself,
 * through a driver of its own, never through accessgate's record.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { postgresDatabase } from '../support/postgres';
import { debianOnly } from '../support/skip-policy';
import { ApiClient } from './client';

/** One database to test on: how to start the stack on it, and a direct line to it for setup and counting. */
interface Backend {
  readonly name: string;
  readonly resource: string;
  readonly present: () => boolean;
  /** How many statements other connections are running whose text contains `fragment`. */
  running(fragment: string): string;
  open(): Promise<{ stack: LocalStack; query: Query; close: () => Promise<void>; connect: () => Promise<{ query: Query; close: () => Promise<void> }> }>;
}

type Query = (sql: string) => Promise<unknown[][]>;

const mysqlUrl = process.env.ACCESSGATE_TEST_MYSQL_URL;

const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL',
    resource: 'postgres-demo',
    present: () => true,
    running: (fragment) => `SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%${fragment}%'`,
    async open() {
      const postgresUrl = await postgresDatabase('preview');
      const stack = await startLocalStack({ port: 0, postgresUrl });
      const connect = async () => {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        return { query: async (sql: string) => (await client.query({ text: sql, rowMode: 'array' })).rows as unknown[][], close: () => client.end() };
      };
      return { stack, connect, ...(await connect()) };
    },
  },
  {
    name: 'MariaDB',
    resource: 'mysql-rds',
    present: () =>
      debianOnly({ present: !!mysqlUrl, skips: 'the preview on MySQL (test/e2e/preview.test.ts)', install: 'apt-get install mariadb-server, then set ACCESSGATE_TEST_MYSQL_URL as .ci/run does' }),
    running: (fragment) => `SELECT COUNT(*) FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND info LIKE '%${fragment}%'`,
    async open() {
      const stack = await startLocalStack({ port: 0, mysqlUrl });
      const connect = async () => {
        const connection = await mysql.createConnection({ uri: mysqlUrl!, rowsAsArray: true });
        return { query: async (sql: string) => (await connection.query(sql))[0] as unknown[][], close: () => connection.end() };
      };
      return { stack, connect, ...(await connect()) };
    },
  },
];

for (const backend of BACKENDS) {
  describe.runIf(backend.present())(`the preview and the row ceiling on ${backend.name}`, () => {
    // The MariaDB database is shared with other test files: this file's table has a name of its own.
    const table = `preview_items_${randomBytes(3).toString('hex')}`;
    let db: Awaited<ReturnType<Backend['open']>>;
    let alice: ApiClient;
    let bob: ApiClient;

    beforeAll(async () => {
      db = await backend.open();
      await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, batch int NOT NULL)`);
      const rows = [1, 2, 3].flatMap((batch) => Array.from({ length: 10 }, (_, i) => `(${batch * 100 + i + 1}, ${batch})`));
      await db.query(`INSERT INTO ${table} (id, batch) VALUES ${rows.join(', ')}`);
      alice = await ApiClient.as(db.stack, 'alice@example.com');
      bob = await ApiClient.as(db.stack, 'bob@example.com');
    }, 180_000);

    afterAll(async () => {
      await db?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await db?.close();
      await db?.stack.stop();
    });

    const count = async (where: string) => Number((await db.query(`SELECT COUNT(*) FROM ${table} WHERE ${where}`))[0][0]);

    /** Submits as alice and waits until the workflow has stored the preview (before the review request goes out). */
    async function submitPreviewed(command: string) {
      const submitted = await alice.post('/sessions', { resource: backend.resource, command });
      expect(submitted.status).toBe(202);
      const id = submitted.body.session.id as string;
      let session = submitted.body.session;
      for (let i = 0; i < 20 && !session.preview; i++) session = (await alice.get(`/sessions/${id}?wait=5&after=${encodeURIComponent(session.updatedAt)}`)).body.session;
      expect(session.preview).toBeDefined();
      return { id, session };
    }

    async function approveAndWait(id: string) {
      expect((await bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
      let view = (await alice.get(`/sessions/${id}?wait=20`)).body;
      for (let i = 0; i < 5 && !['done', 'failed'].includes(view.session.status); i++) view = (await alice.get(`/sessions/${id}?wait=20`)).body;
      return view;
    }

    it('previews a delete at exactly its row count, the dry run changing nothing, and shows it to the reviewer', async () => {
      const { id, session } = await submitPreviewed(`delete from ${table} where batch = 1`);
      expect(session.preview).toEqual({ statements: [{ kind: 'write', tables: [table], flags: [], rowsAffected: 10 }], rowsAffected: 10, rowLimit: 11 });
      // The dry run was rolled back: every row is still there.
      expect(await count('batch = 1')).toBe(10);
      const inbox = (await bob.get('/reviews')).body.reviews as { session: { id: string; preview?: unknown } }[];
      expect(inbox.find((review) => review.session.id === id)?.session.preview).toEqual(session.preview);

      const done = await approveAndWait(id);
      expect(done.session.status).toBe('done');
      expect(done.session.result.recordsUpdated).toBe(10);
      expect(await count('batch = 1')).toBe(0);
      expect(done.events.map((e: { type: string }) => e.type)).toContain('session.previewed');
    }, 120_000);

    it('rolls back a delete that would change more rows than its ceiling (rows added after the preview)', async () => {
      const { id, session } = await submitPreviewed(`delete from ${table} where batch = 2`);
      expect(session.preview).toMatchObject({ rowsAffected: 10, rowLimit: 11 });
      await db.query(`INSERT INTO ${table} (id, batch) VALUES (251, 2), (252, 2), (253, 2), (254, 2), (255, 2)`);

      const failed = await approveAndWait(id);
      expect(failed.session.status).toBe('failed');
      expect(failed.session.error).toEqual({ code: 'row_limit_exceeded', message: 'The command changed 15 rows, more than the 11 its approval allows; it was rolled back and nothing was applied.' });
      expect(await count('batch = 2')).toBe(15);
    }, 120_000);

    it('runs a two-statement script as one unit', async () => {
      const { id, session } = await submitPreviewed(`update ${table} set batch = 33 where id = 301;\ndelete from ${table} where id = 302`);
      expect(session.preview).toMatchObject({ statements: [{ kind: 'write', rowsAffected: 1 }, { kind: 'write', rowsAffected: 1 }], rowsAffected: 2, rowLimit: 3 });
      expect(await count('id = 302')).toBe(1);

      const done = await approveAndWait(id);
      expect(done.session.status).toBe('done');
      expect(await count('id = 301 AND batch = 33')).toBe(1);
      expect(await count('id = 302')).toBe(0);
    }, 120_000);

    it('leaves no trace of a script whose second statement fails', async () => {
      const before = await count('batch = 3');
      const { id, session } = await submitPreviewed(`delete from ${table} where batch = 3; insert into ${table}_missing (id) values (1)`);
      // The dry run failed on the second statement: nothing counted, and the review goes ahead.
      expect(session.preview.skipped).toMatch(/^the preview failed/);
      expect(session.status).toBe('pending_review');

      const failed = await approveAndWait(id);
      expect(failed.session.status).toBe('failed');
      expect(await count('batch = 3')).toBe(before);
    }, 120_000);

    it('shows the planner\'s estimate and plan for a read', async () => {
      const { session } = await submitPreviewed(`select id from ${table} where batch = 3`);
      const [read] = session.preview.statements;
      expect(read).toMatchObject({ kind: 'read', tables: [table], flags: [] });
      expect(typeof read.estimatedRows).toBe('number');
      expect(typeof read.plan.node).toBe('string');
      expect(session.preview.rowsAffected).toBeUndefined();
    }, 120_000);

    it('has the database stop a dry run held up by a lock at its statement timeout, so nothing of it runs on', async () => {
      // Another session holds the row: the dry run's delete would wait for it far beyond the preview's budget.
      const holder = await db.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM ${table} WHERE id = 303 FOR UPDATE`);
        const { id, session } = await submitPreviewed(`delete from ${table} where id = 303`);
        expect(session.preview.skipped).toMatch(/^the preview failed \((StatementTimeoutException|57014)\); nothing was counted$/);
        expect(session.status).toBe('pending_review');
        // Counted in the database: no statement of the dry run still waits for the lock.
        expect(Number((await db.query(backend.running(`from ${table} where id = 303`)))[0][0])).toBe(0);
        expect((await alice.post(`/sessions/${id}/cancel`)).status).toBe(200);
      } finally {
        await holder.query('ROLLBACK');
        await holder.close();
      }
      expect(await count('id = 303')).toBe(1);
    }, 120_000);
  });
}
