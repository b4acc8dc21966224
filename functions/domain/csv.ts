/**
 * CSV as auditors open it: RFC 4180 quoting, CRLF line ends, and every cell that a spreadsheet would
 * run as a formula (starting with = + - @, tab or carriage return) prefixed with a single quote, since
 * commands, reasons and names are typed by users (OWASP "CSV injection"). The quote is the only change
 * made to any value; the evidence objects keep the exact text.
 */
// No Node imports: the API, the CLI and the web UI (bundled for the browser) all write CSV with this.
import { canonicalJson } from './canonical-json';

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) text = value.map((item) => String(item ?? '')).join('; ');
  else text = canonicalJson(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
