/**
 * Every statement a native client sends becomes a governed session: the governor submits it through
 * the accessgate API as the signed-in user, tells the client what it is waiting for (a NOTICE with the
 * link), follows the session to its end, and turns the ending into rows or a PostgreSQL error with a
 * fitting SQLSTATE. Nothing reaches the database any other way: the gateway holds no database
 * credentials, only the user's API token.
 */
import type { ApiClient, SessionView, SqlParameter } from '../lib/api';
import { CliError, EXIT } from '../lib/errors';
import { describeWaiting, followSession, isFinal } from '../lib/wait';
import type { ResultColumn } from './types';
import type { Diagnostic } from './wire';

export interface Outcome {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly unknown[])[];
  /** Rows returned, or rows affected for a statement without a result set. */
  readonly count: number;
  readonly truncatedFrom?: number;
}

/** A statement's failure as the client will see it: an ErrorResponse. */
export class StatementError extends Error {
  constructor(readonly diagnostic: Omit<Diagnostic, 'severity'>) {
    super(diagnostic.message);
  }
}

export interface GovernedStatement {
  /** The SQL as submitted (placeholders in the Data API's `:name` form). */
  readonly command: string;
  readonly parameters: readonly SqlParameter[];
}

export interface RunHooks {
  readonly notice: (diagnostic: Omit<Diagnostic, 'severity'>) => void;
  /** The session id, as soon as there is one (a CancelRequest cancels it). */
  readonly started?: (sessionId: string) => void;
  /** Aborted when the client goes away: a request nobody waits for is cancelled. */
  readonly signal?: AbortSignal;
}

export interface GovernorOptions {
  readonly resource: string;
  /** A fresh client per statement, so a token renewed with `accessgate login` is picked up without reconnecting. */
  readonly client: () => ApiClient;
  readonly reason?: string;
  readonly webUrl?: string;
}

export class Governor {
  constructor(private readonly options: GovernorOptions) {}

  async run(statement: GovernedStatement, hooks: RunHooks): Promise<Outcome> {
    let client: ApiClient;
    let view: SessionView;
    try {
      client = this.options.client();
      view = await client.submit(
        {
          resource: this.options.resource,
          command: statement.command,
          ...(statement.parameters.length ? { parameters: statement.parameters } : {}),
          ...(this.options.reason ? { reason: this.options.reason } : {}),
        },
        20,
        hooks.signal,
      );
    } catch (error) {
      throw apiFailure(error);
    }
    const id = view.session.id;
    hooks.started?.(id);
    const link = client.link(id, this.options.webUrl);
    if (view.session.status === 'pending_review') {
      hooks.notice({ code: '00000', message: `waiting for approval: ${link}`, detail: describeWaiting(view.session, link) });
    }
    try {
      view = await followSession(client, view, {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        onChange: (next) => {
          if (next.session.status === 'approved' && next.session.approvals.length) {
            hooks.notice({ code: '00000', message: `approved by ${next.session.approvals.map((a) => a.email || a.name).join(', ')}; running` });
          }
        },
      });
    } catch (error) {
      if (hooks.signal?.aborted) {
        // The client left (or the gateway is stopping): withdraw the request if it still waits.
        if (!isFinal(view.session)) await client.cancel(id).catch(() => undefined);
        throw new StatementError({ code: '57P01', message: 'the gateway stopped waiting for this statement' });
      }
      throw apiFailure(error);
    }
    return outcome(view, link);
  }
}

function outcome(view: SessionView, link: string): Outcome {
  const { session, result } = view;
  switch (session.status) {
    case 'done': {
      const columns = result?.columns ?? [];
      const rows = result?.rows ?? [];
      return {
        columns,
        rows,
        count: columns.length ? rows.length : (result?.recordsUpdated ?? session.result?.recordsUpdated ?? 0),
        ...(result?.truncated ? { truncatedFrom: result.rowCount } : {}),
      };
    }
    case 'failed': {
      // The requester is the one connected: they get the database's own message, which the record keeps
      // out of its events (it can quote row data) and the API returns to the requester alone.
      const reported = view.databaseError ?? session.error;
      throw new StatementError(databaseError(reported?.code, reported?.message ?? 'the statement failed', link));
    }
    case 'denied': {
      const by = session.denial?.email || session.denial?.name || 'a reviewer';
      throw new StatementError({
        code: '42501',
        message: `accessgate: ${by} denied this statement${session.denial?.reason ? `: ${session.denial.reason}` : ''}`,
        detail: link,
        hint: 'Talk to the reviewer, or send a changed statement. The connection is still usable.',
      });
    }
    case 'expired':
      throw new StatementError({
        code: '57014',
        message: 'accessgate: nobody approved this statement before its review window closed',
        detail: link,
        hint: `Send it again and ask ${session.rule?.approvalGroups.join(', ') || 'an approver'} to review it.`,
      });
    case 'cancelled':
      throw new StatementError({ code: '57014', message: 'canceling statement due to user request', detail: `accessgate: the request was cancelled; nothing ran (${link})` });
    default:
      throw new StatementError({ code: 'XX000', message: `accessgate: session ${session.id} ended as ${session.status}` });
  }
}

/**
 * The Data API reports PostgreSQL errors as "ERROR: <message>\n  Hint: …\n  Position: n; SQLState: 42P01":
 * the client gets them back as the fields a server would have sent.
 */
export function databaseError(code: string | undefined, message: string, link?: string): Omit<Diagnostic, 'severity'> {
  const state = /;\s*SQLState:\s*([0-9A-Z]{5})\s*$/.exec(message)?.[1];
  const body = message.replace(/;\s*SQLState:\s*[0-9A-Z]{5}\s*$/, '');
  const [first = '', ...rest] = body.split('\n');
  const field = (name: string) => rest.map((line) => new RegExp(`^\\s*${name}:\\s*(.*)$`).exec(line)?.[1]).find((value) => value !== undefined);
  const hint = field('Hint');
  const fallback =
    code === 'StatementTimeoutException' ? '57014'
    : code === 'command_integrity' ? 'XX001'
    // PostgreSQL's own SQLSTATE for "the statement may or may not have completed".
    : code === 'outcome_unknown' ? '40003'
    : code && /^[0-9A-Z]{5}$/.test(code) ? code
    : '58000';
  return {
    code: state ?? fallback,
    message: first.replace(/^(ERROR|FATAL):\s*/, ''),
    ...(hint ? { hint } : {}),
    ...(state ? {} : { detail: `accessgate: ${code ?? 'failed'}${link ? ` (${link})` : ''}` }),
  };
}

/** API failures (not the statement's own) in PostgreSQL's words, the CLI's hint kept as the HINT. */
function apiFailure(error: unknown): StatementError {
  if (error instanceof StatementError) return error;
  if (!(error instanceof CliError)) return new StatementError({ code: 'XX000', message: `accessgate: ${(error as Error)?.message ?? String(error)}` });
  const status = (error.details as { status?: number } | undefined)?.status;
  const code =
    error.exitCode === EXIT.auth ? '28000'
    : error.exitCode === EXIT.usage ? '22023'
    : status === 403 ? '42501'
    : status === 404 ? '42704'
    : status === 409 ? '55000'
    : '58000';
  return new StatementError({ code, message: `accessgate: ${error.message.replace(/\.$/, '')}`, hint: error.hint });
}
