/**
 * The local Data API server must be indistinguishable from Aurora for the real RDSDataClient:
 * these tests drive it only through @aws-sdk/client-rds-data against an in-memory PGlite seeded with
 * the demo schema (one server for the whole file; a fresh PGlite costs seconds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteStatementCommandInput, RDSDataClient } from '@aws-sdk/client-rds-data';
import { createFaultQueue, startDataApiServer, type DataApiServer } from '../../../../infra/local/data-api/server';
import { openPGliteBackend, seedDemoSchema } from '../../../../infra/local/data-api/demo-schema';
import type { PGliteBackend } from '../../../../infra/local/data-api/backends';
import { callsOn, dataApiClient, failure, localCluster } from './calls';

const { cluster: CLUSTER, secret: SECRET } = localCluster('local-demo');

let backend: PGliteBackend;
let server: DataApiServer;
let client: RDSDataClient;
let noRetryClient: RDSDataClient;
const faults = createFaultQueue();

const calls = callsOn(() => client, CLUSTER, SECRET);
const { batch, begin, commit, rollback } = calls;
/** A statement on the demo database (`postgres`), through `client` unless another is given. */
const exec = (sql: string, extra: Partial<ExecuteStatementCommandInput> = {}, via = client) => calls.exec(sql, { database: 'postgres', ...extra }, via);

beforeAll(async () => {
  backend = await openPGliteBackend();
  await seedDemoSchema(backend);
  server = await startDataApiServer({
    port: 0,
    backends: new Map([[CLUSTER, backend]]),
    secretArns: new Map([[CLUSTER, SECRET]]),
    faults,
  });
  client = dataApiClient(server.url);
  noRetryClient = dataApiClient(server.url, 1);
  await exec('CREATE TABLE items (id serial PRIMARY KEY, label text NOT NULL, qty int NOT NULL DEFAULT 0, tag uuid, doc jsonb)');
});

afterAll(async () => {
  client?.destroy();
  noRetryClient?.destroy();
  await server?.close();
  await backend?.close();
});

