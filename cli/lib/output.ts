/**
 * Rows out: a table that fits the terminal (psql-like, numbers right-aligned, long cells cut with "…",
 * falling back to one record per block when even narrow columns do not fit), JSON for programs, CSV
 * (RFC 4180) for spreadsheets. The width comes from the terminal, or COLUMNS when output is piped;
 * piped output with no COLUMNS is not cut, since there is no screen to fit.
 */
import { toCsv } from '../../functions/domain/csv';
import { usageError } from './errors';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export interface Column {
  readonly name: string;
  readonly type?: string;
}

export interface Grid {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly unknown[])[];
}

export interface Sink {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function formatOption(value: string | undefined): Format {
  if (value === undefined) return 'table';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw usageError(`--format must be one of ${FORMATS.join(', ')}, not "${value}".`);
}

export function terminalWidth(sink: Sink, env: Readonly<Record<string, string | undefined>> = process.env): number {
  if (sink.isTTY && sink.columns) return sink.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : Number.POSITIVE_INFINITY;
}

/** One cell as text: NULL as empty (like psql), structures as JSON, control characters made visible. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

const visible = (text: string): string => text.replace(/\r?\n/g, '↵').replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '?');
const width = (text: string): number => [...text].length;

function cut(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return max <= 1 ? '…'.slice(0, max) : `${chars.slice(0, max - 1).join('')}…`;
}

const NUMERIC = /^(int|integer|bigint|smallint|serial|bigserial|smallserial|int2|int4|int8|float4|float8|real|double|numeric|decimal|oid|money)/i;
const isNumeric = (column: Column, values: readonly unknown[]): boolean =>
  column.type ? NUMERIC.test(column.type) : values.every((value) => value === null || typeof value === 'number');

const MIN_COLUMN = 6;

export function renderTable(grid: Grid, maxWidth: number, footer = true): string {
  const headers = grid.columns.map((column) => visible(column.name));
  const cells = grid.rows.map((row) => grid.columns.map((_, index) => visible(cellText(row[index]))));
  const widths = headers.map((header, index) => Math.max(width(header), ...cells.map((row) => width(row[index]))));
  const total = () => widths.reduce((sum, w) => sum + w, 0) + 3 * Math.max(0, widths.length - 1) + 2;

  // Narrow the widest column one character at a time: it is the one that loses least by being cut.
  while (total() > maxWidth) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i] > MIN_COLUMN && (widest < 0 || widths[i] > widths[widest])) widest = i;
    if (widest < 0) return renderExpanded(grid, maxWidth, footer);
    widths[widest]--;
  }

  const numeric = grid.columns.map((column, index) => isNumeric(column, grid.rows.map((row) => row[index])));
  const line = (values: string[], align: boolean) =>
    ` ${values
      .map((value, index) => {
        const text = cut(value, widths[index]);
        const pad = ' '.repeat(widths[index] - width(text));
        return align && numeric[index] ? pad + text : text + pad;
      })
      .join(' | ')}`.trimEnd();
  const out = [line(headers, false), widths.map((w) => '-'.repeat(w + 2)).join('+'), ...cells.map((row) => line(row, true))];
  if (footer) out.push(`(${grid.rows.length} row${grid.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

/** psql's \x layout: used when the columns cannot fit side by side. */
export function renderExpanded(grid: Grid, maxWidth: number, footer = true): string {
  const labels = grid.columns.map((column) => visible(column.name));
  const labelWidth = Math.max(...labels.map(width), 1);
  const valueWidth = Math.max(MIN_COLUMN, maxWidth - labelWidth - 3);
  const out: string[] = [];
  grid.rows.forEach((row, index) => {
    out.push(cut(`-[ RECORD ${index + 1} ]${'-'.repeat(Math.max(0, labelWidth + 3))}`, Math.max(maxWidth, 12)));
    labels.forEach((label, column) => out.push(`${label.padEnd(labelWidth)} | ${cut(visible(cellText(row[column])), valueWidth)}`.trimEnd()));
  });
  if (footer) out.push(`(${grid.rows.length} row${grid.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

/** CSV by the one writer the API and the web UI use too: RFC 4180 quoting and the spreadsheet-formula guard. */
export const renderCsv = (grid: Grid): string => toCsv(grid.columns.map((column) => column.name), grid.rows);

export const renderJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A listing of what the API returned: its columns, one row per item, and what to say when there is none. */
export interface Listing<T> {
  readonly columns: readonly Column[];
  readonly row: (item: T) => readonly unknown[];
  /** Said on stderr instead of an empty table; json and csv still print their empty value for programs. */
  readonly none: string;
}

/** Prints the items as a grid in the chosen format; `json` prints the items themselves (the API's own shape). */
export function printListing<T>(io: { readonly stdout: Sink; readonly stderr: Sink }, format: Format, items: readonly T[], listing: Listing<T>): void {
  if (!items.length && format === 'table') {
    io.stderr.write(`${listing.none}\n`);
    return;
  }
  printGrid(io.stdout, format, { columns: listing.columns, rows: items.map(listing.row) }, items);
}

/** Prints a grid in the chosen format; `json` prints `jsonValue` (the API's own shape) when given. */
export function printGrid(sink: Sink, format: Format, grid: Grid, jsonValue?: unknown, footer = true): void {
  if (format === 'json') sink.write(renderJson(jsonValue ?? grid.rows.map((row) => Object.fromEntries(grid.columns.map((column, index) => [column.name, row[index]])))));
  else if (format === 'csv') sink.write(renderCsv(grid));
  else sink.write(renderTable(grid, terminalWidth(sink), footer));
}

/** "in 59 min", "3 h 5 min ago": coarse on purpose, it is for people. */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.trunc((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  const text =
    abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.floor(abs / 60)} min` : abs < 86_400 ? `${Math.floor(abs / 3600)} h ${Math.floor((abs % 3600) / 60)} min` : `${Math.floor(abs / 86_400)} d`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}
