/**
 * `accessgate exec`: one SQL statement through the approval flow. It submits, shows a live status line
 * while the command waits for review or runs, and ends with the rows (or the reason there are none)
 * and an exit code that says which ending it was. Ctrl-C while waiting cancels the request, as
 * Ctrl-C in psql cancels a query.
 */
import { readFileSync } from 'node:fs';
import { durationOption, parse } from '../lib/args';
import { type ApiClient, clientFor, type SessionView } from '../lib/api';
import { type Io, readAll } from '../lib/command';
import { CliError, EXIT, EXIT_CODES_HELP, usageError } from '../lib/errors';
import { type Format, formatOption, printGrid, renderJson } from '../lib/output';
import { loadSqlParsers, splitStatements } from '../lib/sql';
import { StatusLine } from '../lib/status';
import { describeWaiting, followSession, isFinal, waitingKey } from '../lib/wait';

export const help = `Usage: accessgate exec --resource R [--reason TEXT] [--format table|json|csv] (SQL | -f FILE | < FILE)

Runs one SQL statement on a resource. If a rule covers the resource the statement waits for review;
a status line on stderr says who must approve, when the request expires and where to see it. Once
approved it runs through the RDS Data API and its rows are printed; a statement no rule covers runs
at once. Every step is recorded.

Options:
  -r, --resource R     the resource (accessgate resources lists yours)
      --reason TEXT    why you need to run it (shown to reviewers; some rules require it)
      --format F       table (default; fits the terminal), json or csv
  -f, --file FILE      read the statement from FILE ("-" for stdin); otherwise from the arguments,
                       or from stdin when it is not a terminal
      --no-wait        submit and return at once: prints the session id, exits 9 while it is pending
      --timeout D      stop waiting after D (e.g. 90s, 15m, 2h): exits 9, the request stays open

Ctrl-C while waiting cancels the request (exit 5); a command already running finishes on its own.

${EXIT_CODES_HELP}

Examples:
  accessgate exec -r postgres-demo --reason "ticket 1234" "select id, name from customers limit 5"
  accessgate exec -r postgres-demo --format csv -f report.sql > report.csv
  echo "select count(*) from orders" | accessgate exec -r postgres-staging --format json`;

const OPTIONS = {
  resource: { type: 'string', short: 'r' },
  reason: { type: 'string' },
  format: { type: 'string' },
  file: { type: 'string', short: 'f' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
} as const;

async function readStatement(positionals: string[], file: string | undefined, io: Io): Promise<string> {
  if (file !== undefined && positionals.length) throw usageError('Give the SQL either as arguments or with --file, not both.');
  if (file === '-') return readAll(io.stdin);
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw usageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Check the path given to --file.');
    }
  }
  if (positionals.length) return positionals.join(' ');
  if (!io.stdin.isTTY) return readAll(io.stdin);
  throw usageError('No SQL given.', 'Pass the statement as an argument, with --file, or on stdin. See accessgate exec --help.');
}

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  const format = formatOption(values.format);
  const timeout = durationOption(values.timeout, 'timeout');
  if (!values.resource) throw usageError('--resource is required.', 'Name the resource to run on; accessgate resources lists yours.');
  const sql = (await readStatement(positionals, values.file, io)).trim();
  if (!sql) throw usageError('The SQL statement is empty.');
  // Counted by the server's parser, so exec refuses exactly what the server would read as a script.
  await loadSqlParsers();
  const statements = splitStatements(sql);
  if (statements.length > 1) {
    throw usageError(
      `That is ${statements.length} statements; exec runs one (the Data API runs one statement per call, and each is reviewed on its own).`,
      'Run each statement with its own accessgate exec.',
    );
  }

  const client = clientFor(values.api, io.env);
  const submitted = await client.submit({ resource: values.resource, command: sql, ...(values.reason ? { reason: values.reason } : {}) }, 20, io.signal);
  const link = client.link(submitted.session.id, io.env.ACCESSGATE_WEB_URL);
  if (values['no-wait'] && !isFinal(submitted.session)) return pendingExit(submitted, link, format, io);

  const status = new StatusLine(io.stderr);
  const show = (view: SessionView) => {
    if (!isFinal(view.session)) status.show(waitingKey(view.session), () => describeWaiting(view.session, link));
  };
  show(submitted);
  let final: SessionView;
  try {
    final = await followSession(client, submitted, {
      signal: io.signal,
      ...(timeout !== undefined ? { deadline: Date.now() + timeout * 1000 } : {}),
      onChange: show,
    });
  } catch (error) {
    status.clear();
    if (io.signal.aborted) return interrupted(client, submitted, io);
    throw error;
  }
  status.clear();
  if (!isFinal(final.session)) return pendingExit(final, link, format, io);
  return report(final, format, link, io);
}

