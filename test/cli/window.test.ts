/**
 * Access windows from the command line and through `accessgate connect`, on the local runtime: the
 * real bin asks for a window and waits until another user approves it; while it is active, each
 * statement a `pg` client sends through the gateway runs at once as its own session under the grant
 * (counted in the database); once `accessgate window revoke` ends it, the next statement waits for
 * review again, and runs only when approved.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClusterArn } from '../../infra/local/demo-config';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from '../e2e/client';
import { type CliRun, cli, startCli } from './run-cli';

const PROBE = 'cli_window_probe';
let stack: LocalStack;
let bob: ApiClient;
let dana: ApiClient;
let alice: Record<string, string>;
let gateway: CliRun;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10, web: false });
  bob = await ApiClient.as(stack, 'bob@example.com');
  dana = await ApiClient.as(stack, 'dana@example.com');
  alice = { ACCESSGATE_API: stack.url, ACCESSGATE_TOKEN: await stack.token('alice@example.com') };
  const rule = (await dana.get('/rules/dba-by-command')).body.rule;
  expect((await dana.put('/rules/dba-by-command', { ...rule, maxWindowSeconds: 3600 })).status).toBe(200);
  await database().query(`create table ${PROBE} (tag text)`, []);
}, 120_000);

afterAll(async () => {
  gateway?.child.kill('SIGINT');
  await stack?.stop();
});

const database = () => stack.backends.get(localClusterArn('postgres-demo'))!;
const rowsTagged = async (tag: string) => Number((await database().query(`select count(*) from ${PROBE} where tag = $1`, [tag])).rows[0][0]);

/** The pending review whose session matches, as bob's inbox shows it. */
async function pending(match: (session: { kind?: string; command: string }) => boolean): Promise<string> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { body } = await bob.get('/reviews');
    const found = (body.reviews as { session: { id: string; kind?: string; command: string } }[]).find((review) => match(review.session));
    if (found) return found.session.id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no such pending review');
}

const SLOW = { timeout: 180_000 };

describe('accessgate window and connect', SLOW, () => {
  it('refuses a duration it cannot read before asking the API (exit 2)', async () => {
    const { code, stderr } = await cli(['window', 'request', 'postgres-demo', '--duration', 'soon'], alice);
    expect(code).toBe(2);
    expect(stderr).toContain('--duration');
  });

  it('waits for the window\'s approval, runs gateway statements without review while it is active, and after revoke they wait again', async () => {
    const request = startCli(['window', 'request', 'postgres-demo', '--duration', '30m', '--reason', 'incident 7', '--wait'], alice);
    const id = await pending((session) => session.kind === 'window');
    expect((await bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
    expect(await request.exit).toBe(0);
    expect(request.stdout).toMatch(new RegExp(`Window ${id} on postgres-demo is active until \\S+ \\(ends in \\d+ min\\)`));

    gateway = startCli(['connect', '--resource', 'postgres-demo', '--port', '0', '--reason', 'window test'], alice);
    const port = Number((await gateway.waitFor(/"port":(\d+)/, 30_000))[1]);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'alice', database: 'postgres-demo' });
    await client.connect();
    try {
      // No reviewer acts: each statement runs under the grant, as its own session.
      await client.query(`insert into ${PROBE} values ('in-window')`);
      await client.query(`insert into ${PROBE} values ('in-window')`);
      expect(await rowsTagged('in-window')).toBe(2);
      const mine = (await dana.get('/sessions?scope=all&status=done&resource=postgres-demo')).body.sessions.filter((s: { command: string }) => s.command.includes('in-window'));
      expect(mine.map((s: { grant: string }) => s.grant)).toEqual([id, id]);

      const revoked = await cli(['window', 'revoke', id], alice);
      expect(revoked.code).toBe(0);
      expect(revoked.stderr).toContain(`Revoked window ${id}`);

      const after = client.query(`insert into ${PROBE} values ('after-revoke')`);
      const waiting = await pending((session) => session.command.includes('after-revoke'));
      expect(await rowsTagged('after-revoke')).toBe(0);
      expect((await bob.post(`/sessions/${waiting}/review`, { decision: 'approve' })).status).toBe(200);
      await after;
      expect(await rowsTagged('after-revoke')).toBe(1);
    } finally {
      await client.end();
    }
  });
});
