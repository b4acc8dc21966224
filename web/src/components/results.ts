/**
 * A query's rows as a table: column names with their database types, row count, duration, the
 * truncation notice, and copy / CSV download. Values are rendered as text (NULL shown as such), never
 * as markup, whatever the database returned.
 */
import { toCsv } from '../../../functions/domain/csv';
import { download, toTsv } from '../csv';
import { h } from '../dom';
import { formatDuration, plural } from '../format';
import type { QueryResult, ResultSummary } from '../types';

const cellText = (value: unknown): string => (typeof value === 'object' ? JSON.stringify(value) : String(value));

export function resultsView(sessionId: string, result: QueryResult, summary: ResultSummary | undefined): HTMLElement {
  const header = result.columns.map((column) => column.name);
  const status = h('span', { class: 'copy-status', role: 'status' });
  const copy = h('button', {
    type: 'button',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(toTsv(header, result.rows));
        status.textContent = 'Copied to the clipboard.';
      } catch (error) {
        status.textContent = `Could not copy: ${(error as Error).message}`;
      }
    },
  }, 'Copy');
  const csv = h('button', { type: 'button', onclick: () => download(`accessgate-${sessionId}.csv`, toCsv(header, result.rows)) }, 'Download CSV');

  const facts = [
    plural(result.rowCount, 'row'),
    result.recordsUpdated !== undefined ? `${plural(result.recordsUpdated, 'record')} updated` : null,
    summary ? `in ${formatDuration(summary.durationMs)}` : null,
  ].filter(Boolean).join(' · ');

  return h('section', { class: 'results', 'aria-label': 'Query results' },
    h('div', { class: 'results-bar' },
      h('p', { class: 'results-facts' }, facts),
      h('div', { class: 'actions' }, copy, csv, status),
    ),
    result.truncated
      ? h('p', { class: 'notice warning', role: 'note' }, `Truncated: only the first ${plural(result.rows.length, 'row')} are shown. Narrow the query (a WHERE clause or LIMIT) to see the rest.`)
      : null,
    result.columns.length
      ? h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Rows' },
          h('table', { class: 'data' },
            h('thead', {}, h('tr', {}, result.columns.map((column) =>
              h('th', { scope: 'col' }, h('span', { class: 'col-name' }, column.name), column.type ? h('span', { class: 'col-type' }, column.type) : null)))),
            h('tbody', {}, result.rows.map((row) =>
              h('tr', {}, row.map((value) => (value === null || value === undefined ? h('td', { class: 'null' }, 'NULL') : h('td', {}, cellText(value))))))),
          ))
      : h('p', { class: 'muted' }, 'The statement returned no columns.'),
  );
}