describe('ExecuteStatement results', () => {
  it('returns typed records and column metadata for a table query', async () => {
    const res = await exec('SELECT id, name, email, country, created_at FROM customers WHERE id = 1', { includeResultMetadata: true });
    expect(res.numberOfRecordsUpdated).toBe(0);
    expect(res.records).toHaveLength(1);
    const [id, name, email, country, createdAt] = res.records![0];
    expect(id).toEqual({ longValue: 1 });
    expect(typeof name.stringValue).toBe('string');
    expect(email.stringValue).toMatch(/@example\.com$/);
    expect(country.stringValue).toMatch(/^[A-Z]{2}$/);
    expect(createdAt.stringValue).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

    const meta = res.columnMetadata!;
    expect(meta.map((m) => m.name)).toEqual(['id', 'name', 'email', 'country', 'created_at']);
    expect(meta[0]).toMatchObject({ typeName: 'int4', type: 4, nullable: 0, isAutoIncrement: true, isSigned: true, precision: 10, tableName: 'customers', schemaName: 'public' });
    expect(meta[1]).toMatchObject({ typeName: 'varchar', type: 12, precision: 100, nullable: 0, isCaseSensitive: true });
    expect(meta[3]).toMatchObject({ typeName: 'bpchar', type: 1, precision: 2 });
    expect(meta[4]).toMatchObject({ typeName: 'timestamp', type: 93 });
  });

  it('maps every common Postgres type to the Data API field it uses', async () => {
    const res = await exec(
      `SELECT 7::int2 AS a, 9007199254740993::int8 AS big, 42::int8 AS small, 1.5::float8 AS f, 12.30::numeric(10,2) AS d,
              true AS b, NULL::text AS n, '\\x00ff'::bytea AS bin, ARRAY[1, NULL, 3]::int[] AS ints,
              ARRAY['x', 'y z']::text[] AS texts, '{"k": [1, 2]}'::jsonb AS doc,
              '2024-01-02 03:04:05.123'::timestamp AS ts, '2024-01-02 03:04:05+02'::timestamptz AS tstz,
              '2024-01-02'::date AS day, '10:11:12'::time AS t, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u,
              'NaN'::float8 AS nan`,
      { includeResultMetadata: true },
    );
    const byName = Object.fromEntries(res.columnMetadata!.map((m, i) => [m.label!, res.records![0][i]]));
    expect(byName.a).toEqual({ longValue: 7 });
    expect(byName.big).toEqual({ stringValue: '9007199254740993' });
    expect(byName.small).toEqual({ longValue: 42 });
    expect(byName.f).toEqual({ doubleValue: 1.5 });
    expect(byName.d).toEqual({ stringValue: '12.30' });
    expect(byName.b).toEqual({ booleanValue: true });
    expect(byName.n).toEqual({ isNull: true });
    expect(Buffer.from(byName.bin.blobValue!).toString('hex')).toBe('00ff');
    expect(byName.ints).toEqual({ arrayValue: { longValues: [1, null, 3] } });
    expect(byName.texts).toEqual({ arrayValue: { stringValues: ['x', 'y z'] } });
    expect(JSON.parse(byName.doc.stringValue!)).toEqual({ k: [1, 2] });
    expect(byName.ts).toEqual({ stringValue: '2024-01-02 03:04:05.123' });
    expect(byName.tstz).toEqual({ stringValue: '2024-01-02 01:04:05' });
    expect(byName.day).toEqual({ stringValue: '2024-01-02' });
    expect(byName.t).toEqual({ stringValue: '10:11:12' });
    expect(byName.u).toEqual({ stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
    expect(byName.nan).toEqual({ stringValue: 'NaN' });
    const meta = Object.fromEntries(res.columnMetadata!.map((m) => [m.label!, m]));
    expect(meta.ints).toMatchObject({ typeName: '_int4', type: 2003, arrayBaseColumnType: 4 });
    expect(meta.d).toMatchObject({ typeName: 'numeric', type: 2, precision: 10, scale: 2 });
    expect(meta.tstz).toMatchObject({ typeName: 'timestamptz', type: 93 });
    expect(meta.a.tableName).toBe('');
  });

  it('honours resultSetOptions', async () => {
    const res = await exec('SELECT 12.50::numeric AS d, 7::numeric AS whole, 5::int8 AS l', {
      resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG', longReturnType: 'STRING' },
    });
    expect(res.records![0]).toEqual([{ doubleValue: 12.5 }, { longValue: 7 }, { stringValue: '5' }]);
  });

  it('refuses multidimensional arrays like Aurora', async () => {
    const err = await failure(exec("SELECT '{{1,2},{3,4}}'::int[] AS m"));
    expect(err.name).toBe('UnsupportedResultException');
  });

  it('formats records as JSON keyed by column label', async () => {
    const res = await exec(
      `SELECT c.id, c.country AS "countryCode", o.total, 9223372036854775807::int8 AS max_long, '\\x6869'::bytea AS raw, true AS ok
       FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 1 ORDER BY o.id LIMIT 2`,
      { formatRecordsAs: 'JSON', includeResultMetadata: true },
    );
    expect(res.records).toBeUndefined();
    expect(res.columnMetadata).toBeUndefined();
    expect(res.formattedRecords).toContain('"max_long":9223372036854775807');
    const rows = JSON.parse(res.formattedRecords!);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: 1, raw: 'aGk=', ok: true });
    expect(typeof rows[0].countryCode).toBe('string');
    expect(rows[0].total).toMatch(/^\d+\.\d{2}$/);
  });

  it('rejects duplicate labels in JSON format', async () => {
    const err = await failure(exec('SELECT 1 AS a, 2 AS a', { formatRecordsAs: 'JSON' }));
    expect(err.name).toBe('BadRequestException');
  });
});

