/**
 * The `accessgate` CLI as its users run it: the real bin as a child process against the local runtime
 * (started once, in this process), with ACCESSGATE_API and ACCESSGATE_TOKEN in its environment.
 * Approvals come from other demo users through the HTTP API, as they would from a colleague.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from '../e2e/client';
import { BIN, cli, freshConfig, startCli } from './run-cli';

let stack: LocalStack;
let bob: ApiClient;
let grace: ApiClient;
const env: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10 });
  bob = await ApiClient.as(stack, 'bob@example.com');
  grace = await ApiClient.as(stack, 'grace@example.com');
  for (const name of ['alice', 'bob', 'carol', 'erin']) env[name] = { ACCESSGATE_API: stack.url, ACCESSGATE_TOKEN: await stack.token(`${name}@example.com`) };
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The pending session whose command contains `marker`, as bob's inbox shows it. */
async function pendingWith(marker: string): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const { body } = await bob.get('/reviews');
    const found = (body.reviews as { session: { id: string; command: string } }[]).find((review) => review.session.command.includes(marker));
    if (found) return found.session.id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no pending review for ${marker}`);
}

// Each step starts the real bin (node + tsx) as a child process: seconds apiece on a loaded two-core
// machine, so a test of several steps gets room beyond the suite's default.
const SLOW = { timeout: 120_000 };

describe('accessgate exec', SLOW, () => {
  it('waits for review with a live status line, then prints the rows once another user approves (exit 0)', async () => {
    const run = startCli(['exec', '--resource', 'postgres-demo', '--reason', 'ticket 77', "select id, name from customers where name <> 'exec-wait' order by id limit 3"], env.alice);
    const [line] = await run.waitFor(/waiting for review by dba-approvers — expires in 59 min(?: — preview: [^\n]+)? — http:\/\/\S+#\/sessions\/[0-9a-f-]{36}/);
    const id = await pendingWith('exec-wait');
    expect(line).toContain(id);
    expect((await bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
    expect(await run.exit).toBe(0);
    expect(run.stdout).toMatch(/^ id \| name\s*\n----\+-+\n {2}1 \| \S/);
    expect(run.stdout).toMatch(/\(3 rows\)\n$/);
    const session = (await bob.get(`/sessions/${id}`)).body.session;
    expect(session).toMatchObject({ status: 'done', reason: 'ticket 77', requester: { email: 'alice@example.com' } });
  });

  it('prints json and csv, and runs a statement no rule covers at once', async () => {
    const json = await cli(['exec', '-r', 'postgres-staging', '--format', 'json', 'select id, country from customers order by id limit 2'], env.alice);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ status: 'done', rowCount: 2, truncated: false, columns: [{ name: 'id' }, { name: 'country' }] });
    expect(parsed.rows).toHaveLength(2);

    const csv = await cli(['exec', '-r', 'postgres-staging', '--format', 'csv', '-f', '-'], env.alice, "select 1 as n, 'a,\"b\"' as s, null as z");
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('n,s,z\r\n1,"a,""b""",\r\n');
  });

  it('fits a wide result into the terminal width', async () => {
    const { code, stdout } = await cli(['exec', '-r', 'postgres-staging', "select id, name, email, country, created_at from customers order by id limit 2"], { ...env.alice, COLUMNS: '50' });
    expect(code).toBe(0);
    for (const line of stdout.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(50);
    expect(stdout).toContain('…');
  });

  it('distinguishes failed (1), denied (3), cancelled (5) and pending (9) in its exit code', async () => {
    const failed = await cli(['exec', '-r', 'postgres-staging', 'select * from custmers'], env.alice);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^accessgate: the command failed: .*relation "custmers" does not exist/m);
    expect(failed.stderr).toContain('Fix the statement and run it again.');

    const denied = startCli(['exec', '-r', 'postgres-demo', "delete from orders where note = 'exec-deny'"], env.alice);
    await denied.waitFor(/waiting for review/);
    await grace.post(`/sessions/${await pendingWith('exec-deny')}/review`, { decision: 'deny', reason: 'deletes orders' });
    expect(await denied.exit).toBe(3);
    expect(denied.stderr).toContain('accessgate: grace@example.com denied the command: deletes orders');

    const pending = await cli(['exec', '-r', 'postgres-demo', '--no-wait', "select 'exec-nowait'"], env.alice);
    expect(pending.code).toBe(9);
    const id = pending.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const cancelled = startCli(['session', id, '--wait'], env.alice);
    await cancelled.waitFor(/waiting for review/);
    expect((await cli(['session', 'cancel', id], env.alice)).code).toBe(0);
    expect(await cancelled.exit).toBe(5);
  });

  it('cancels the request on Ctrl-C while it waits', async () => {
    const run = startCli(['exec', '-r', 'postgres-demo', "select 'exec-ctrl-c'"], env.alice);
    await run.waitFor(/waiting for review/);
    const id = await pendingWith('exec-ctrl-c');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(5);
    expect(run.stderr).toContain(`cancelled session ${id}`);
    expect((await bob.get(`/sessions/${id}`)).body.session.status).toBe('cancelled');
  });

  it('answers usage, auth and network problems with one sentence, what to do, and their own exit codes', async () => {
    const usage = await cli(['exec', 'select 1'], env.alice);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('accessgate: --resource is required.\n  Name the resource to run on; accessgate resources lists yours.\n');

    const two = await cli(['exec', '-r', 'postgres-staging', 'select 1; select 2'], env.alice);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/That is 2 statements/);

    const unknown = await cli(['exec', '-r', 'postgres-staging', '--frobnicate', 'select 1'], env.alice);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^accessgate: Unknown option '--frobnicate'/);

    const forbidden = await cli(['exec', '-r', 'postgres-demo', 'select 1'], env.bob);
    expect(forbidden.code).toBe(7);

    const noToken = await cli(['whoami'], { ACCESSGATE_API: stack.url });
    expect(noToken.code).toBe(6);
    expect(noToken.stderr).toContain('Run: accessgate login');

    const badToken = await cli(['whoami', '--verbose'], { ACCESSGATE_API: stack.url, ACCESSGATE_TOKEN: 'not-a-token' });
    expect(badToken.code).toBe(6);
    expect(badToken.stderr).toContain('"status": 401');

    const closed = await closedPort();
    const down = await cli(['whoami'], { ACCESSGATE_API: `http://127.0.0.1:${closed}`, ACCESSGATE_TOKEN: 'x' });
    expect(down.code).toBe(8);
    expect(down.stderr).toBe(`accessgate: Could not reach the accessgate API at http://127.0.0.1:${closed} (ECONNREFUSED).\n  Start the local runtime with \`npm start\`, or pass --api with the deployed API URL.\n`);

    const typo = await cli(['exce'], env.alice);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean: accessgate exec');
  });

  it('documents its exit codes in --help', async () => {
    const { code, stdout } = await cli(['exec', '--help'], {});
    expect(code).toBe(0);
    for (const line of [/0\s+done/, /1\s+failed/, /2\s+usage/, /3\s+denied/, /4\s+expired/, /5\s+cancelled/, /6\s+auth/, /8\s+unavailable/]) expect(stdout).toMatch(line);
  });
});

