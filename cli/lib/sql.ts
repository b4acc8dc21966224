/**
 * What the SQL gateway must know about PostgreSQL text before anything reaches the server: where the
 * statements of one query string end, where its `$n` placeholders are, and which command a statement
 * is. All of it is read by the server's own parser module (PostgreSQL's parser and scanner, libpg-query,
 * through functions/adapters/sql-parser.ts), so a `;` or `$1` inside a literal, an E'' string, a
 * dollar-quoted body or a comment is read exactly as the server and the database read it.
 *
 * Why the gateway cuts at all: a client speaking the wire protocol (psql) sends several statements in
 * one query string and expects one result and one command tag per statement, while the server takes one
 * command per session; so the gateway submits each statement on its own. Text the parser refuses is
 * one statement: it is submitted whole, and the server refuses it with the database's own error.
 *
 * Contract: `loadSqlParsers()` must have resolved first (the gateway awaits it before it listens).
 */
import type { ScanToken } from 'libpg-query';
import { analyseSql, loadSqlParsers, postgresParser } from '../../functions/adapters/sql-parser';
import { readScript } from '../../functions/adapters/sql-script';

export { loadSqlParsers };

type Tree = Record<string, unknown>;

const tokensOf = (sql: string): ScanToken[] => {
  try {
    return postgresParser().scanSync(sql).tokens;
  } catch {
    return [];
  }
};

/** The first statement's parse tree node (`SelectStmt`, `VariableSetStmt`…), or undefined for text the parser refuses. */
function firstStatement(sql: string): [string, Tree] | undefined {
  try {
    const [raw] = postgresParser().parseSync(sql).stmts ?? [];
    return raw?.stmt ? (Object.entries(raw.stmt)[0] as [string, Tree]) : undefined;
  } catch {
    return undefined;
  }
}

/** The statements of a query string as the server cuts a script; blanks and comments alone are none. */
export function splitStatements(sql: string): string[] {
  const reading = readScript(sql, 'postgres');
  if (!reading.ok) return [sql.trim()];
  return reading.statements.map((statement) => statement.text.trim().replace(/;\s*$/, '').trim());
}

export interface Placeholders {
  /** The SQL with `$n` written as the Data API's `:pn`. */
  readonly text: string;
  /** The highest n used (a statement may use $2 without $1; the client still sends both values). */
  readonly count: number;
}

/**
 * `$1` → `:p1` (or what `render` makes of placeholder n), at the scanner's PARAM tokens only, so text
 * inside strings, identifiers, comments and dollar bodies never changes.
 */
export function rewritePlaceholders(sql: string, render: (n: number) => string = (n) => `:p${n}`): Placeholders {
  const bytes = Buffer.from(sql, 'utf8');
  const parts: string[] = [];
  let count = 0;
  let at = 0;
  // Token positions are byte offsets.
  for (const token of tokensOf(sql)) {
    if (token.tokenName !== 'PARAM') continue;
    const n = Number(token.text.slice(1));
    count = Math.max(count, n);
    parts.push(bytes.subarray(at, token.start).toString('utf8'), render(n));
    at = token.end;
  }
  parts.push(bytes.subarray(at).toString('utf8'));
  return { text: parts.join(''), count };
}

/** Upper-cased leading words of a statement (comments, opening parentheses and literals skipped). */
export function leadingWords(sql: string, count = 2): string[] {
  return tokensOf(sql)
    .filter((token) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(token.text))
    .slice(0, count)
    .map((token) => token.text.toUpperCase());
}

/** The verbs whose command tag carries a row count, by the parser's statement node. */
const COUNTED: Record<string, (body: Tree) => string> = {
  SelectStmt: (body) => (body.valuesLists ? 'VALUES' : 'SELECT'),
  InsertStmt: () => 'INSERT',
  UpdateStmt: () => 'UPDATE',
  DeleteStmt: () => 'DELETE',
  MergeStmt: () => 'MERGE',
  FetchStmt: (body) => (body.ismove ? 'MOVE' : 'FETCH'),
  CopyStmt: () => 'COPY',
  VariableShowStmt: () => 'SHOW',
};

/** The command a statement runs: for WITH … the main statement's, as the parser reads it. */
export function commandVerb(sql: string): string {
  const statement = firstStatement(sql);
  const verb = statement && COUNTED[statement[0]]?.(statement[1]);
  return verb ?? leadingWords(sql, 1)[0] ?? '';
}

/** PostgreSQL's CommandComplete tag for a statement that affected or returned `rows` rows. */
export function commandTag(sql: string, rows: number): string {
  const verb = commandVerb(sql);
  switch (verb) {
    case 'SELECT':
    case 'VALUES':
      return `SELECT ${rows}`;
    case 'SHOW':
      return 'SHOW';
    case 'INSERT':
      return `INSERT 0 ${rows}`;
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
    case 'FETCH':
    case 'MOVE':
    case 'COPY':
      return `${verb} ${rows}`;
    case 'CREATE':
    case 'ALTER':
    case 'DROP': {
      const words = leadingWords(sql, 4);
      // CREATE OR REPLACE VIEW / CREATE UNIQUE INDEX / CREATE TEMP TABLE: the object word is what psql shows.
      const object = words.slice(1).find((word) => !['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'MATERIALIZED', 'IF'].includes(word));
      return object ? `${verb} ${words.includes('MATERIALIZED') ? 'MATERIALIZED ' : ''}${object}` : verb;
    }
    default:
      return verb || 'OK';
  }
}

/**
 * Whether a statement controls a transaction (which one governed call per statement cannot hold
 * open): the server's own classification of it, `transaction`.
 */
export function isTransactionControl(sql: string): boolean {
  const reading = analyseSql(sql, 'postgres');
  return reading.ok && reading.statements.length === 1 && reading.statements[0].kind === 'transaction';
}

/**
 * `SET name = value` / `SET name TO value` / `SET name TO DEFAULT` / `RESET name`, as the parser reads
 * it (names lower-cased); the value is the statement's own text from its first argument on, unquoted.
 */
export function parseSet(sql: string): { readonly name: string; readonly value: string } | undefined {
  const statement = firstStatement(sql);
  if (statement?.[0] !== 'VariableSetStmt') return undefined;
  const body = statement[1] as { kind?: string; name?: string; args?: Array<Record<string, { location?: number }>> };
  if (!body.name) return undefined;
  const name = body.name.toLowerCase();
  if (body.kind === 'VAR_RESET' || body.kind === 'VAR_SET_DEFAULT') return { name, value: 'DEFAULT' };
  const first = body.args?.[0] && Object.values(body.args[0])[0]?.location;
  if (body.kind !== 'VAR_SET_VALUE' || first === undefined || first < 0) return undefined;
  const value = Buffer.from(sql, 'utf8').subarray(first).toString('utf8').trim().replace(/;\s*$/, '').trim();
  return { name, value: value.replace(/^'(.*)'$/s, '$1') };
}
