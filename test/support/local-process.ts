/**
 * The real entry point (`npm start`: infra/local/main.ts) in a child process over a data folder, as a
 * person runs it, on a port of its own choosing; for tests that stop, kill and start it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface LocalProcess {
  /** The running product's address; a start picks a new port. */
  readonly base: string;
  start(): Promise<void>;
  /** Ends the process with the signal (SIGKILL: no shutdown at all) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A demo user's token from the local identity provider. */
  token(email: string): Promise<string>;
}

export function localProcess(env: Record<string, string>, startTimeoutMs = 120_000): LocalProcess {
  let child: ChildProcess | undefined;
  let base = '';
  const product: LocalProcess = {
    get base() {
      return base;
    },
    async start() {
      const started = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
        env: { ...process.env, PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      let output = '';
      base = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), startTimeoutMs);
        const watch = (chunk: Buffer) => {
          output += chunk.toString();
          const url = /accessgate is running at (http:\/\/\S+)/.exec(output)?.[1];
          if (url) {
            clearTimeout(timer);
            resolve(url);
          }
        };
        started.stdout!.on('data', watch);
        started.stderr!.on('data', watch);
        started.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
    async call(method, path, token, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json()) as any };
    },
    token: async (email) => (await product.call('POST', '/dev/token', undefined, { email })).body.token as string,
  };
  return product;
}