describe('accessgate login, whoami, resources, sessions, session, review', SLOW, () => {
  it('caches a demo user\'s token with mode 0600 for that API, and uses it', async () => {
    const config = freshConfig();
    const login = await cli(['login', '--email', 'alice@example.com'], { ACCESSGATE_API: stack.url, XDG_CONFIG_HOME: config });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain('Signed in to');
    const file = join(config, 'accessgate', 'token.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cache = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(cache).sort()).toEqual(['api', 'token']);
    expect(cache.api).toBe(stack.url);

    const me = await cli(['whoami', '--format', 'json'], { XDG_CONFIG_HOME: config });
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ email: 'alice@example.com', groups: ['dba'], api: stack.url });

    const elsewhere = await cli(['whoami'], { XDG_CONFIG_HOME: config, ACCESSGATE_API: 'http://127.0.0.1:9999' });
    expect(elsewhere.code).toBe(6);
    expect(elsewhere.stderr).toContain(`You are signed in to ${stack.url}, not to http://127.0.0.1:9999.`);

    const nobody = await cli(['login', '--email', 'mallory@example.com'], { ACCESSGATE_API: stack.url, XDG_CONFIG_HOME: config });
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('There is no demo user mallory@example.com.');
    const noEmail = await cli(['login'], { ACCESSGATE_API: stack.url, XDG_CONFIG_HOME: config });
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--email is required when stdin is not a terminal');
  });

  it('offers a menu of demo users when stdin is a terminal', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell would.
    const config = freshConfig();
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} login`, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: config, ACCESSGATE_API: stack.url },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Number or email:') && !child.stdin.writableEnded) child.stdin.end('3\n');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(output).toMatch(/3\) bob@example\.com +Bob Brown \(dba-approvers\)/);
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(join(config, 'accessgate', 'token.json'), 'utf8')).api).toBe(stack.url);
    expect(output).toContain('as Bob Brown <bob@example.com>');
  });

  it('lists resources with their rules, and sessions with filters', async () => {
    const resources = await cli(['resources', '--format', 'csv'], env.alice);
    expect(resources.code).toBe(0);
    expect(resources.stdout.split('\r\n')[0]).toBe('id,type,database,rule,approvers,approvals,force,review window');
    expect(resources.stdout).toContain('postgres-demo,postgres,postgres,dba-by-command,dba-approvers,1,sre,60 min');

    await cli(['exec', '-r', 'postgres-staging', "select 'listed-session'"], env.carol);
    const mine = await cli(['sessions', '--format', 'json'], env.carol);
    expect(mine.code).toBe(0);
    expect(JSON.parse(mine.stdout).sessions.map((s: { command: string }) => s.command)).toContain("select 'listed-session'");
    const audited = await cli(['sessions', '--requester', 'carol@example.com', '--status', 'done'], env.erin);
    expect(audited.stdout).toContain('listed-session');
    expect((await cli(['sessions', '--status', 'bogus'], env.erin)).code).toBe(2);
  });

  it('lets an approver list, approve and deny; refuses a denial without a reason and self-approval', async () => {
    const run = startCli(['exec', '-r', 'postgres-demo', "select 'review-cli' as marker"], env.alice);
    await run.waitFor(/waiting for review/);
    const id = await pendingWith('review-cli');

    const inbox = await cli(['review', 'list', '--format', 'json'], env.bob);
    expect(JSON.parse(inbox.stdout).map((r: { session: { id: string } }) => r.session.id)).toContain(id);
    const table = await cli(['review', 'list'], { ...env.bob, COLUMNS: '200' });
    expect(table.stdout).toContain(id);

    expect((await cli(['review', 'deny', id], env.bob)).code).toBe(2);
    const self = await cli(['review', 'approve', id], env.alice);
    expect(self.code).toBe(7);
    const approve = await cli(['review', 'approve', id], env.bob);
    expect(approve.code).toBe(0);
    expect(approve.stderr).toContain(`Approved session ${id}`);
    expect(await run.exit).toBe(0);
    expect(run.stdout).toContain('review-cli');

    const again = await cli(['review', 'deny', id, '--reason', 'too late'], env.bob);
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(/already (done|approved|running)/);

    const shown = await cli(['session', id], { ...env.alice, COLUMNS: '120' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status\s+\| done/);
    expect(shown.stdout).toContain('review.approved');
    expect(shown.stdout).toContain('review-cli');
  });

  it('shows the preview: to the approver in review list, to the requester while waiting and in session', async () => {
    const run = startCli(['exec', '-r', 'postgres-demo', "update customers set name = name where id <= 2 and name <> 'preview-cli'"], env.alice);
    // The requester's status line gains the preview once the workflow has stored it (before the review request goes out).
    await run.waitFor(/waiting for review by dba-approvers — expires in \d+ min — preview: write · customers · 2 rows \(ceiling 3\) — http/);
    const id = await pendingWith('preview-cli');

    const inbox = await cli(['review', 'list', '--format', 'csv'], env.bob);
    const [header, ...rows] = inbox.stdout.trim().split('\r\n');
    expect(header).toBe('id,requester,resource,approvals,expires,you,reason,preview,command');
    expect(rows.find((row) => row.startsWith(id))).toContain(',write · customers · 2 rows (ceiling 3),');

    const shown = await cli(['session', id], { ...env.alice, COLUMNS: '160' });
    expect(shown.stdout).toMatch(/preview\s+\| write · customers · 2 rows \(ceiling 3\)/);

    expect((await cli(['review', 'deny', id, '--reason', 'not today'], env.bob)).code).toBe(0);
    expect(await run.exit).toBe(3);
  });

  it('lets a break-glass member force-approve with a reason', async () => {
    const run = startCli(['exec', '-r', 'postgres-demo', "select 'forced-cli'"], env.carol);
    await run.waitFor(/waiting for review/);
    const id = await pendingWith('forced-cli');
    expect((await cli(['review', 'approve', id, '--force'], env.carol)).code).toBe(2);
    const forced = await cli(['review', 'approve', id, '--force', '--reason', 'INC-9'], env.carol);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Force-approved');
    expect(await run.exit).toBe(0);

    // Its break-glass follow-up: listed for another approver, closed by them, not by the forcer.
    const open = await cli(['review', 'follow-ups', '--format', 'json'], env.bob);
    expect(JSON.parse(open.stdout).find((item: { session: { id: string } }) => item.session.id === id)).toMatchObject({ overdue: false, session: { followUp: { status: 'open' } } });
    const table = await cli(['review', 'follow-ups'], { ...env.bob, COLUMNS: '200' });
    expect(table.stdout).toContain(id);
    expect(table.stdout).toContain('carol@example.com: INC-9');
    expect((await cli(['review', 'follow-up', id, '--outcome', 'ignored'], env.bob)).code).toBe(2);
    const own = await cli(['review', 'follow-up', id, '--outcome', 'acknowledged'], env.carol);
    expect(own.code).toBe(7);
    expect(own.stderr).toContain('Only approvers of rule');
    const closed = await cli(['review', 'follow-up', id, '--outcome', 'flagged', '--note', 'no incident open'], env.bob);
    expect(closed.code).toBe(0);
    expect(closed.stderr).toContain(`Follow-up of session ${id} flagged.`);
    const after = await cli(['review', 'follow-ups', '--format', 'json'], env.bob);
    expect(JSON.parse(after.stdout).map((item: { session: { id: string } }) => item.session.id)).not.toContain(id);
    const shown = JSON.parse((await cli(['session', id, '--format', 'json'], env.bob)).stdout);
    expect(JSON.stringify(shown)).toContain('"note":"no incident open"');
  });
});
