/**
 * A submitted command read as a script: its statements, each with its classification
 * (`analyseSql`, the same reading the guardrails use) and its exact text, cut out of the submitted
 * text at the positions the engine's parser reports. Nothing is re-printed from a tree: every
 * statement that runs is a slice of the text whose SHA-256 was approved.
 *
 * `:name` placeholders (the Data API's parameters) are masked before parsing, so a parameterised
 * command is read like any other: in PostgreSQL text by PostgreSQL's own scanner (literals, quoted
 * identifiers, comments and `::` casts are other tokens), node-sql-parser reads them as parameters.
 *
 * Contract: `loadSqlParsers()` must have resolved first. Text a parser refuses is `ok: false`: it is
 * then run as one statement, and the database refuses it the way it refuses it today.
 */
import type { ScanToken } from 'libpg-query';
import type { SqlStatement } from '../domain/sql-statements';
import type { SqlParameter } from '../domain/session';
import { readMysqlText } from './mysql-text';
import { analyseSql, postgresParser, type SqlDialect } from './sql-parser';

export interface ScriptStatement extends SqlStatement {
  /** The statement's own text, as submitted (without the `;` that ends it). */
  readonly text: string;
}

export type ScriptReading = { ok: true; statements: ScriptStatement[] } | { ok: false; error: string };

/** `:name` placeholders of PostgreSQL text, as byte ranges, found by PostgreSQL's scanner. */
function pgPlaceholders(sql: string): Array<{ name: string; start: number; end: number }> {
  let tokens: ScanToken[];
  try {
    tokens = postgresParser().scanSync(sql).tokens;
  } catch {
    return [];
  }
  const found: Array<{ name: string; start: number; end: number }> = [];
  for (let t = 0; t + 1 < tokens.length; t++) {
    const colon = tokens[t];
    const word = tokens[t + 1];
    if (colon.text === ':' && word.start === colon.end && /^[A-Za-z_]/.test(word.text)) found.push({ name: word.text, start: colon.start, end: word.end });
  }
  return found;
}

/** The text with each `:name` turned into `$1` padded to the same length, so every byte offset still holds. */
function maskPgPlaceholders(sql: string): string {
  const bytes = Buffer.from(sql, 'utf8');
  for (const { start, end } of pgPlaceholders(sql)) bytes.write('$1'.padEnd(end - start, ' '), start, 'utf8');
  return bytes.toString('utf8');
}

function postgresTexts(sql: string, masked: string): string[] {
  const bytes = Buffer.from(sql, 'utf8');
  // Byte offsets; the last statement's length is absent (it runs to the end of the text).
  return (postgresParser().parseSync(masked).stmts ?? []).map((raw) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    return bytes.subarray(start, end).toString('utf8').trim();
  });
}

/**
 * MySQL text cut at each `;` that is not inside a literal, a quoted identifier or a comment. node-sql-parser
 * reports no positions for most statements, so the cut is lexical, and `readScript` accepts it only
 * when the parser reads every piece as exactly one statement, the same count as the whole.
 */
function mysqlTexts(sql: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const semicolon of readMysqlText(sql).semicolons) {
    pieces.push(sql.slice(start, semicolon));
    start = semicolon + 1;
  }
  pieces.push(sql.slice(start));
  const texts = pieces.map((piece) => piece.trim()).filter((piece) => {
    const reading = analyseSql(piece, 'mysql');
    return !(reading.ok && reading.statements.length === 0);
  });
  for (const text of texts) {
    const reading = analyseSql(text, 'mysql');
    if (!reading.ok || reading.statements.length !== 1) throw new Error('The script could not be cut into single statements');
  }
  return texts;
}

/** The statements of `sql`, classified, each with its own text; `[]` for blanks and comments only. */
export function readScript(sql: string, dialect: SqlDialect): ScriptReading {
  const masked = dialect === 'postgres' ? maskPgPlaceholders(sql) : sql;
  const analysis = analyseSql(masked, dialect);
  if (!analysis.ok) return analysis;
  if (analysis.statements.length === 0) return { ok: true, statements: [] };
  let texts: string[];
  try {
    texts = analysis.statements.length === 1 ? [sql] : dialect === 'postgres' ? postgresTexts(sql, masked) : mysqlTexts(sql);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (texts.length !== analysis.statements.length) return { ok: false, error: 'The parser split the script inconsistently' };
  return { ok: true, statements: analysis.statements.map((statement, i) => ({ ...statement, text: texts[i] })) };
}

/**
 * The parameters a statement of a script refers to. The Data API binds a call's parameters to that
 * call's statement alone, so each statement is sent only its own. MySQL text is searched for
 * `:name` as a word (a name that only appears inside a literal is sent too, and ignored there).
 */
export function parametersOf(text: string, dialect: SqlDialect, parameters: readonly SqlParameter[]): SqlParameter[] {
  const names =
    dialect === 'postgres'
      ? new Set(pgPlaceholders(text).map((p) => p.name))
      : new Set([...text.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  return parameters.filter((p) => names.has(p.name));
}
