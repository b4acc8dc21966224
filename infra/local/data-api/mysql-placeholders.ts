/**
 * Where the placeholders are in MySQL text: `:name` (the Data API's named parameters) and `?` (what the
 * MySQL backend inlines values at), outside string literals, quoted identifiers and comments.
 *
 * This is a lexer, not a parser: it only has to agree with MySQL on what is a literal or a comment
 * ('…' and "…" with backslash escapes and doubled quotes, `…`, `-- `, `#`, `/* … *\/`). What a
 * statement is, and how many there are, comes from the real parser (adapters/sql-parser.ts).
 */
export interface PlaceholderVisitor {
  /** `:name`; return the replacement, or undefined to keep it as written. */
  named?(name: string): string | undefined;
  /** The index-th `?`; return the replacement, or undefined to keep it. */
  question?(index: number): string | undefined;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** End (exclusive) of the quoted run opening at `i`. */
function quotedEnd(sql: string, i: number): number {
  const quote = sql[i];
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === '\\' && quote !== '`') j += 2;
    else if (sql[j] === quote && sql[j + 1] === quote) j += 2;
    else if (sql[j] === quote) return j + 1;
    else j++;
  }
  return sql.length;
}

/** End (exclusive) of the comment opening at `i`, or `i` when none opens there. */
function commentEnd(sql: string, i: number): number {
  const c = sql[i];
  const lineComment = c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= sql.length || /\s/.test(sql[i + 2])));
  if (lineComment) {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl + 1;
  }
  if (c === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2);
    return close < 0 ? sql.length : close + 2;
  }
  return i;
}

export function replaceMysqlPlaceholders(sql: string, visitor: PlaceholderVisitor): string {
  let out = '';
  let copied = 0;
  let questions = 0;
  let i = 0;
  const replace = (start: number, end: number, text: string | undefined) => {
    if (text === undefined) return;
    out += sql.slice(copied, start) + text;
    copied = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const skip = commentEnd(sql, i);
    if (skip > i) {
      i = skip;
    } else if (c === "'" || c === '"' || c === '`') {
      i = quotedEnd(sql, i);
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (c === ':' && IDENT_START.test(sql[i + 1] ?? '')) {
      let j = i + 2;
      while (j < sql.length && IDENT_CHAR.test(sql[j]) && sql[j] !== '$') j++;
      replace(i, j, visitor.named?.(sql.slice(i + 1, j)));
      i = j;
    } else if (c === '?' && visitor.question) {
      replace(i, i + 1, visitor.question(questions++));
      i++;
    } else if (IDENT_CHAR.test(c)) {
      while (i < sql.length && IDENT_CHAR.test(sql[i])) i++;
    } else {
      i++;
    }
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}