function pendingExit(view: SessionView, link: string, format: Format, io: Io): number {
  if (format === 'json') io.stdout.write(renderJson({ session: view.session.id, status: view.session.status, link }));
  else io.stdout.write(`${view.session.id}\n`);
  io.stderr.write(`accessgate: session ${view.session.id} is ${view.session.status.replace('_', ' ')}: ${describeWaiting(view.session, link)}\n  Follow it with: accessgate session ${view.session.id} --wait\n`);
  return EXIT.pending;
}

async function interrupted(client: ApiClient, submitted: SessionView, io: Io): Promise<number> {
  const id = submitted.session.id;
  try {
    await client.cancel(id);
    io.stderr.write(`accessgate: cancelled session ${id} (Ctrl-C); nothing ran.\n`);
    return EXIT.cancelled;
  } catch {
    io.stderr.write(`accessgate: stopped waiting for session ${id}; it could not be cancelled (it was already approved or finished).\n  See how it ended with: accessgate session ${id}\n`);
    return 130;
  }
}

/** The ending, printed: rows to stdout, everything about them to stderr, the right exit code. */
export function report(view: SessionView, format: Format, link: string, io: Io): number {
  const { session, result } = view;
  const outcome = { session: session.id, status: session.status, link };
  switch (session.status) {
    case 'done': {
      if (result && result.columns.length) {
        printGrid(io.stdout, format, { columns: result.columns, rows: result.rows }, { ...outcome, columns: result.columns, rows: result.rows, rowCount: result.rowCount, truncated: result.truncated });
        if (result.truncated) io.stderr.write(`accessgate: showing the first ${result.rows.length} of ${result.rowCount} rows; the result was cut at the product's row limit.\n  Narrow the query (WHERE, LIMIT) to see the rest.\n`);
      } else {
        const affected = result?.recordsUpdated ?? session.result?.recordsUpdated ?? 0;
        if (format === 'json') io.stdout.write(renderJson({ ...outcome, recordsUpdated: affected }));
        else if (format === 'table') io.stdout.write(`(${affected} row${affected === 1 ? '' : 's'} affected)\n`);
      }
      return EXIT.done;
    }
    case 'failed': {
      // An unknown outcome is not a failure to fix: the change may be in the database already.
      if (session.error?.code === 'outcome_unknown' || session.error?.code === 'interrupted') {
        return ending(io, format, { ...outcome, error: session.error }, session.error.message,
          'Check the database for the change before running the command again; accessgate will not re-run it.', EXIT.failed);
      }
      const reported = view.databaseError?.message ?? session.error?.message ?? 'no reason was recorded';
      return ending(io, format, { ...outcome, error: view.databaseError ?? session.error }, `the command failed: ${reported}`, 'Fix the statement and run it again.', EXIT.failed);
    }
    case 'denied': {
      const by = session.denial ? session.denial.email || session.denial.name : 'a reviewer';
      return ending(io, format, { ...outcome, denial: session.denial }, `${by} denied the command${session.denial?.reason ? `: ${session.denial.reason}` : '.'}`,
        'Talk to the reviewer, or submit a changed command.', EXIT.denied);
    }
    case 'expired':
      return ending(io, format, outcome, `nobody approved the command before its review window closed${session.expiresAt ? ` (${session.expiresAt})` : ''}.`,
        `Submit it again and ask ${session.rule?.approvalGroups.join(', ') || 'an approver'} to review it (${link}).`, EXIT.expired);
    case 'cancelled':
      return ending(io, format, outcome, 'the request was cancelled; nothing ran.', 'Submit it again if you still need it.', EXIT.cancelled);
    default:
      throw new CliError(`Session ${session.id} ended in an unknown state "${session.status}".`, 'Re-run with --verbose and report it.', EXIT.internal, view);
  }
}

function ending(io: Io, format: Format, outcome: object, sentence: string, hint: string, code: number): number {
  if (format === 'json') io.stdout.write(renderJson(outcome));
  io.stderr.write(`accessgate: ${sentence}\n  ${hint}\n`);
  return code;
}
