/**
 * The SQL scanner: both the server (named `:param` placeholders, statement counting) and the MySQL
 * backend (inlining values at `?`) must agree on what is a literal.
 */
import type { Engine } from './sql-backend';

export interface SqlScanResult {
  /** The SQL with placeholders replaced (same string when nothing was replaced). */
  text: string;
  /** Statements holding something other than whitespace/comments. */
  statementCount: number;
}

export interface SqlScanVisitor {
  /** `:name` outside literals/comments; return the replacement, or undefined to keep it as written. */
  named?(name: string): string | undefined;
  /** `?` outside literals/comments (MySQL placeholders); return the replacement or undefined. */
  question?(index: number): string | undefined;
}

const isIdentStart = (c: number) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdentChar = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57) || c === 36;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

const ROUTINE_WORDS = new Set(['FUNCTION', 'PROCEDURE', 'TRIGGER', 'EVENT']);
const END_SUFFIXES_NOT_CLOSING = new Set(['IF', 'LOOP', 'WHILE', 'REPEAT']);

/**
 * One pass over SQL that knows string literals, quoted identifiers, comments and (Postgres) dollar
 * quotes: counts statements (a `;` inside parentheses or inside a CREATE FUNCTION/PROCEDURE/TRIGGER
 * BEGIN…END body does not split) and offers each `:name` / `?` placeholder for replacement.
 * `::` casts, `:=` and array slices with numbers are left alone.
 */
export function scanSql(sql: string, dialect: Engine, visitor: SqlScanVisitor = {}): SqlScanResult {
  const n = sql.length;
  const out: string[] = [];
  let copied = 0;
  let i = 0;
  let statements = 0;
  let hasContent = false;
  let parenDepth = 0;
  let blockDepth = 0;
  let firstWord = '';
  let routine = false;
  let pendingEnd = false;
  let questionIndex = 0;
  const pg = dialect === 'postgres';

  const replace = (start: number, end: number, text: string) => {
    out.push(sql.slice(copied, start), text);
    copied = end;
  };
  const endStatement = () => {
    if (hasContent) statements++;
    hasContent = false;
    parenDepth = 0;
    blockDepth = 0;
    firstWord = '';
    routine = false;
    pendingEnd = false;
  };
  const onWord = (word: string) => {
    const w = word.toUpperCase();
    if (pendingEnd) {
      pendingEnd = false;
      if (END_SUFFIXES_NOT_CLOSING.has(w)) return;
      blockDepth = Math.max(0, blockDepth - 1);
      if (w === 'CASE') return; // END CASE closes the CASE statement
    }
    if (!firstWord) firstWord = w;
    if (firstWord !== 'CREATE') return;
    if (!routine) {
      if (ROUTINE_WORDS.has(w)) routine = true;
      return;
    }
    if (w === 'BEGIN') blockDepth++;
    else if (w === 'CASE' && blockDepth > 0) blockDepth++;
    else if (w === 'END' && blockDepth > 0) pendingEnd = true;
  };

  while (i < n) {
    const c = sql.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    // Comments
    if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const after = sql.charCodeAt(i + 2);
      if (pg || i + 2 >= n || isSpace(after) || after < 32) {
        const nl = sql.indexOf('\n', i + 2);
        i = nl < 0 ? n : nl + 1;
        continue;
      }
    }
    if (!pg && c === 35 /* # */) {
      const nl = sql.indexOf('\n', i + 1);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql.charCodeAt(j) === 42 && sql.charCodeAt(j + 1) === 47) {
          depth--;
          j += 2;
        } else if (pg && sql.charCodeAt(j) === 47 && sql.charCodeAt(j + 1) === 42) {
          depth++;
          j += 2;
        } else j++;
      }
      i = j;
      continue;
    }
    if (pendingEnd && !isIdentStart(c)) {
      // END followed by something other than a word: closes a block.
      pendingEnd = false;
      blockDepth = Math.max(0, blockDepth - 1);
    }
    if (c === 59 /* ; */) {
      if (parenDepth === 0 && blockDepth === 0) endStatement();
      i++;
      continue;
    }
    hasContent = true;
    // String literals and quoted identifiers
    if (c === 39 /* ' */ || c === 34 /* " */ || (!pg && c === 96) /* ` */) {
      const backslash =
        !pg && c !== 96
          ? true
          : pg && c === 39 && i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') &&
            (i < 2 || !isIdentChar(sql.charCodeAt(i - 2)));
      let j = i + 1;
      while (j < n) {
        const d = sql.charCodeAt(j);
        if (backslash && d === 92 /* \ */) {
          j += 2;
          continue;
        }
        if (d === c) {
          if (sql.charCodeAt(j + 1) === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    // Dollar quotes (Postgres) and $n positional parameters
    if (pg && c === 36 /* $ */) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 128));
      if (m) {
        const tag = m[0];
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
        continue;
      }
      i++;
      while (i < n && sql.charCodeAt(i) >= 48 && sql.charCodeAt(i) <= 57) i++;
      continue;
    }
    if (c === 40 /* ( */) {
      parenDepth++;
      i++;
      continue;
    }
    if (c === 41 /* ) */) {
      if (parenDepth > 0) parenDepth--;
      i++;
      continue;
    }
    if (c === 58 /* : */) {
      const next = sql.charCodeAt(i + 1);
      if (next === 58) {
        i += 2; // :: cast
        continue;
      }
      if (isIdentStart(next)) {
        let j = i + 2;
        while (j < n && isIdentChar(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 36) j++;
        const name = sql.slice(i + 1, j);
        const replacement = visitor.named?.(name);
        if (replacement !== undefined) replace(i, j, replacement);
        i = j;
        continue;
      }
      i++;
      continue;
    }
    if (c === 63 /* ? */ && visitor.question) {
      const replacement = visitor.question(questionIndex++);
      if (replacement !== undefined) replace(i, i + 1, replacement);
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentChar(sql.charCodeAt(j))) j++;
      onWord(sql.slice(i, j));
      i = j;
      continue;
    }
    i++;
  }
  endStatement();
  const text = copied === 0 ? sql : out.join('') + sql.slice(copied);
  return { text, statementCount: statements };
}
