/**
 * `accessgate audit …`: the auditor's commands, one module each. To add one, add it to SUBCOMMANDS;
 * its help joins this command's help, which the entry point prints for `accessgate audit <any> --help`.
 */
import type { CommandModule, Io } from '../../lib/command';
import { usageError } from '../../lib/errors';
import * as pull from './pull';
import * as report from './report';
import * as verify from './verify';

const SUBCOMMANDS: Record<string, CommandModule> = { pull, verify, report };

export const help = `Usage: accessgate audit <pull|verify|report> [options]

Audit evidence: download it, verify it offline, and report on it. Times are ISO 8601, UTC.

${Object.values(SUBCOMMANDS)
  .map((command) => command.help.trimEnd())
  .join('\n\n')}`;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const index = args.findIndex((arg) => Object.hasOwn(SUBCOMMANDS, arg));
  if (index < 0) {
    const given = args.find((arg) => !arg.startsWith('-'));
    throw usageError(given ? `There is no audit command "${given}".` : 'Name an audit command: pull, verify or report.', 'See: accessgate audit --help');
  }
  return SUBCOMMANDS[args[index]].run([...args.slice(0, index), ...args.slice(index + 1)], io);
}
