/**
 * One client connection after start-up: the query phase of the PostgreSQL protocol, simple and
 * extended, with every statement sent through the governor. Messages are handled strictly one at a
 * time in arrival order (a statement may wait an hour for approval, and what follows must wait behind
 * it, as it would on a real server).
 *
 * Where a real server would hold state the Data API cannot (a transaction across statements, session
 * settings), the gateway says so with an error instead of pretending; connection-cosmetic settings
 * that clients send on connect (application_name, extra_float_digits, client_encoding UTF8, DateStyle
 * ISO) are acknowledged here, since they change nothing the gateway sends.
 */
import type { Socket } from 'node:net';
import { commandTag, commandVerb, isTransactionControl, parseSet, rewritePlaceholders, splitStatements } from '../lib/sql';
import { type GovernedStatement, type Governor, type Outcome, StatementError } from './governor';
import { type BoundParameter, bindParameters, describeColumns, describedParameterTypes, encodeRow, ParameterError } from './types';
import * as wire from './wire';

interface PreparedStatement {
  readonly sql: string;
  readonly declared: readonly number[];
  /** Highest `$n` in the SQL: Bind must supply exactly this many values (or as many as were declared). */
  readonly count: number;
}

interface Portal {
  readonly statement: PreparedStatement;
  readonly bound: readonly BoundParameter[];
  readonly formats: readonly number[];
  outcome?: Outcome;
  sent: number;
}

/** Settings a client may set that change nothing the gateway does; anything else is refused. */
const COSMETIC_SETTINGS: Record<string, (value: string) => boolean> = {
  application_name: () => true,
  extra_float_digits: () => true,
  client_encoding: (value) => /^utf-?8$/i.test(value) || /^unicode$/i.test(value),
  datestyle: (value) => /^iso\b/i.test(value),
  client_min_messages: () => true,
};

/** Statements that never return rows, so a statement Describe can say NoData without running them. */
const ROWLESS = new Set(['CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'GRANT', 'REVOKE', 'COMMENT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'VACUUM', 'ANALYZE']);

export class GatewayConnection {
  private readonly reader = new wire.MessageReader();
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  private chain: Promise<void> = Promise.resolve();
  /** After an error in the extended protocol, everything up to the next Sync is skipped. */
  private skipping = false;
  private readonly closed = new AbortController();
  private currentSession: string | undefined;
  /** A cancel that arrived while the statement was being submitted, before it had a session id. */
  private cancelPending = false;
  private inFlight = false;

