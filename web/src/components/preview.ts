/**
 * The preview as a reviewer and the requester read it (docs/preview.md): the one-line summary in the
 * Slack card's words, then each statement's kind, tables, flags and rows (changed in the dry run, or
 * the planner's estimate), the total, the row ceiling the approval carries, why a dry run was
 * skipped, and each statement's plan behind a `<details>`. Table names and the skip reason come from
 * the submitted text and the server: they are rendered as text, never as markup.
 */
import type { PlanNode, Preview, StatementPreview } from '../../../functions/domain/preview';
import { previewLine } from '../../../functions/domain/preview-line';
import { h } from '../dom';
import { plural } from '../format';

/** "Seq Scan on customers (~3 rows)", its children indented beneath it. */
function planLines(node: PlanNode, depth = 0): string[] {
  const head = `${'  '.repeat(depth)}${node.node}${node.relation ? ` on ${node.relation}` : ''}${node.rows !== undefined ? ` (~${plural(node.rows, 'row')})` : ''}`;
  return [head, ...(node.children ?? []).flatMap((child) => planLines(child, depth + 1))];
}

const rowsCell = (statement: StatementPreview): string =>
  statement.rowsAffected !== undefined
    ? `${plural(statement.rowsAffected, 'row')} changed`
    : statement.estimatedRows !== undefined
      ? `~${plural(statement.estimatedRows, 'row')} (estimate)`
      : '—';

export function previewView(preview: Preview): HTMLElement {
  const { statements } = preview;
  const plans = statements.flatMap((statement, index) => (statement.plan ? [{ index, plan: statement.plan }] : []));
  return h('section', { class: 'preview', 'aria-label': 'Preview' },
    h('p', { class: 'preview-line' }, h('strong', {}, 'Preview: '), previewLine(preview)),
    statements.length
      ? h('div', { class: 'table-scroll' },
          h('table', { class: 'preview-statements', 'aria-label': 'Statements previewed' },
            h('thead', {}, h('tr', {}, ['#', 'Kind', 'Tables', 'Flags', 'Rows'].map((name) => h('th', { scope: 'col' }, name)))),
            h('tbody', {}, statements.map((statement, index) =>
              h('tr', { 'data-kind': statement.kind },
                h('td', {}, String(index + 1)),
                h('td', {}, statement.kind),
                h('td', { class: 'preview-tables' }, statement.tables.join(', ') || '—'),
                h('td', { class: 'preview-flags' }, statement.flags.length ? statement.flags.map((flag) => h('span', { class: 'flag', 'data-flag': flag }, flag)) : '—'),
                h('td', { class: 'preview-rows' }, rowsCell(statement)))))))
      : null,
    h('dl', { class: 'facts preview-totals' },
      preview.rowsAffected !== undefined ? [h('dt', {}, 'Rows changed in the dry run'), h('dd', { 'data-field': 'rowsAffected' }, String(preview.rowsAffected))] : null,
      h('dt', {}, 'Row ceiling'),
      h('dd', { 'data-field': 'rowLimit' }, preview.rowLimit !== undefined ? `${plural(preview.rowLimit, 'row')} at most; more rolls the command back` : 'none'),
      preview.skipped ? [h('dt', {}, 'Dry run skipped'), h('dd', { 'data-field': 'skipped' }, preview.skipped)] : null,
    ),
    plans.map(({ index, plan }) =>
      h('details', { class: 'plan' },
        h('summary', {}, statements.length > 1 ? `Plan of statement ${index + 1}` : 'Plan'),
        h('pre', { class: 'plan-tree' }, planLines(plan).join('\n')))),
  );
}
