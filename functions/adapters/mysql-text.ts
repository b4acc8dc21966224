/**
 * MySQL text read lexically, for what node-sql-parser does not report: where each `;` that ends a
 * statement stands (not one inside a literal, a quoted identifier or a comment), and whether the text
 * holds an executable comment. MySQL runs the inside of `/*! … *\/` (MariaDB also `/*M! … *\/`) as
 * SQL, while node-sql-parser skips it as a comment: `/*! DROP TABLE orders *\/` reads as no statement
 * at all. Optimizer hints (`/*+ … *\/`) are comments to both.
 */
export interface MysqlText {
  /** Offsets of the `;` characters that end statements. */
  readonly semicolons: readonly number[];
  /** The text holds a `/*!` or `/*M!` comment, whose inside MySQL runs. */
  readonly executableComment: boolean;
}

/** Where a MySQL quoted string or identifier that opens at `i` ends (backslash escapes and doubled quotes). */
function quotedEnd(sql: string, i: number): number {
  const quote = sql[i];
  for (let j = i + 1; j < sql.length; j++) {
    if (sql[j] === '\\' && quote !== '`') j++;
    else if (sql[j] === quote) {
      if (sql[j + 1] === quote) j++;
      else return j + 1;
    }
  }
  return sql.length;
}

export function readMysqlText(sql: string): MysqlText {
  const semicolons: number[] = [];
  let executableComment = false;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'" || ch === '"' || ch === '`') i = quotedEnd(sql, i) - 1;
    else if (ch === '#' || (ch === '-' && sql[i + 1] === '-' && /[\s]/.test(sql[i + 2] ?? ' '))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!')) executableComment = true;
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (ch === ';') semicolons.push(i);
  }
  return { semicolons, executableComment };
}
