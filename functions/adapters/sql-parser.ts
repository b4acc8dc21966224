/**
 * The real SQL parsers, for everything that must know what a statement is: PostgreSQL's own parser
 * (libpg-query, WebAssembly, offline) and node-sql-parser for MySQL. `domain/sql-statements.ts` reads
 * their trees; this module only loads and calls them.
 *
 * Contract: `loadSqlParsers()` must have resolved before `analyseSql` is called (the WebAssembly module
 * loads once per process). Text the parser refuses is reported as `ok: false` with the parser's own
 * message, never guessed at: the database refuses the same text, and nothing of it runs.
 */
import { loadModule, parseSync } from 'libpg-query';
import NodeSqlParser from 'node-sql-parser';
import { mysqlStatements, postgresStatements, type SqlStatement } from '../domain/sql-statements';

export type SqlDialect = 'postgres' | 'mysql';

export type SqlAnalysis = { ok: true; statements: SqlStatement[] } | { ok: false; error: string };

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads PostgreSQL's parser (WebAssembly); later calls return the same promise. */
export function loadSqlParsers(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

const mysqlParser = new NodeSqlParser.Parser();

/** The statements in `sql` as the engine's parser reads them; `[]` for text holding only blanks and comments. */
export function analyseSql(sql: string, dialect: SqlDialect): SqlAnalysis {
  if (dialect === 'mysql') {
    try {
      return { ok: true, statements: sql.trim() === '' ? [] : mysqlStatements(mysqlParser.astify(sql, { database: 'MySQL' })) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  if (!loaded) throw new Error('The PostgreSQL parser is not loaded: await loadSqlParsers() first');
  if (sql.trim() === '') return { ok: true, statements: [] };
  try {
    return { ok: true, statements: postgresStatements(parseSync(sql)) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
