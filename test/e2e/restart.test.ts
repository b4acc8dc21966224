/**
 * `npm start` twice over the same data folder: a review pending before the restart is still pending
 * and approvable after it, and the approved command runs. Runs the real entry point in a child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'accessgate-restart-'));
const port = 18_000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;
let child: ChildProcess | undefined;

async function start(): Promise<void> {
  child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    env: { ...process.env, ACCESSGATE_DATA_DIR: dataDir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 90_000);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('accessgate is running at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child!.stdout!.on('data', watch);
    child!.stderr!.on('data', watch);
    child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

async function stop(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function call(method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const token = async (email: string) => (await call('POST', '/dev/token', undefined, { email })).body.token as string;

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('restarting the local runtime', () => {
  it('keeps a pending review pending and approvable, then runs the command', async () => {
    await start();
    const alice = await token('alice@example.com');
    const submitted = await call('POST', '/sessions?wait=5', alice, { resource: 'postgres-demo', command: 'select count(*) as n from customers' });
    expect(submitted.body.session.status).toBe('pending_review');
    const id = submitted.body.session.id as string;
    await stop();

    await start();
    // Tokens are signed with a key kept in the data folder, so alice's token still works.
    const pending = await call('GET', `/sessions/${id}`, alice);
    expect(pending.body.session.status).toBe('pending_review');
    const bob = await token('bob@example.com');
    expect((await call('GET', '/reviews', bob)).body.reviews.map((r: { session: { id: string } }) => r.session.id)).toContain(id);
    expect((await call('POST', `/sessions/${id}/review`, bob, { decision: 'approve' })).status).toBe(200);
    const done = await call('GET', `/sessions/${id}?wait=20`, alice);
    expect(done.body.session.status).toBe('done');
    expect(done.body.result.rows).toEqual([[1000]]);
  }, 240_000);
});
