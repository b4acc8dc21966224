/**
 * A small PostgreSQL lexer for what the CLI and the gateway must know about SQL text without a
 * database: where statements end, where `$n` placeholders are, and which command a statement is. It
 * honours everything that can hide a `;` or a `$1`: '…' and E'…' strings, "…" identifiers, $tag$…$tag$
 * bodies, -- and nested block comments. It does not validate SQL; the database does that.
 */

export type SegmentKind = 'code' | 'string' | 'identifier' | 'dollar' | 'comment';

export interface Segment {
  readonly kind: SegmentKind;
  readonly text: string;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const IDENT_START = /[A-Za-z_\u0080-\uffff]/;

/** Cuts SQL into segments; an unterminated string or comment runs to the end, as psql treats it. */
export function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  const flush = () => {
    if (code) out.push({ kind: 'code', text: code });
    code = '';
  };
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    const prev = i > 0 ? sql[i - 1] : '';
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end + 1;
      flush();
      out.push({ kind: 'comment', text: sql.slice(i, stop) });
      i = stop;
    } else if (ch === '/' && next === '*') {
      let depth = 0;
      let j = i;
      while (j < sql.length) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else j++;
      }
      flush();
      out.push({ kind: 'comment', text: sql.slice(i, j) });
      i = j;
    } else if (ch === "'") {
      // E'…' strings take backslash escapes; standard strings only double their quotes.
      const escapes = /[eE]/.test(prev) && !IDENT_CHAR.test(i > 1 ? sql[i - 2] : '');
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") {
          j++;
          break;
        } else j++;
      }
      flush();
      out.push({ kind: 'string', text: sql.slice(i, Math.min(j, sql.length)) });
      i = Math.min(j, sql.length);
    } else if (ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
        else if (sql[j] === '"') {
          j++;
          break;
        } else j++;
      }
      flush();
      out.push({ kind: 'identifier', text: sql.slice(i, Math.min(j, sql.length)) });
      i = Math.min(j, sql.length);
    } else if (ch === '$' && !IDENT_CHAR.test(prev)) {
      // $tag$ opens a dollar-quoted body; $1 is a placeholder (a tag cannot start with a digit).
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const stop = close < 0 ? sql.length : close + tag[0].length;
        flush();
        out.push({ kind: 'dollar', text: sql.slice(i, stop) });
        i = stop;
      } else {
        code += ch;
        i++;
      }
    } else {
      code += ch;
      i++;
    }
  }
  flush();
  return out;
}

/** Statements separated by top-level semicolons; empty ones (only blanks and comments) dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let meaningful = false;
  const push = () => {
    if (meaningful) statements.push(current.trim());
    current = '';
    meaningful = false;
  };
  for (const segment of segments(sql)) {
    if (segment.kind !== 'code') {
      current += segment.text;
      if (segment.kind !== 'comment') meaningful = true;
      continue;
    }
    const parts = segment.text.split(';');
    parts.forEach((part, index) => {
      if (index > 0) push();
      current += part;
      if (part.trim()) meaningful = true;
    });
  }
  push();
  return statements;
}

/** The statement without its comments, literals intact. */
const withoutComments = (sql: string): string =>
  segments(sql)
    .map((segment) => (segment.kind === 'comment' ? ' ' : segment.text))
    .join('');

/** The statement's code for classification: comments gone, literals reduced to a placeholder word. */
const codeOnly = (sql: string): string =>
  segments(sql)
    .map((segment) => (segment.kind === 'comment' ? ' ' : segment.kind === 'code' ? segment.text : ` ${segment.kind} `))
    .join('');

export interface Placeholders {
  /** The SQL with `$n` written as the Data API's `:pn`. */
  readonly text: string;
  /** The highest n used (a statement may use $2 without $1; the client still sends both values). */
  readonly count: number;
}

/**
 * `$1` → `:p1` (or what `render` makes of placeholder n) outside strings, identifiers, comments and
 * dollar bodies; nothing else changes.
 */
export function rewritePlaceholders(sql: string, render: (n: number) => string = (n) => `:p${n}`): Placeholders {
  let count = 0;
  const text = segments(sql)
    .map((segment) =>
      segment.kind !== 'code'
        ? segment.text
        : segment.text.replace(/(^|[^A-Za-z0-9_$\u0080-\uffff])\$(\d+)/g, (_, before: string, digits: string) => {
            count = Math.max(count, Number(digits));
            return `${before}${render(Number(digits))}`;
          }),
    )
    .join('');
  return { text, count };
}

/** Upper-cased leading words of a statement (comments and opening parentheses skipped). */
export function leadingWords(sql: string, count = 2): string[] {
  return codeOnly(sql)
    .replace(/^[\s(]+/, '')
    .split(/[^A-Za-z_]+/)
    .filter(Boolean)
    .slice(0, count)
    .map((word) => word.toUpperCase());
}

const DATA_VERBS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'VALUES', 'TABLE']);

/** The command a statement runs: for WITH … the verb of its main statement, found at depth 0. */
export function commandVerb(sql: string): string {
  const [first] = leadingWords(sql, 1);
  if (first !== 'WITH') return first ?? '';
  let depth = 0;
  let verb = 'SELECT';
  for (const segment of segments(sql)) {
    if (segment.kind !== 'code') continue;
    for (const token of segment.text.match(/[()]|[A-Za-z_]+/g) ?? []) {
      if (token === '(') depth++;
      else if (token === ')') depth--;
      else if (depth === 0 && DATA_VERBS.has(token.toUpperCase())) verb = token.toUpperCase();
    }
  }
  return verb;
}

/** PostgreSQL's CommandComplete tag for a statement that affected or returned `rows` rows. */
export function commandTag(sql: string, rows: number): string {
  const verb = commandVerb(sql);
  switch (verb) {
    case 'SELECT':
    case 'VALUES':
    case 'TABLE':
    case 'SHOW':
      return verb === 'SHOW' ? 'SHOW' : `SELECT ${rows}`;
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

const TRANSACTION_VERBS = new Set(['BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'SAVEPOINT', 'RELEASE', 'PREPARE']);

/** Whether a statement controls a transaction (which one governed call per statement cannot hold open). */
export function isTransactionControl(sql: string): boolean {
  const [first, second] = leadingWords(sql, 2);
  if (first === 'PREPARE') return second === 'TRANSACTION';
  if (first === 'START') return second === 'TRANSACTION';
  return TRANSACTION_VERBS.has(first ?? '');
}

/** `SET name = value` / `SET name TO value` / `RESET name` parsed loosely (names lower-cased). */
export function parseSet(sql: string): { readonly name: string; readonly value: string } | undefined {
  const match = /^\s*(?:SET\s+(?:SESSION\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(?:=|\s+TO\s+)\s*(.+?)|RESET\s+([A-Za-z_][A-Za-z0-9_.]*))\s*;?\s*$/is.exec(withoutComments(sql));
  if (!match) return undefined;
  if (match[3]) return { name: match[3].toLowerCase(), value: 'DEFAULT' };
  return { name: match[1].toLowerCase(), value: match[2].trim().replace(/^'(.*)'$/s, '$1') };
}
