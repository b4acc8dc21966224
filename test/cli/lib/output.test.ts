/**
 * Output formatting: psql-like tables that fit the terminal, the expanded fallback, CSV, and the
 * coarse relative times of the status line.
 */
import { describe, expect, it } from 'vitest';
import { relativeTime, renderCsv, renderTable, terminalWidth } from '../../../cli/lib/output';

const grid = {
  columns: [{ name: 'id', type: 'int4' }, { name: 'name', type: 'text' }, { name: 'note', type: 'text' }],
  rows: [
    [1, 'Ada Lovelace', 'first, "programmer"'],
    [20, null, 'line one\nline two'],
  ],
};

describe('renderTable', () => {
  it('aligns numbers right and text left, with a row count, like psql', () => {
    expect(renderTable(grid, Number.POSITIVE_INFINITY)).toBe(
      [
        ' id | name         | note',
        '----+--------------+---------------------',
        '  1 | Ada Lovelace | first, "programmer"',
        ' 20 |              | line one↵line two',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('fits the terminal by cutting the widest columns first', () => {
    const lines = renderTable(grid, 32).split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(32);
    expect(lines[2]).toBe('  1 | Ada Lovela… | first, "pr…');
  });

  it('switches to one record per block when even narrow columns cannot fit', () => {
    const text = renderTable(grid, 16);
    expect(text).toContain('-[ RECORD 1 ]');
    expect(text).toContain('name | Ada Love…');
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(16);
  });
});

describe('renderCsv', () => {
  it('quotes what RFC 4180 needs quoted and leaves NULL empty', () => {
    expect(renderCsv(grid)).toBe('id,name,note\r\n1,Ada Lovelace,"first, ""programmer"""\r\n20,,"line one\nline two"\r\n');
  });

  it('keeps a spreadsheet from running a typed cell as a formula, as the API and web UI exports do', () => {
    const typed = { columns: [{ name: 'command', type: 'text' }], rows: [['=HYPERLINK("http://x")'], ['@SUM(1)'], ['-2+3'], ['plain']] };
    expect(renderCsv(typed)).toBe('command\r\n"\'=HYPERLINK(""http://x"")"\r\n\'@SUM(1)\r\n\'-2+3\r\nplain\r\n');
  });
});

describe('terminalWidth', () => {
  it('uses the terminal, then COLUMNS, else no limit', () => {
    expect(terminalWidth({ write: () => true, isTTY: true, columns: 100 }, {})).toBe(100);
    expect(terminalWidth({ write: () => true }, { COLUMNS: '72' })).toBe(72);
    expect(terminalWidth({ write: () => true }, {})).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('relativeTime', () => {
  it('says "in 59 min" for an hour-long window just opened', () => {
    const now = Date.parse('2026-11-26T10:00:00.000Z');
    expect(relativeTime('2026-11-26T10:59:59.900Z', now)).toBe('in 59 min');
    expect(relativeTime('2026-11-26T12:30:00.000Z', now)).toBe('in 2 h 30 min');
    expect(relativeTime('2026-11-26T09:59:30.000Z', now)).toBe('30 s ago');
  });
});
