/**
 * Native clients through `accessgate connect`: Debian's psql and the `pg` driver against the gateway
 * (the real bin as a child process) on the local runtime started in this process, its postgres
 * resources backed by the run's real PostgreSQL server (test/support/postgres.ts). Statements wait for
 * review, are approved or denied by another user through the API, and the connection stays usable.
 * psql runs as an async child: a blocking one would stall this process, which serves the database.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterArn } from '../../infra/local/demo-config';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from '../e2e/client';
import { postgresDatabase } from '../support/postgres';
import { debianOnly } from '../support/skip-policy';
import { type CliRun, cli, startCli } from './run-cli';

const psqlTests = debianOnly({
  present: await promisify(execFile)('psql', ['--version']).then(
    () => true,
    () => false,
  ),
  skips: 'psql through accessgate connect (test/cli/gateway.test.ts)',
  install: 'apt-get install postgresql-client',
});

let stack: LocalStack;
let bob: ApiClient;
let gateway: CliRun;
let port: number;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10, postgresUrl: await postgresDatabase('gateway') });
  bob = await ApiClient.as(stack, 'bob@example.com');
  gateway = startCli(['connect', '--resource', 'postgres-demo', '--port', '0', '--reason', 'gateway test'], {
    ACCESSGATE_API: stack.url,
    ACCESSGATE_TOKEN: await stack.token('alice@example.com'),
  });
  port = Number((await gateway.waitFor(/"port":(\d+)/, 30_000))[1]);
}, 120_000);

afterAll(async () => {
  gateway?.child.kill('SIGINT');
  if (gateway) expect(await gateway.exit).toBe(0);
  await stack?.stop();
});

interface Pending {
  readonly session: { id: string; command: string; parameters?: unknown[] };
}

/** Whether a pending session's command or parameters mention `marker`. */
const mentions = (review: Pending, marker: string) => JSON.stringify([review.session.command, review.session.parameters ?? []]).includes(marker);

