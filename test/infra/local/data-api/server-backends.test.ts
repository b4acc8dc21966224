/**
 * The local Data API server against real database servers: what PGlite cannot show — concurrent
 * sessions, real cancellation on timeout, continueAfterTimeout, several databases — and the MySQL
 * dialect end to end through the SDK. PostgreSQL is the run's own server from npm (or
 * ACCESSGATE_TEST_PG_URL); MySQL needs a MariaDB server (Debian-only, .ci/run starts one):
 *   ACCESSGATE_TEST_MYSQL_URL=mysql://user:pass@127.0.0.1:3306/db
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RDSDataClient } from '@aws-sdk/client-rds-data';
import { startDataApiServer, type DataApiServer } from '../../../../infra/local/data-api/server';
import { MysqlBackend, PostgresBackend, type SqlBackend } from '../../../../infra/local/data-api/backends';
import { seedDemoSchema } from '../../../../infra/local/data-api/demo-schema';
import { postgresDatabase } from '../../../support/postgres';
import { debianOnly } from '../../../support/skip-policy';
import { callsOn, dataApiClient, failure, localCluster } from './calls';

const PG_URL = await postgresDatabase('dataapi_backends');
const MYSQL_URL = process.env.ACCESSGATE_TEST_MYSQL_URL;
const { cluster: CLUSTER, secret: SECRET } = localCluster('integration');
const TABLE = `dataapi_items_${process.pid}`;

function harness(makeBackend: () => SqlBackend, statementTimeoutMs = 500) {
  const ctx = {} as { backend: SqlBackend; server: DataApiServer; client: RDSDataClient };
  beforeAll(async () => {
    ctx.backend = makeBackend();
    await seedDemoSchema(ctx.backend);
    ctx.server = await startDataApiServer({ backends: new Map([[CLUSTER, ctx.backend]]), statementTimeoutMs });
    ctx.client = dataApiClient(ctx.server.url, 1);
  });
  afterAll(async () => {
    await ctx.backend?.query(`DROP TABLE IF EXISTS ${TABLE}`, []).catch(() => undefined);
    ctx.client?.destroy();
    await ctx.server?.close();
    await ctx.backend?.close();
  });
  return callsOn(() => ctx.client, CLUSTER, SECRET);
}

/**
 * `statement` runs past the timeout: the call fails with StatementTimeoutException, the next command
 * runs, and the server's own list of running statements (`running(statement)`, a count) no longer holds it.
 */
async function expectStoppedOnServer(exec: ReturnType<typeof harness>['exec'], statement: string, running: (statement: string) => string) {
  const stuck = await failure(exec(statement));
  expect(stuck.name).toBe('StatementTimeoutException');
  expect((await exec('SELECT 1')).records).toEqual([[{ longValue: 1 }]]);
  const sleeping = await exec(running(statement));
  expect(sleeping.records).toEqual([[{ longValue: 0 }]]);
}

/** MariaDB's count of the connections running `statement`. */
const mysqlRunning = (statement: string) => `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = '${statement}'`;

