/**
 * Browser downloads and clipboard text. CSV itself comes from functions/domain/csv.ts, the one writer
 * the API and the CLI use too (RFC 4180, spreadsheet-formula guard).
 */

/** Tab-separated text for the clipboard: pastes into a spreadsheet as cells. */
export const toTsv = (header: readonly string[], rows: readonly (readonly unknown[])[]): string =>
  [header, ...rows]
    .map((row) => row.map((value) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)).replace(/[\t\r\n]+/g, ' ')).join('\t'))
    .join('\n');

export function download(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