/** Bob's decision on the pending session that mentions `marker`, once it shows up. */
async function decide(marker: string, decision: 'approve' | 'deny', reason?: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { body } = await bob.get('/reviews');
    const found = (body.reviews as Pending[]).find((review) => mentions(review, marker));
    if (found) {
      expect((await bob.post(`/sessions/${found.session.id}/review`, { decision, ...(reason ? { reason } : {}) })).status).toBe(200);
      return found.session.id;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no pending review for ${marker}`);
}

interface Psql {
  readonly done: Promise<{ code: number; stdout: string; stderr: string }>;
  readonly child: ReturnType<typeof spawn>;
}

function psql(script: string): Psql {
  const child = spawn('psql', ['-X', '-v', 'VERBOSITY=verbose', `host=127.0.0.1 port=${port} dbname=postgres-demo user=alice sslmode=prefer`], {
    env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '10' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  child.stdin.end(script);
  return {
    child,
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))),
  };
}

describe.skipIf(!psqlTests)('psql through accessgate connect', () => {
  it('waits for approval with a NOTICE and a link, then shows the rows', async () => {
    const run = psql("select id, name from customers where name <> 'psql-approve' order by id limit 2;\n");
    await decide('psql-approve', 'approve');
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/NOTICE: {2}00000: waiting for approval: http:\/\/\S+#\/sessions\/[0-9a-f-]{36}/);
    expect(stdout).toMatch(/ id \| +name +\n----\+-+\n +1 \| \S.*\n +2 \| \S.*\n\(2 rows\)/);
  });

  it('reports a denial as an error with SQLSTATE 42501, and the next statement on the connection still runs', async () => {
    const run = psql("select 'psql-denied' as first;\nselect 'psql-after-denial' as second;\n");
    await decide('psql-denied', 'deny', 'not today');
    await decide('psql-after-denial', 'approve');
    const { stdout, stderr } = await run.done;
    expect(stderr).toContain('ERROR:  42501: accessgate: bob@example.com denied this statement: not today');
    expect(stdout).toMatch(/second\s*\n-+\n psql-after-denial\n\(1 row\)/);
  });

  it('returns SQL errors with the database\'s SQLSTATE, refuses transactions, and cancels a waiting statement on Ctrl-C', async () => {
    const run = psql("select * from custmers where 'psql-sql-error' <> '';\nbegin;\nselect 'psql-ctrl-c';\n");
    await decide('psql-sql-error', 'approve');
    // Once psql sits in the third statement's wait, its SIGINT sends a CancelRequest.
    await expect.poll(async () => ((await bob.get('/reviews')).body.reviews as Pending[]).some((review) => mentions(review, 'psql-ctrl-c')), { timeout: 20_000 }).toBe(true);
    run.child.kill('SIGINT');
    const { stderr } = await run.done;
    expect(stderr).toContain('ERROR:  42P01: relation "custmers" does not exist');
    expect(stderr).toMatch(/ERROR: {2}0A000: accessgate: transactions across statements are not available/);
    expect(stderr).toContain('ERROR:  57014: canceling statement due to user request');
  });

  it('shows a guardrail refusal as an error with SQLSTATE 42501, the rule\'s message and hint, and runs nothing', async () => {
    const dana = await ApiClient.as(stack, 'dana@example.com');
    const rule = (await dana.get('/rules/dba-by-command')).body.rule;
    expect((await dana.put('/rules/dba-by-command', { ...rule, guardrails: { deny: ['truncate'] } })).status).toBe(200);
    const orders = async () => Number((await stack.backends.get(localClusterArn('postgres-demo'))!.query('select count(*) from orders', [])).rows[0]![0]);
    const before = await orders();
    const run = psql("/* weekly */ TRUNCATE orders;\nselect 'psql-after-guardrail' as after;\n");
    await decide('psql-after-guardrail', 'approve');
    const { stdout, stderr } = await run.done;
    expect(stderr).toContain('ERROR:  42501: accessgate: The command is ddl, truncate on orders, which this rule\'s guardrail "truncate" refuses');
    expect(stderr).toContain('HINT:  The rule refuses this kind of command whoever would review it');
    expect(stdout).toMatch(/after\s*\n-+\n psql-after-guardrail\n\(1 row\)/);
    expect(await orders()).toBe(before);
    expect(before).toBeGreaterThan(0);
  });
});

describe('the pg driver through accessgate connect', () => {
  const connect = async () => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'alice', database: 'postgres-demo' });
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    await client.connect();
    return { client, notices };
  };

  it('binds $n parameters as Data API parameters (never pasted into the SQL), waits for approval, and returns typed rows', async () => {
    const { client, notices } = await connect();
    try {
      const query = client.query('select id, name, created_at, $2::text as marker from customers where id = $1', [7, 'pg-params']);
      const id = await decide('pg-params', 'approve');
      const result = await query;
      expect(result.rows).toEqual([{ id: 7, name: expect.any(String), created_at: expect.any(Date), marker: 'pg-params' }]);
      expect(result.fields.map((field) => field.dataTypeID)).toEqual([23, 1043, 1114, 25]);
      expect(result.command).toBe('SELECT');
      expect(notices[0]).toMatch(/^waiting for approval: http:\/\/\S+#\/sessions\//);

      const { session } = (await bob.get(`/sessions/${id}`)).body;
      expect(session.command).toBe('select id, name, created_at, :p2::text as marker from customers where id = :p1');
      expect(session.parameters).toEqual([{ name: 'p1', value: { longValue: 7 } }, { name: 'p2', value: { stringValue: 'pg-params' } }]);
    } finally {
      await client.end();
    }
  });

  it('keeps the connection usable after a denial (SQLSTATE 42501) and after a SQL error', async () => {
    const { client } = await connect();
    try {
      // Caught at once: the rejection may come before the test looks at it.
      const denied = client.query('select $1::text as marker', ['pg-denied']).catch((error: unknown) => error);
      await decide('pg-denied', 'deny', 'no');
      expect(await denied).toMatchObject({ code: '42501', message: 'accessgate: bob@example.com denied this statement: no' });

      const failing = client.query("select * from custmers where $1 = 'pg-error'", ['pg-error']).catch((error: unknown) => error);
      await decide('pg-error', 'approve');
      expect(await failing).toMatchObject({ code: '42P01' });

      const after = client.query({ text: "select count(*) as n, 'pg-after' as marker from orders where id > $1", values: [0], rowMode: 'array' });
      await decide('pg-after', 'approve');
      expect((await after).rows).toEqual([['3000', 'pg-after']]);
    } finally {
      await client.end();
    }
  });

  it('runs data changes with the right command tag and row count', async () => {
    const { client } = await connect();
    try {
      const update = client.query("update customers set name = name where id <= $1 and 'pg-update' <> ''", [3]);
      await decide('pg-update', 'approve');
      const result = await update;
      expect(result.command).toBe('UPDATE');
      expect(result.rowCount).toBe(3);
    } finally {
      await client.end();
    }
  });
});

describe('gateway start-up and authentication', () => {
  it('asks for the password when started with one, and refuses to listen beyond loopback without one', async () => {
    const env = { ACCESSGATE_API: stack.url, ACCESSGATE_TOKEN: await stack.token('alice@example.com') };
    const open = await cli(['connect', '-r', 'postgres-staging', '--host', '0.0.0.0'], env);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('would let other machines in without a password');
    const unknown = await cli(['connect', '-r', 'nope'], env);
    expect(unknown.code).toBe(7);

    const guarded = startCli(['connect', '-r', 'postgres-staging', '--port', '0', '--password', 's3cret'], env);
    try {
      const guardedPort = Number((await guarded.waitFor(/"port":(\d+)/, 30_000))[1]);
      const wrong = new pg.Client({ host: '127.0.0.1', port: guardedPort, user: 'alice', database: 'postgres-staging', password: 'nope' });
      await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
      const right = new pg.Client({ host: '127.0.0.1', port: guardedPort, user: 'alice', database: 'postgres-staging', password: 's3cret' });
      await right.connect();
      try {
        // No rule on staging: the statement runs at once, still as a recorded session.
        expect((await right.query('select count(*)::int as n from customers')).rows).toEqual([{ n: 1000 }]);
        await expect(right.query('select 1; select 2')).resolves.toBeDefined();
        await expect(right.query('set search_path = app')).rejects.toMatchObject({ code: '0A000' });
        await expect(right.query("set application_name = 'reports'")).resolves.toMatchObject({ command: 'SET' });
      } finally {
        await right.end();
      }
    } finally {
      guarded.child.kill('SIGINT');
      await guarded.exit;
    }
  });
});