describe('named parameters', () => {
  it('binds every value type and typeHint', async () => {
    const res = await exec(
      `SELECT :s AS s, :l AS l, :d AS d, :b AS b, :n AS n, :blob AS blob, :arr AS arr,
              :day AS day, :t AS t, :ts AS ts, :dec AS dec, :js AS js, :u AS u`,
      {
        includeResultMetadata: true,
        parameters: [
          { name: 's', value: { stringValue: "it's" } },
          { name: 'l', value: { longValue: 42 } },
          { name: 'd', value: { doubleValue: 2.25 } },
          { name: 'b', value: { booleanValue: false } },
          { name: 'n', value: { isNull: true } },
          { name: 'blob', value: { blobValue: Uint8Array.from([1, 2, 3]) } },
          { name: 'arr', value: { arrayValue: { longValues: [1, 2] } } },
          { name: 'day', value: { stringValue: '2024-02-29' }, typeHint: 'DATE' },
          { name: 't', value: { stringValue: '23:59:58.5' }, typeHint: 'TIME' },
          { name: 'ts', value: { stringValue: '2024-02-29 12:00:00' }, typeHint: 'TIMESTAMP' },
          { name: 'dec', value: { stringValue: '123.4500' }, typeHint: 'DECIMAL' },
          { name: 'js', value: { stringValue: '{"a": 1}' }, typeHint: 'JSON' },
          { name: 'u', value: { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' }, typeHint: 'UUID' },
        ],
      },
    );
    const types = res.columnMetadata!.map((m) => m.typeName);
    expect(types).toEqual(['text', 'int8', 'float8', 'bool', 'text', 'bytea', '_int8', 'date', 'time', 'timestamp', 'numeric', 'json', 'uuid']);
    const [s, l, d, b, n, blob, arr, day, t, ts, dec, js, u] = res.records![0];
    expect(s).toEqual({ stringValue: "it's" });
    expect(l).toEqual({ longValue: 42 });
    expect(d).toEqual({ doubleValue: 2.25 });
    expect(b).toEqual({ booleanValue: false });
    expect(n).toEqual({ isNull: true });
    expect([...blob.blobValue!]).toEqual([1, 2, 3]);
    expect(arr).toEqual({ arrayValue: { longValues: [1, 2] } });
    expect(day).toEqual({ stringValue: '2024-02-29' });
    expect(t).toEqual({ stringValue: '23:59:58.5' });
    expect(ts).toEqual({ stringValue: '2024-02-29 12:00:00' });
    expect(dec).toEqual({ stringValue: '123.4500' });
    expect(js).toEqual({ stringValue: '{"a": 1}' });
    expect(u).toEqual({ stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' });
  });

  it('leaves :names in literals, comments and dollar quotes alone and keeps ::casts', async () => {
    const res = await exec(
      `SELECT ':id' AS lit, $$:id$$ AS dq, :id::int + 1 AS cast_plus, :id AS again -- :id in a comment
       /* and :id here */`,
      { parameters: [{ name: 'id', value: { stringValue: '41' } }] },
    );
    expect(res.records![0]).toEqual([{ stringValue: ':id' }, { stringValue: ':id' }, { longValue: 42 }, { stringValue: '41' }]);
  });

  it('subscripts array parameters', async () => {
    const res = await exec('SELECT :arr[2] AS second', { parameters: [{ name: 'arr', value: { arrayValue: { stringValues: ['a', 'b'] } } }] });
    expect(res.records).toEqual([[{ stringValue: 'b' }]]);
  });

  it('filters real rows with parameters', async () => {
    const res = await exec('SELECT count(*) AS n FROM orders WHERE customer_id = :cid AND total >= :min', {
      parameters: [
        { name: 'cid', value: { longValue: 1 } },
        { name: 'min', value: { stringValue: '0' }, typeHint: 'DECIMAL' },
      ],
    });
    expect(res.records![0][0].longValue).toBeGreaterThan(0);
  });

  it('binds un-hinted strings as text, so Postgres refuses them for uuid columns like Aurora does', async () => {
    const err = await failure(
      exec('INSERT INTO items (label, tag) VALUES (:label, :tag)', {
        parameters: [
          { name: 'label', value: { stringValue: 'x' } },
          { name: 'tag', value: { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' } },
        ],
      }),
    );
    expect(err.name).toBe('DatabaseErrorException');
    expect(err.message).toContain('is of type uuid but expression is of type text');
  });

  it('rejects typeHinted values in the wrong format', async () => {
    const err = await failure(exec('SELECT :ts', { parameters: [{ name: 'ts', value: { stringValue: '2024-02-29T12:00:00Z' }, typeHint: 'TIMESTAMP' }] }));
    expect(err.name).toBe('BadRequestException');
    expect(err.message).toBe("Text '2024-02-29T12:00:00Z' could not be parsed at index 10");
  });
});

describe('writes and transactions', () => {
  it('reports numberOfRecordsUpdated for insert, update and delete', async () => {
    const ins = await exec("INSERT INTO items (label, qty) VALUES ('a', 1), ('b', 2), ('c', 3)");
    expect(ins.numberOfRecordsUpdated).toBe(3);
    expect(ins.generatedFields).toEqual([]);
    const upd = await exec('UPDATE items SET qty = qty + 1 WHERE qty >= :q', { parameters: [{ name: 'q', value: { longValue: 2 } }] });
    expect(upd.numberOfRecordsUpdated).toBe(2);
    const ret = await exec("INSERT INTO items (label, doc) VALUES ('d', :doc) RETURNING id, doc", {
      parameters: [{ name: 'doc', value: { stringValue: '{"x": true}' }, typeHint: 'JSON' }],
    });
    expect(ret.records![0][0].longValue).toBeGreaterThan(0);
    expect(ret.records![0][1]).toEqual({ stringValue: '{"x": true}' });
    const del = await exec("DELETE FROM items WHERE label IN ('a', 'b', 'c', 'd')");
    expect(del.numberOfRecordsUpdated).toBe(4);
  });

  it('rolls back and commits transactions', async () => {
    const count = async () => (await exec("SELECT count(*) FROM items WHERE label = 'tx'")).records![0][0].longValue;
    const before = await count();

    const rollbackId = await begin({ database: 'postgres' });
    expect(rollbackId).toBeTruthy();
    await exec("INSERT INTO items (label) VALUES ('tx')", { transactionId: rollbackId });
    expect((await exec("SELECT count(*) FROM items WHERE label = 'tx'", { transactionId: rollbackId })).records![0][0].longValue).toBe(before! + 1);
    const rolled = await rollback(rollbackId);
    expect(rolled.transactionStatus).toBe('Rollback Complete');
    expect(await count()).toBe(before);

    const transactionId = await begin();
    await exec("INSERT INTO items (label) VALUES ('tx')", { transactionId });
    await exec("INSERT INTO items (label) VALUES ('tx')", { transactionId });
    const committed = await commit(transactionId);
    expect(committed.transactionStatus).toBe('Transaction Committed');
    expect(await count()).toBe(before! + 2);

    const gone = await failure(commit(transactionId));
    expect(gone.name).toBe('BadRequestException');
    expect(gone.message).toContain('is not found');
  });

  it('refuses a statement naming an unknown transaction, and runs nothing of it', async () => {
    const count = async () => (await exec("SELECT count(*) FROM items WHERE label = 'ghost'")).records![0][0].longValue;
    const unknown = await failure(exec("INSERT INTO items (label) VALUES ('ghost')", { transactionId: 'bm90IGEgdHJhbnNhY3Rpb24=' }));
    expect(unknown.name).toBe('BadRequestException');
    expect(unknown.message).toBe('Transaction bm90IGEgdHJhbnNhY3Rpb24= is not found');
    const refusedRollback = await failure(rollback('bm90IGEgdHJhbnNhY3Rpb24='));
    expect(refusedRollback.name).toBe('BadRequestException');
    expect(await count()).toBe(0);
  });

  it('commits all of a transaction or none of it: a failed statement makes the commit fail', async () => {
    const count = async () => (await exec("SELECT count(*) FROM items WHERE label = 'half'")).records![0][0].longValue;
    const transactionId = await begin();
    await exec("INSERT INTO items (label) VALUES ('half')", { transactionId });
    expect((await exec("SELECT count(*) FROM items WHERE label = 'half'", { transactionId })).records![0][0].longValue).toBe(1);
    const bad = await failure(exec('INSERT INTO items (label) VALUES (NULL)', { transactionId }));
    expect(bad.name).toBe('DatabaseErrorException');
    const refusedCommit = await failure(commit(transactionId));
    expect(refusedCommit.name).toBe('DatabaseErrorException');
    expect(refusedCommit.message).toContain('rolled back');
    expect(await count()).toBe(0);
  });

  it('reports timestamptz in UTC whatever the session time zone', async () => {
    const transactionId = await begin();
    await exec("SET LOCAL TimeZone TO 'Asia/Kolkata'", { transactionId });
    const res = await exec("SELECT '2024-01-02 03:04:05.25+00'::timestamptz AS t, now()::text LIKE '%+05:30' AS local", { transactionId });
    expect(res.records![0]).toEqual([{ stringValue: '2024-01-02 03:04:05.25' }, { booleanValue: true }]);
    await rollback(transactionId);
  });

  it('runs BatchExecuteStatement over parameter sets', async () => {
    const res = await batch(
      'INSERT INTO items (label, qty) VALUES (:label, :qty)',
      [1, 2, 3].map((i) => [
        { name: 'label', value: { stringValue: 'batch' } },
        { name: 'qty', value: { longValue: i } },
      ]),
    );
    expect(res.updateResults).toHaveLength(3);
    expect((await exec("SELECT sum(qty) FROM items WHERE label = 'batch'")).records![0][0]).toEqual({ longValue: 6 });

    // All or nothing outside a transaction: the failing second set undoes the first.
    const err = await failure(
      batch('INSERT INTO items (label, qty) VALUES (:label, :qty)', [
        [{ name: 'label', value: { stringValue: 'batch2' } }, { name: 'qty', value: { longValue: 1 } }],
        [{ name: 'label', value: { isNull: true } }, { name: 'qty', value: { longValue: 2 } }],
      ]),
    );
    expect(err.name).toBe('DatabaseErrorException');
    expect((await exec("SELECT count(*) FROM items WHERE label = 'batch2'")).records![0][0]).toEqual({ longValue: 0 });
  });
});

describe('errors', () => {
  it('surfaces SQL errors as DatabaseErrorException with the database message', async () => {
    const err = await failure(exec('SELEC id FROM customers'));
    expect(err.name).toBe('DatabaseErrorException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toBe('ERROR: syntax error at or near "SELEC"\n  Position: 1; SQLState: 42601');

    const missing = await failure(exec('SELECT nope FROM customers'));
    expect(missing.message).toContain('column "nope" does not exist');
  });

  it('rejects an unknown cluster and a wrong secret with BadRequestException', async () => {
    const unknown = await failure(calls.exec('SELECT 1', { resourceArn: `${CLUSTER}-nope` }));
    expect(unknown.name).toBe('BadRequestException');
    expect(unknown.message).toContain('HttpEndpoint is not enabled for cluster');
    const secret = await failure(calls.exec('SELECT 1', { secretArn: `${SECRET}-x` }));
    expect(secret.name).toBe('BadRequestException');
  });

  it('rejects malformed request bodies with BadRequestException', async () => {
    const res = await fetch(`${server.url}/Execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await res.json()).toEqual({ message: 'Request body is not valid JSON' });
  });

  it('runs one statement per call', async () => {
    const err = await failure(exec('SELECT 1; SELECT 2'));
    expect(err.name).toBe('BadRequestException');
    expect(err.message).toContain('Multistatements');
    const ok = await exec("SELECT ';' AS semi; -- trailing comment");
    expect(ok.records![0][0]).toEqual({ stringValue: ';' });
  });

  it('refuses several statements before running any of them, so the record cannot contradict the database', async () => {
    const err = await failure(exec('create temp table event (begin int); create table x (x int)'));
    expect(err.name).toBe('BadRequestException');
    expect(err.message).toBe("Multistatements aren't supported.");
    const withParameter = await failure(
      exec("insert into items (label) values (:label); create table y (y int)", { parameters: [{ name: 'label', value: { stringValue: 'multi' } }] }),
    );
    expect(withParameter.name).toBe('BadRequestException');
    // Asked of the database itself: neither table exists and no row went in.
    const res = await exec("SELECT to_regclass('x') IS NULL, to_regclass('pg_temp.event') IS NULL, to_regclass('y') IS NULL, (SELECT count(*) FROM items WHERE label = 'multi')");
    expect(res.records![0]).toEqual([{ booleanValue: true }, { booleanValue: true }, { booleanValue: true }, { longValue: 0 }]);
  });

  it('caps responses at 1 MiB like Aurora', async () => {
    const err = await failure(exec("SELECT repeat('x', 1000) FROM generate_series(1, 1100)"));
    expect(err.name).toBe('BadRequestException');
    expect(err.message).toBe('Database returned more than the allowed response size limit');
    const fits = await exec("SELECT repeat('x', 1000) FROM generate_series(1, 900)");
    expect(fits.records).toHaveLength(900);
  });

  it('injects faults: DatabaseResumingException and ServiceUnavailableError', async () => {
    faults.push({ type: 'DatabaseResumingException', message: 'The database is resuming after being auto-paused.' });
    const resuming = await failure(exec('SELECT 1'));
    expect(resuming.name).toBe('DatabaseResumingException');
    expect(resuming.$metadata?.httpStatusCode).toBe(400);
    expect((await exec('SELECT 1')).records).toEqual([[{ longValue: 1 }]]);

    faults.push({ type: 'ServiceUnavailableError', message: 'Service unavailable' }, 1, { op: 'ExecuteStatement' });
    const unavailable = await failure(exec('SELECT 1', {}, noRetryClient));
    expect(unavailable.name).toBe('ServiceUnavailableError');
    expect(unavailable.$metadata?.httpStatusCode).toBe(503);

    // The SDK's default retry strategy rides over a single 503, as against AWS.
    faults.push({ type: 'ServiceUnavailableError', message: 'Service unavailable' });
    expect((await exec('SELECT 2')).records).toEqual([[{ longValue: 2 }]]);
    expect(faults.pending()).toBe(0);
  });

  it('answers StatementTimeoutException past the statement timeout', async () => {
    const quick = await startDataApiServer({ backends: new Map([[CLUSTER, backend]]), statementTimeoutMs: 150 });
    const c = dataApiClient(quick.url, 1);
    try {
      const err = await failure(calls.exec('SELECT pg_sleep(0.3)', {}, c));
      expect(err.name).toBe('StatementTimeoutException');
    } finally {
      c.destroy();
      await quick.close();
    }
  });

  it('times out a call that waits behind an open transaction on the single PGlite session', async () => {
    const quick = await startDataApiServer({ backends: new Map([[CLUSTER, backend]]), statementTimeoutMs: 150 });
    const c = dataApiClient(quick.url, 1);
    try {
      const transactionId = await begin({}, c);
      const err = await failure(calls.exec('SELECT 1', {}, c));
      expect(err.name).toBe('StatementTimeoutException');
      await rollback(transactionId, c);
      const after = await calls.exec('SELECT 1', {}, c);
      expect(after.records).toEqual([[{ longValue: 1 }]]);
    } finally {
      c.destroy();
      await quick.close();
    }
  });
});

describe('demo schema', () => {
  it('seeds 1000 customers and 3000 orders, idempotently', async () => {
    const counts = async () => (await exec('SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders)')).records![0];
    expect(await counts()).toEqual([{ longValue: 1000 }, { longValue: 3000 }]);
    await seedDemoSchema(backend);
    expect(await counts()).toEqual([{ longValue: 1000 }, { longValue: 3000 }]);
    const fk = await failure(exec('INSERT INTO orders (customer_id, status, total, created_at) VALUES (5000, :s, 1, now())', { parameters: [{ name: 's', value: { stringValue: 'paid' } }] }));
    expect(fk.message).toContain('violates foreign key constraint');
  });
});
