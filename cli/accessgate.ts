/**
 * `accessgate`: the command line for engineers and approvers, and the native-client gateway. This file
 * is the entry point and the command registry: each command lives in its own module under
 * cli/commands/ and is loaded only when called, so `accessgate whoami` does not pay for the gateway.
 * To add a command, add one entry to COMMANDS. The entry point owns the process: it turns a command's
 * result into the exit code, prints failures as one sentence plus what to do (details with
 * --verbose), and turns Ctrl-C into an abort signal the running command can clean up on.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { GLOBAL_HELP } from './lib/args';
import type { CommandEntry, Io } from './lib/command';
import { CliError, EXIT, EXIT_CODES_HELP } from './lib/errors';

export const COMMANDS: Record<string, CommandEntry> = {
  login: { summary: 'sign in (local runtime: a demo user; AWS: your identity provider) and cache the token', load: () => import('./commands/login') },
  logout: { summary: 'forget the cached token', load: () => import('./commands/logout') },
  whoami: { summary: 'who you are signed in as, and your groups', load: () => import('./commands/whoami') },
  resources: { summary: 'the databases you may use and the rule that governs each', load: () => import('./commands/resources') },
  exec: { summary: 'run one SQL statement through review and print its rows', load: () => import('./commands/exec') },
  sessions: { summary: 'list sessions (yours; reviewable; everyone\'s for admins and auditors)', load: () => import('./commands/sessions') },
  session: { summary: 'show one session with its timeline and rows, or cancel it', load: () => import('./commands/session') },
  window: { summary: 'ask for a time-boxed access window on a resource, or revoke one', load: () => import('./commands/window') },
  review: { summary: 'list, approve or deny commands waiting for your review', load: () => import('./commands/review') },
  connect: { summary: 'a local PostgreSQL server: psql, GUI clients and drivers through the approval flow', load: () => import('./commands/connect') },
  audit: { summary: 'auditors: pull the locked evidence, verify it offline, report on it (SOC 2, ISO 27001)', load: () => import('./commands/audit/index') },
};

/** Options that may come before the command name and belong to it. */
const LEADING_GLOBALS = new Map([
  ['--api', true],
  ['--verbose', false],
  ['-v', false],
]);

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return `accessgate — just-in-time, approval-gated access to production databases

Usage: accessgate <command> [options]      accessgate <command> --help for details

Commands:
${Object.entries(COMMANDS)
  .map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`)
  .join('\n')}

${GLOBAL_HELP}

Environment:
  ACCESSGATE_API     the API URL (see --api)
  ACCESSGATE_TOKEN   a bearer token to use instead of the one login cached

${EXIT_CODES_HELP}
`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `accessgate ${pkg.version}\n`;
}

function closest(name: string): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let diagonal = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const above = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length];
  };
  const [best] = Object.keys(COMMANDS).sort((a, b) => distance(name, a) - distance(name, b));
  return best && distance(name, best) <= 2 ? best : undefined;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const leading: string[] = [];
  let index = 0;
  while (index < argv.length && LEADING_GLOBALS.has(argv[index])) {
    leading.push(argv[index]);
    if (LEADING_GLOBALS.get(argv[index])) leading.push(argv[++index] ?? '');
    index++;
  }
  const name = argv[index];
  const rest = [...leading, ...argv.slice(index + 1)];
  const verbose = argv.includes('--verbose') || argv.includes('-v') || io.env.ACCESSGATE_VERBOSE === '1';

  try {
    if (name === undefined) {
      io.stderr.write(overview());
      return EXIT.usage;
    }
    if (name === '--help' || name === '-h') {
      io.stdout.write(overview());
      return EXIT.done;
    }
    if (name === '--version') {
      io.stdout.write(version());
      return EXIT.done;
    }
    if (name === 'help') {
      const topic = rest.find((arg) => !arg.startsWith('-'));
      if (!topic) {
        io.stdout.write(overview());
        return EXIT.done;
      }
      const entry = COMMANDS[topic];
      if (!entry) throw new CliError(`There is no command "${topic}".`, 'Run accessgate --help for the list of commands.', EXIT.usage);
      io.stdout.write(`${(await entry.load()).help.trimEnd()}\n\n${GLOBAL_HELP}\n`);
      return EXIT.done;
    }
    const entry = COMMANDS[name];
    if (!entry) {
      const guess = closest(name);
      throw new CliError(`There is no command "${name}".`, guess ? `Did you mean: accessgate ${guess}` : 'Run accessgate --help for the list of commands.', EXIT.usage);
    }
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(`${command.help.trimEnd()}\n\n${GLOBAL_HELP}\n`);
      return EXIT.done;
    }
    return await command.run(rest, io);
  } catch (error) {
    if (io.signal.aborted && !(error instanceof CliError)) {
      // Ctrl-C during a request: whatever the API already accepted stands, so say where to look.
      io.stderr.write('accessgate: interrupted.\n  Anything already submitted goes on; see it with: accessgate sessions\n');
      return 130;
    }
    if (error instanceof CliError) {
      io.stderr.write(`accessgate: ${error.message}\n  ${error.hint}\n`);
      if (verbose && error.details !== undefined) io.stderr.write(`details: ${JSON.stringify(error.details, null, 2)}\n`);
      return error.exitCode;
    }
    io.stderr.write(`accessgate: unexpected error: ${(error as Error)?.message ?? String(error)}\n  Re-run with --verbose and report it.\n`);
    if (verbose) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return EXIT.internal;
  }
}

/** Runs as the program: bin/accessgate.js calls this; tests call main() with their own Io. */
export async function start(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // The first Ctrl-C lets the command clean up (cancel a pending request, close the gateway); a
    // second one leaves at once.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: controller.signal,
  });
  // Pipes to another process may still hold output: let it drain before exiting, or a long result is cut.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}

// `tsx cli/accessgate.ts …` runs this file directly.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await start();
