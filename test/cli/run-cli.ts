/**
 * Runs the real `accessgate` bin as a child process (as a person or a script would) and lets a test
 * wait for what it prints before acting, e.g. approve once exec says it is waiting for review.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const BIN = resolve(import.meta.dirname, '../../bin/accessgate.js');

export interface CliRun {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves when stdout or stderr matches (or rejects after `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  readonly exit: Promise<number>;
}

const configFolders: string[] = [];
// Registered on the importing test file: its config folders go when the file is done.
afterAll(() => {
  for (const folder of configFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A fresh config folder per run, so no test reads a real user's token or another test's; removed after the file. */
export function freshConfig(): string {
  const folder = mkdtempSync(join(tmpdir(), 'accessgate-cli-'));
  configFolders.push(folder);
  return folder;
}

export function startCli(args: readonly string[], env: Record<string, string | undefined>, input?: string): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CONFIG_HOME: freshConfig(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const run: CliRun = {
    child,
    stdout: '',
    stderr: '',
    waitFor(pattern, ms = 20_000) {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          const match = pattern.exec(run.stdout) ?? pattern.exec(run.stderr);
          if (!match) return false;
          clearInterval(timer);
          clearTimeout(timeout);
          resolvePromise(match);
          return true;
        };
        const timer = setInterval(check, 20);
        const timeout = setTimeout(() => {
          clearInterval(timer);
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${run.stdout}; stderr: ${run.stderr}`));
        }, ms);
        check();
      });
    },
    exit: new Promise((resolvePromise) => child.on('close', (code, signal) => resolvePromise(code ?? (signal ? 128 : -1)))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (run.stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString('utf8')));
  if (input !== undefined) child.stdin!.end(input);
  else child.stdin!.end();
  return run;
}

/** Runs to the end: exit code and output. */
export async function cli(args: readonly string[], env: Record<string, string | undefined>, input?: string) {
  const run = startCli(args, env, input);
  const code = await run.exit;
  return { code, stdout: run.stdout, stderr: run.stderr };
}
