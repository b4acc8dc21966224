/**
 * The CLI's failures and its exit codes. Every failure a person can meet is a CliError carrying one
 * sentence saying what went wrong, one saying what to do, and (for --verbose) the raw details; the
 * entry point prints those and exits with the code, so scripts can tell outcomes apart.
 */

/** Exit codes, documented in `accessgate --help` and `accessgate exec --help`. */
export const EXIT = {
  /** The command ran (or the action succeeded). */
  done: 0,
  /** The command ran and the database reported an error, or its run was interrupted. */
  failed: 1,
  /** Bad arguments, or a request the API rejected as invalid (400/413). */
  usage: 2,
  /** A reviewer denied the command. */
  denied: 3,
  /** Nobody approved the command within the rule's review window. */
  expired: 4,
  /** The request was cancelled (by its requester, or by Ctrl-C while waiting). */
  cancelled: 5,
  /** Not signed in, or the token was rejected (401). */
  auth: 6,
  /** The API refused the action: not allowed (403), not found (404) or in the wrong state (409). */
  refused: 7,
  /** The API could not be reached, or failed on its side (5xx). */
  unavailable: 8,
  /** Still waiting for review when `exec` returned (--no-wait or --timeout). */
  pending: 9,
  /** A bug in the CLI itself. */
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  done        the command ran (or the action succeeded)
  1  failed      the command ran and the database reported an error
  2  usage       bad arguments, or a request the API rejected as invalid
  3  denied      a reviewer denied the command
  4  expired     nobody approved it within the rule's review window
  5  cancelled   the request was cancelled (by you, or by Ctrl-C while waiting)
  6  auth        not signed in, or the token was rejected: run accessgate login
  7  refused     the API refused: not allowed, not found, or the session is in another state
  8  unavailable the API could not be reached, or failed on its side
  9  pending     still waiting for review when exec returned (--no-wait, --timeout)
 70  internal    a bug in the CLI; re-run with --verbose and report it
130  interrupted Ctrl-C when there was nothing to cancel`;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: ExitCode,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const usageError = (message: string, hint = 'See --help for the usage.'): CliError => new CliError(message, hint, EXIT.usage);