describe('PostgreSQL server backend', () => {
  // Long enough that a statement can be seen running, and a second call sent, on a busy machine.
  const { exec, batch, begin, commit, rollback } = harness(() => new PostgresBackend(PG_URL), 2_000);
  const database = decodeURIComponent(new URL(PG_URL).pathname.slice(1));
  /** Statements of this database that are sleeping right now, as the server itself reports them. */
  const sleeping = async () =>
    (await exec("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep(%'")).records![0][0].longValue;

  beforeAll(async () => {
    await exec(`DROP TABLE IF EXISTS ${TABLE}`);
    await exec(`CREATE TABLE ${TABLE} (id serial PRIMARY KEY, label text NOT NULL, tag uuid)`);
  });

  it('serves the seeded demo schema with typed records and metadata', async () => {
    const res = await exec('SELECT count(*) AS n FROM customers', { database });
    expect(res.records).toEqual([[{ longValue: 1000 }]]);
    const row = await exec('SELECT id, total, created_at FROM orders WHERE id = :id', {
      includeResultMetadata: true,
      parameters: [{ name: 'id', value: { longValue: 1 } }],
    });
    expect(row.records![0][0]).toEqual({ longValue: 1 });
    expect(row.records![0][1].stringValue).toMatch(/^\d+\.\d{2}$/);
    expect(row.columnMetadata!.map((m) => [m.typeName, m.tableName, m.nullable])).toEqual([
      ['int4', 'orders', 0],
      ['numeric', 'orders', 0],
      ['timestamp', 'orders', 0],
    ]);
  });

  it('reports SQL errors and unknown databases as DatabaseErrorException', async () => {
    const syntax = await failure(exec('SELEC 1'));
    expect(syntax.name).toBe('DatabaseErrorException');
    expect(syntax.message).toBe('ERROR: syntax error at or near "SELEC"\n  Position: 1; SQLState: 42601');
    const noDb = await failure(exec('SELECT 1', { database: 'no_such_database_here' }));
    expect(noDb.name).toBe('DatabaseErrorException');
    expect(noDb.message).toContain('does not exist');
  });

  it('isolates an open transaction from other calls and commits it', async () => {
    const id = await begin();
    await exec(`INSERT INTO ${TABLE} (label) VALUES ('iso')`, { transactionId: id });
    expect((await exec(`SELECT count(*) FROM ${TABLE} WHERE label = 'iso'`)).records).toEqual([[{ longValue: 0 }]]);
    await commit(id);
    expect((await exec(`SELECT count(*) FROM ${TABLE} WHERE label = 'iso'`)).records).toEqual([[{ longValue: 1 }]]);
  });

  it('refuses a second call on a transaction that is still running a query', async () => {
    const id = await begin();
    const slow = exec('SELECT pg_sleep(1.5)', { transactionId: id });
    await expect.poll(sleeping, { timeout: 20_000, interval: 20 }).toBe(1);
    const busy = await failure(exec('SELECT 1', { transactionId: id }));
    expect(busy.name).toBe('DatabaseErrorException');
    expect(busy.message).toBe('Transaction is still running a query');
    await slow;
    await rollback(id);
  });

  it('cancels a statement past the timeout, or lets it finish with continueAfterTimeout', async () => {
    const cancelled = await failure(exec(`INSERT INTO ${TABLE} (label) SELECT 'cancelled' FROM pg_sleep(4)`));
    expect(cancelled.name).toBe('StatementTimeoutException');

    const continued = await failure(exec(`INSERT INTO ${TABLE} (label) SELECT 'continued' FROM pg_sleep(2.5)`, { continueAfterTimeout: true }));
    expect(continued.name).toBe('StatementTimeoutException');
    // Counted in the database once neither statement is running: the cancelled one left no row.
    await expect.poll(sleeping, { timeout: 20_000, interval: 100 }).toBe(0);
    const rows = await exec(`SELECT label FROM ${TABLE} WHERE label IN ('cancelled', 'continued') ORDER BY label`);
    expect(rows.records).toEqual([[{ stringValue: 'continued' }]]);
  });

  it('binds typeHinted parameters and batches', async () => {
    const batched = await batch(
      `INSERT INTO ${TABLE} (label, tag) VALUES (:label, :tag)`,
      ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'].map((u) => [
        { name: 'label', value: { stringValue: 'uuid' } },
        { name: 'tag', value: { stringValue: u }, typeHint: 'UUID' as const },
      ]),
    );
    expect(batched.updateResults).toHaveLength(2);
    const res = await exec(`SELECT count(*) FROM ${TABLE} WHERE tag = :t`, {
      parameters: [{ name: 't', value: { stringValue: 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12' }, typeHint: 'UUID' }],
    });
    expect(res.records).toEqual([[{ longValue: 1 }]]);
  });
});

describe('PostgreSQL server backend with its only pooled connection stuck', () => {
  const { exec } = harness(() => new PostgresBackend(PG_URL, { maxConnections: 1 }), 300);

  it('stops the statement at its timeout on the server itself, so the next command runs', async () => {
    // The client-side cancel needs a second connection, which the pool of one cannot give.
    await expectStoppedOnServer(exec, 'SELECT pg_sleep(60)', (sql) => `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query = '${sql}'`);
  });
});

const mysqlTests = debianOnly({
  present: !!MYSQL_URL,
  skips: 'MySQL server backend (test/infra/local/data-api/server-backends.test.ts)',
  install: 'apt-get install mariadb-server, then set ACCESSGATE_TEST_MYSQL_URL as .ci/run does',
});

describe.runIf(mysqlTests)('MySQL server backend', () => {
  const { exec, begin, commit, rollback } = harness(() => new MysqlBackend(MYSQL_URL!));

  beforeAll(async () => {
    await exec(`DROP TABLE IF EXISTS ${TABLE}`);
    await exec(
      `CREATE TABLE ${TABLE} (id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(50) NOT NULL, flag TINYINT(1), amount DECIMAL(8,3), at DATETIME(3), raw VARBINARY(16), doc JSON)`,
    );
  });

  it('serves the seeded demo schema with typed records and metadata', async () => {
    expect((await exec('SELECT COUNT(*) AS n FROM customers')).records).toEqual([[{ longValue: 1000 }]]);
    const res = await exec('SELECT c.id, name, total, o.created_at FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 1', {
      includeResultMetadata: true,
    });
    const [id, name, total, createdAt] = res.records![0];
    expect(id.longValue).toBeGreaterThan(0);
    expect(typeof name.stringValue).toBe('string');
    expect(total.stringValue).toMatch(/^\d+\.\d{2}$/);
    expect(createdAt.stringValue).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(res.columnMetadata!.map((m) => [m.typeName, m.tableName])).toEqual([
      ['INT', 'customers'],
      ['VARCHAR', 'customers'],
      ['DECIMAL', 'orders'],
      ['DATETIME', 'orders'],
    ]);
    expect(res.columnMetadata![0]).toMatchObject({ isAutoIncrement: true, nullable: 0, type: 4 });
  });

  it('binds named parameters without touching ? or :names inside literals', async () => {
    const ins = await exec(`INSERT INTO ${TABLE} (label, flag, amount, at, raw, doc) VALUES (:label, :flag, :amount, :at, :raw, :doc)`, {
      parameters: [
        { name: 'label', value: { stringValue: "what's up?" } },
        { name: 'flag', value: { booleanValue: true } },
        { name: 'amount', value: { stringValue: '12.345' }, typeHint: 'DECIMAL' },
        { name: 'at', value: { stringValue: '2024-02-29 12:34:56.789' }, typeHint: 'TIMESTAMP' },
        { name: 'raw', value: { blobValue: Uint8Array.from([0, 1, 254]) } },
        { name: 'doc', value: { stringValue: '{"a": [1, 2]}' }, typeHint: 'JSON' },
      ],
    });
    expect(ins.numberOfRecordsUpdated).toBe(1);
    expect(ins.generatedFields![0].longValue).toBeGreaterThan(0);
    const res = await exec(`SELECT label, '?' AS q, ':label' AS lit, flag, amount, at, raw, doc FROM ${TABLE} WHERE label = :label`, {
      parameters: [{ name: 'label', value: { stringValue: "what's up?" } }],
    });
    const [label, q, lit, flag, amount, at, raw, doc] = res.records![0];
    expect(label).toEqual({ stringValue: "what's up?" });
    expect(q).toEqual({ stringValue: '?' });
    expect(lit).toEqual({ stringValue: ':label' });
    expect(flag).toEqual({ booleanValue: true });
    expect(amount).toEqual({ stringValue: '12.345' });
    expect(at).toEqual({ stringValue: '2024-02-29 12:34:56.789' });
    expect([...raw.blobValue!]).toEqual([0, 1, 254]);
    expect(JSON.parse(doc.stringValue!)).toEqual({ a: [1, 2] });
  });

  it('formats JSON records', async () => {
    const res = await exec('SELECT id, country, 18446744073709551615 AS big FROM customers WHERE id <= 2 ORDER BY id', { formatRecordsAs: 'JSON' });
    expect(res.formattedRecords).toContain('"big":18446744073709551615');
    expect(JSON.parse(res.formattedRecords!).map((r: { id: number }) => r.id)).toEqual([1, 2]);
  });

  it('reports SQL errors and multi-statements like Aurora MySQL', async () => {
    const err = await failure(exec('SELEC 1'));
    expect(err.name).toBe('DatabaseErrorException');
    expect(err.message).toMatch(/SQL syntax.*; Error code: 1064; SQLState: 42000$/);
    const multi = await failure(exec('SELECT 1; SELECT 2'));
    expect(multi.name).toBe('BadRequestException');
  });

  it('rolls back and commits transactions', async () => {
    const count = async () => (await exec(`SELECT COUNT(*) FROM ${TABLE} WHERE label = 'tx'`)).records![0][0].longValue;
    const id = await begin();
    await exec(`INSERT INTO ${TABLE} (label) VALUES ('tx')`, { transactionId: id });
    expect(await count()).toBe(0);
    await rollback(id);
    expect(await count()).toBe(0);
    const id2 = await begin();
    await exec(`INSERT INTO ${TABLE} (label) VALUES ('tx')`, { transactionId: id2 });
    await commit(id2);
    expect(await count()).toBe(1);
  });

  it('kills a statement past the timeout, on the server itself', async () => {
    // A sleep far beyond any test timeout: only the statement timeout can end it in time, and the
    // process list shows whether the server really stopped it (no wall-clock bound to flake on).
    await expectStoppedOnServer(exec, 'SELECT SLEEP(600)', mysqlRunning);
  });
});

describe.runIf(mysqlTests)('MySQL server backend with its only pooled connection stuck', () => {
  const { exec } = harness(() => new MysqlBackend(MYSQL_URL!, { maxConnections: 1 }), 300);

  it('stops the statement at its timeout on the server itself, so the next command runs', async () => {
    // KILL QUERY needs a second connection, which the pool of one cannot give.
    await expectStoppedOnServer(exec, 'SELECT SLEEP(60)', mysqlRunning);
  });
});
