/**
 * The contract between the `accessgate` entry point and its command modules (cli/commands/…): a
 * module exports its help text and a `run` that returns an exit code. Commands write through the Io
 * they are given, so the entry point alone owns the process (exit codes, error printing, signals).
 */
import type { Env } from './config';
import type { Sink } from './output';

export interface Io {
  readonly stdout: Sink;
  readonly stderr: Sink;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Env;
  /** Aborted on Ctrl-C: long waits stop and clean up (exec cancels its pending request). */
  readonly signal: AbortSignal;
}

export interface CommandModule {
  /** Full help, shown by `accessgate <command> --help` and `accessgate help <command>`. */
  readonly help: string;
  run(args: readonly string[], io: Io): Promise<number>;
}

export interface CommandEntry {
  /** One line for the command list in `accessgate --help`. */
  readonly summary: string;
  readonly load: () => Promise<CommandModule>;
}

/** Reads all of stdin as UTF-8 (for SQL piped into exec). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
