/**
 * Argument parsing on Node's own util.parseArgs, with the options every command shares (--api,
 * --verbose, --help) merged in, and parse failures turned into usage errors instead of stack traces.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors';

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  api: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const GLOBAL_HELP = `Options for every command:
  --api URL        the accessgate API (default: $ACCESSGATE_API, then the API you logged in to,
                   then the local runtime http://127.0.0.1:8787)
  -v, --verbose    show details (HTTP status, response body, stack) when something fails
  -h, --help       show help`;

export interface Parsed<T extends Options> {
  readonly values: { [K in keyof T | keyof typeof GLOBAL_OPTIONS]?: K extends keyof T ? OptionValue<T[K]> : K extends keyof typeof GLOBAL_OPTIONS ? OptionValue<(typeof GLOBAL_OPTIONS)[K]> : never };
  readonly positionals: string[];
}

type OptionValue<O> = O extends { type: 'string'; multiple: true } ? string[] : O extends { type: 'string' } ? string : O extends { type: 'boolean' } ? boolean : never;

export function parse<T extends Options>(args: readonly string[], options: T): Parsed<T> {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return { values: values as Parsed<T>['values'], positionals };
  } catch (error) {
    // parseArgs explains the problem well ("Unknown option '--x'"); only the stack trace is noise.
    throw usageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}.`.replace(/\.\.$/, '.'));
  }
}

/** Parses a command that takes options only: an argument is a usage error naming the command (and `hint`). */
export function parseOptionsOnly<T extends Options>(args: readonly string[], options: T, command: string, hint?: string): Parsed<T>['values'] {
  const { values, positionals } = parse(args, options);
  if (positionals.length) throw usageError(`${command} takes no arguments (got "${positionals[0]}").`, hint);
  return values;
}

/** Positive integer option, or a usage error naming the option. */
export function intOption(value: string | undefined, name: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw usageError(`--${name} must be a whole number from ${min} to ${max}, not "${value}".`);
  return number;
}

/** "90", "90s", "15m", "2h" → seconds. */
export function durationOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\s*(s|m|h)?$/.exec(value.trim());
  if (!match) throw usageError(`--${name} must be a duration such as 90s, 15m or 2h, not "${value}".`);
  return Number(match[1]) * (match[2] === 'h' ? 3600 : match[2] === 'm' ? 60 : 1);
}
