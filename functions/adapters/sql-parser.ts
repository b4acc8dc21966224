/**
 * The real SQL parsers, for everything that must know what a statement is: PostgreSQL's own parser
 * (libpg-query, WebAssembly, offline) and node-sql-parser for MySQL. `domain/sql-statements.ts` reads
 * their trees; this module only loads and calls them.
 *
 * Contract: `loadSqlParsers()` must have resolved before `analyseSql` is called (the WebAssembly module
 * and node-sql-parser load once per process). Text the parser refuses is reported as `ok: false` with the parser's own
 * message, never guessed at: the database refuses the same text, and nothing of it runs.
 *
 * libpg-query is imported on first load, not with this module: it starts compiling its WebAssembly
 * the moment it is evaluated, and a function that never reads SQL should not pay for that, nor fail
 * for it. On Lambda the `.wasm` file sits next to the bundle (infra/constructs/accessgate-function.ts,
 * `sqlParser`).
 */
import type { ScanToken } from 'libpg-query';
import type { SqlClassifier } from '../app/ports';
import { readMysqlText } from './mysql-text';
import { mysqlStatements, postgresStatements, type SqlStatement, unreadableStatement } from '../domain/sql-statements';

export type SqlDialect = 'postgres' | 'mysql';

export type SqlAnalysis = { ok: true; statements: SqlStatement[] } | { ok: false; error: string };

let loading: Promise<void> | undefined;
let postgres: typeof import('libpg-query') | undefined;
type MysqlParser = InstanceType<(typeof import('node-sql-parser'))['Parser']>;
let mysqlParser: MysqlParser | undefined;

/**
 * Loads PostgreSQL's parser (WebAssembly) and node-sql-parser; later calls return the same promise.
 * Imported here, on first use, and not with this module: the composition root imports this module in
 * every function, and only the functions that read SQL bundle the parsers (the CDK stack leaves them
 * out of the others: infra/constructs/accessgate-function.ts, SQL_PARSER_MODULES).
 */
export function loadSqlParsers(): Promise<void> {
  // The MySQL-only build of node-sql-parser: 0.3 MB instead of every dialect's 2.5 MB.
  loading ??= Promise.all([
    import('libpg-query'),
    import('node-sql-parser/build/mysql.js'),
    import('libpg-query/package.json', { with: { type: 'json' } }),
    import('node-sql-parser/package.json', { with: { type: 'json' } }),
  ]).then(async ([parser, nodeSqlParser, pgPackage, mysqlPackage]) => {
    await parser.loadModule();
    postgres = parser;
    // CommonJS seen through ESM: the classes sit on the default export.
    mysqlParser = new nodeSqlParser.default.Parser();
    versions = `libpg-query ${pgPackage.default.version}, node-sql-parser ${mysqlPackage.default.version}`;
  });
  return loading;
}

let versions: string | undefined;

/** The parsers and their versions, for the record; named without versions until they are loaded. */
export function parserVersions(): string {
  return versions ?? 'libpg-query, node-sql-parser (not loaded)';
}

/**
 * PostgreSQL's parser and scanner, once loaded. Every module reaches libpg-query through here, never by
 * importing it: an import would load it (and start its WebAssembly) at every function's cold start.
 */
export function postgresParser(): typeof import('libpg-query') {
  if (!postgres) throw new Error('The PostgreSQL parser is not loaded: await loadSqlParsers() first');
  return postgres;
}


/** The statements in `sql` as the engine's parser reads them; `[]` for text holding only blanks and comments. */
export function analyseSql(sql: string, dialect: SqlDialect): SqlAnalysis {
  if (dialect === 'mysql') {
    if (!mysqlParser) throw new Error('The MySQL parser is not loaded: await loadSqlParsers() first');
    const parser = mysqlParser;
    // MySQL runs what node-sql-parser skips as a comment: such text cannot be read as MySQL will run it.
    if (readMysqlText(sql).executableComment) return { ok: false, error: 'The text holds a /*! … */ comment, whose inside MySQL runs as SQL' };
    try {
      return { ok: true, statements: sql.trim() === '' ? [] : mysqlStatements(parser.astify(sql, { database: 'MySQL' })) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  const parser = postgresParser();
  if (sql.trim() === '') return { ok: true, statements: [] };
  try {
    return { ok: true, statements: postgresStatements(parser.parseSync(sql)) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * `:name` placeholders in PostgreSQL text, found with PostgreSQL's own scanner: a `:` token directly
 * followed by a word. Literals, quoted identifiers, dollar quotes, comments and `::` casts are other
 * tokens, so nothing inside them is touched. Text the scanner refuses (an unterminated literal) is
 * left as it is: the database refuses it too.
 */
export function replacePostgresPlaceholders(sql: string, replacement: (name: string) => string | undefined): string {
  const parser = postgresParser();
  let tokens: ScanToken[];
  try {
    tokens = parser.scanSync(sql).tokens;
  } catch {
    return sql;
  }
  // The scanner reports byte offsets.
  const bytes = Buffer.from(sql, 'utf8');
  const parts: string[] = [];
  let copied = 0;
  for (let t = 0; t + 1 < tokens.length; t++) {
    const colon = tokens[t];
    const word = tokens[t + 1];
    if (colon.text !== ':' || word.start !== colon.end || !/^[A-Za-z_\u0080-\uffff]/.test(word.text)) continue;
    const text = replacement(word.text);
    if (text === undefined) continue;
    parts.push(bytes.subarray(copied, colon.start).toString('utf8'), text);
    copied = word.end;
  }
  return copied === 0 ? sql : parts.join('') + bytes.subarray(copied).toString('utf8');
}

/**
 * The SqlClassifier port over the real parsers. The Data API's `:name` placeholders are not
 * PostgreSQL syntax, so for PostgreSQL the supplied names become `$n` before parsing, exactly where
 * the Data API would bind them; node-sql-parser reads `:name` itself.
 */
export const parserSqlClassifier: SqlClassifier = {
  async classify(command, dialect, parameterNames = []) {
    await loadSqlParsers();
    const names = new Map(parameterNames.map((name, i) => [name, `$${i + 1}`]));
    const text = dialect === 'postgres' && names.size ? replacePostgresPlaceholders(command, (name) => names.get(name)) : command;
    const analysis = analyseSql(text, dialect);
    return analysis.ok ? analysis.statements : [unreadableStatement()];
  },
};