  constructor(
    private readonly socket: Socket,
    private readonly governor: Governor,
    private readonly cancelSession: (sessionId: string) => Promise<void>,
  ) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('close', () => this.closed.abort());
    socket.on('error', () => this.closed.abort());
  }

  /** Takes bytes (whole or partial messages) and queues their handling behind what came before. */
  feed(chunk: Buffer): void {
    let messages: wire.FrontendMessage[];
    try {
      messages = this.reader.push(chunk);
    } catch (error) {
      this.fatal('08P01', `invalid frontend message: ${(error as Error).message}`);
      return;
    }
    for (const message of messages) {
      this.chain = this.chain.then(() => this.handle(message)).catch((error: unknown) => this.fatal('XX000', `accessgate gateway: ${(error as Error).message}`));
    }
  }

  /** A CancelRequest for this connection: withdraw the statement waiting for review, if any. */
  async cancel(): Promise<void> {
    if (this.currentSession) await this.cancelSession(this.currentSession).catch(() => undefined);
    else if (this.inFlight) this.cancelPending = true;
  }

  private write(...messages: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(messages.length === 1 ? messages[0] : Buffer.concat(messages));
  }

  private fatal(code: string, message: string): void {
    this.write(wire.errorResponse({ severity: 'FATAL', code, message }));
    this.socket.end();
  }

  private error(error: unknown): void {
    const diagnostic =
      error instanceof StatementError ? error.diagnostic
      : error instanceof ParameterError ? { code: error.code, message: error.message }
      : { code: 'XX000', message: `accessgate gateway: ${(error as Error)?.message ?? String(error)}` };
    this.write(wire.errorResponse({ severity: 'ERROR', ...diagnostic }));
  }

  private async handle(message: wire.FrontendMessage): Promise<void> {
    if (this.socket.destroyed) return;
    const body = new wire.BodyReader(message.body);
    if (this.skipping && message.type !== 'S' && message.type !== 'X') return;
    try {
      switch (message.type) {
        case 'Q':
          return await this.simpleQuery(body.cstring());
        case 'P':
          return this.parse(body);
        case 'B':
          return this.bind(body);
        case 'D':
          return await this.describe(body.byte(), body.cstring());
        case 'E':
          return await this.execute(body.cstring(), body.int32());
        case 'C': {
          const kind = body.byte();
          const name = body.cstring();
          (kind === 'S' ? this.statements : this.portals).delete(name);
          return this.write(wire.closeComplete());
        }
        case 'S':
          this.skipping = false;
          this.portals.delete('');
          return this.write(wire.readyForQuery('I'));
        case 'H':
          return;
        case 'X':
          this.socket.end();
          return;
        case 'F':
        case 'd':
        case 'c':
        case 'f':
          throw new StatementError({ code: '0A000', message: 'accessgate: COPY and function calls are not available through the gateway', hint: 'Run the statement without COPY, or use accessgate exec --format csv.' });
        default:
          this.fatal('08P01', `invalid frontend message type ${JSON.stringify(message.type)}`);
      }
    } catch (error) {
      this.error(error);
      // The simple protocol ends every query with ReadyForQuery; the extended one waits for Sync.
      if (message.type === 'Q') this.write(wire.readyForQuery('I'));
      else this.skipping = true;
    }
  }

  private async simpleQuery(sql: string): Promise<void> {
    const statements = splitStatements(sql);
    if (!statements.length) {
      this.write(wire.emptyQueryResponse(), wire.readyForQuery('I'));
      return;
    }
    for (const statement of statements) {
      try {
        const outcome = await this.run(statement, []);
        const fields = describeColumns(outcome.columns, [0]);
        if (outcome.columns.length) this.write(wire.rowDescription(fields));
        this.sendRows(outcome, fields, 0, outcome.rows.length);
        this.write(wire.commandComplete(this.tag(statement, outcome)));
      } catch (error) {
        // Like a server, the first failing statement ends the query string; the connection stays usable.
        this.error(error);
        break;
      }
    }
    this.write(wire.readyForQuery('I'));
  }

  private parse(body: wire.BodyReader): void {
    const name = body.cstring();
    const sql = body.cstring();
    const declared = Array.from({ length: body.int16() }, () => body.uint32());
    if (name && this.statements.has(name)) throw new StatementError({ code: '42P05', message: `prepared statement "${name}" already exists` });
    if (splitStatements(sql).length > 1) throw new StatementError({ code: '42601', message: 'cannot insert multiple commands into a prepared statement' });
    this.statements.set(name, { sql, declared, count: Math.max(rewritePlaceholders(sql).count, declared.length) });
    this.write(wire.parseComplete());
  }

  private bind(body: wire.BodyReader): void {
    const portalName = body.cstring();
    const statementName = body.cstring();
    const formats = Array.from({ length: body.int16() }, () => body.int16());
    const values = Array.from({ length: body.int16() }, () => {
      const length = body.int32();
      return length < 0 ? null : Buffer.from(body.bytes(length));
    });
    const resultFormats = Array.from({ length: body.int16() }, () => body.int16());
    const statement = this.statements.get(statementName);
    if (!statement) throw new StatementError({ code: '26000', message: `prepared statement "${statementName}" does not exist` });
    if (values.length !== statement.count) {
      throw new StatementError({ code: '08P01', message: `bind message supplies ${values.length} parameters, but prepared statement "${statementName}" requires ${statement.count}` });
    }
    this.portals.set(portalName, { statement, bound: bindParameters(values, formats, statement.declared), formats: resultFormats.length ? resultFormats : [0], sent: 0 });
    this.write(wire.bindComplete());
  }

  private async describe(kind: string, name: string): Promise<void> {
    if (kind === 'S') {
      const statement = this.statements.get(name);
      if (!statement) throw new StatementError({ code: '26000', message: `prepared statement "${name}" does not exist` });
      const verb = commandVerb(statement.sql);
      if (!ROWLESS.has(verb) || /\bRETURNING\b/i.test(statement.sql)) {
        // Its columns exist only once it is approved and has run, and describing must not run it.
        throw new StatementError({
          code: '0A000',
          message: 'accessgate: the result columns of a prepared statement are known only after it is approved and run',
          hint: 'Bind it and describe the portal instead (the pg driver, psql and most drivers do).',
        });
      }
      this.write(wire.parameterDescription(describedParameterTypes(statement.declared, statement.count)), wire.noData());
      return;
    }
    const portal = this.portals.get(name);
    if (!portal) throw new StatementError({ code: '34000', message: `portal "${name}" does not exist` });
    // The client needs the columns before the rows, so a described portal runs now; Execute then streams it.
    portal.outcome ??= await this.run(portal.statement.sql, portal.bound);
    this.write(portal.outcome.columns.length ? wire.rowDescription(describeColumns(portal.outcome.columns, portal.formats)) : wire.noData());
  }

  private async execute(name: string, maxRows: number): Promise<void> {
    const portal = this.portals.get(name);
    if (!portal) throw new StatementError({ code: '34000', message: `portal "${name}" does not exist` });
    portal.outcome ??= await this.run(portal.statement.sql, portal.bound);
    const outcome = portal.outcome;
    const fields = describeColumns(outcome.columns, portal.formats);
    const end = maxRows > 0 ? Math.min(outcome.rows.length, portal.sent + maxRows) : outcome.rows.length;
    this.sendRows(outcome, fields, portal.sent, end);
    portal.sent = end;
    if (end < outcome.rows.length) this.write(wire.portalSuspended());
    else this.write(wire.commandComplete(this.tag(portal.statement.sql, outcome)));
  }

  private sendRows(outcome: Outcome, fields: readonly wire.FieldDescription[], from: number, to: number): void {
    const batch: Buffer[] = [];
    for (let index = from; index < to; index++) {
      batch.push(wire.dataRow(encodeRow(outcome.rows[index], fields, outcome.columns)));
      if (batch.length >= 500) this.write(...batch.splice(0));
    }
    if (batch.length) this.write(...batch);
    if (to === outcome.rows.length && outcome.truncatedFrom !== undefined && to > from) {
      this.write(wire.noticeResponse({ severity: 'WARNING', code: '01000', message: `accessgate: result cut at ${outcome.rows.length} of ${outcome.truncatedFrom} rows by the product's row limit`, hint: 'Narrow the query (WHERE, LIMIT) to see the rest.' }));
    }
  }

  private tag(sql: string, outcome: Outcome): string {
    return parseSet(sql) && !outcome.columns.length ? 'SET' : commandTag(sql, outcome.count);
  }

  /** One statement: answered here when it cannot or need not reach the database, else governed. */
  private async run(sql: string, bound: readonly BoundParameter[]): Promise<Outcome> {
    if (isTransactionControl(sql)) {
      throw new StatementError({
        code: '0A000',
        message: 'accessgate: transactions across statements are not available; every statement is reviewed, run and committed on its own',
        hint: 'Send the work as one statement (a CTE, or INSERT … SELECT) so it is reviewed and committed as a whole.',
      });
    }
    const setting = parseSet(sql);
    if (setting) {
      const accept = COSMETIC_SETTINGS[setting.name];
      if (accept?.(setting.value) || setting.value === 'DEFAULT') return { columns: [], rows: [], count: 0 };
      throw new StatementError({
        code: '0A000',
        message: `accessgate: SET ${setting.name} would not outlast this statement: each statement runs on its own database session`,
        hint: 'Put the setting into the statement itself (e.g. schema-qualified names instead of search_path).',
      });
    }
    let command: string;
    try {
      command = rewritePlaceholders(sql, (n) => {
        const parameter = bound[n - 1];
        if (!parameter) throw new StatementError({ code: '42P02', message: `there is no parameter $${n}` });
        return parameter.cast ? `CAST(:p${n} AS ${parameter.cast})` : `:p${n}`;
      }).text;
    } catch (error) {
      throw error instanceof StatementError ? error : new StatementError({ code: '42601', message: (error as Error).message });
    }
    const statement: GovernedStatement = { command, parameters: bound.map((b) => b.parameter) };
    this.inFlight = true;
    this.cancelPending = false;
    try {
      return await this.governor.run(statement, {
        notice: (diagnostic) => this.write(wire.noticeResponse({ severity: 'NOTICE', ...diagnostic })),
        started: (id) => {
          this.currentSession = id;
          if (this.cancelPending) void this.cancelSession(id).catch(() => undefined);
        },
        signal: this.closed.signal,
      });
    } finally {
      this.currentSession = undefined;
      this.inFlight = false;
      this.cancelPending = false;
    }
  }
}
