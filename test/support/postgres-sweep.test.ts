import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStaleTestFolders } from './postgres-server';

const root = mkdtempSync(join(tmpdir(), 'accessgate-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('the test PostgreSQL folder sweep', () => {
  it("removes a killed run's folder and stops the server it left, keeps a live run's folder", async () => {
    const stale = join(root, `accessgate-test-pg-${deadPid()}-abc123`);
    const live = join(root, `accessgate-test-pg-${process.pid}-def456`);
    const unrelated = join(root, 'accessgate-test-pg-notarun');
    for (const folder of [stale, live, unrelated]) mkdirSync(folder);
    // A stand-in for the orphaned server: its command line names the folder, as postgres -D does.
    const server = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', stale], { stdio: 'ignore' });
    // A spawn that fails emits 'error' and never 'exit': fail with its reason rather than wait out the test.
    const exited = new Promise((resolve, reject) => server.once('exit', (_code, signal) => resolve(signal)).once('error', reject));
    expect(server.pid, 'the stand-in server was not started').toBeGreaterThan(0);
    writeFileSync(join(stale, 'postmaster.pid'), `${server.pid}\n${stale}\n`);

    expect(sweepStaleTestFolders(root)).toEqual([stale]);
    expect(await exited).toBe('SIGKILL');
    expect([existsSync(stale), existsSync(live), existsSync(unrelated)]).toEqual([false, true, true]);
  });

  it('never signals a process whose command line does not name the folder (a reused pid)', async () => {
    const stale = join(root, `accessgate-test-pg-${deadPid()}-ghi789`);
    mkdirSync(stale);
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve, reject) => bystander.once('exit', (_code, signal) => resolve(signal)).once('error', reject));
    expect(bystander.pid, 'the bystander was not started').toBeGreaterThan(0);
    writeFileSync(join(stale, 'postmaster.pid'), `${bystander.pid}\n`);
    expect(sweepStaleTestFolders(root)).toEqual([stale]);
    // Whichever signal reaches it first ends it: SIGTERM from here means the sweep sent none.
    bystander.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
  });
});
