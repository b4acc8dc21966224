/**
 * The preview as one compact line, e.g. "write · orders · 10 rows (ceiling 11)" plus flags, in the
 * same words wherever a reviewer or the requester reads it: the Slack review card, `accessgate review
 * list`, the CLI's session view and the web UI. Pure text, no I/O, so the CLI and the browser bundle
 * import it too. Table names come from the submitted text: a caller that renders markup (Slack
 * mrkdwn) escapes the line itself.
 */
import type { Preview, StatementPreview } from './preview';

const rows = (n: number) => `${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'}`;

function statementLine(statement: StatementPreview): string {
  const parts: string[] = [statement.kind];
  if (statement.tables.length) parts.push(statement.tables.join(', '));
  if (statement.rowsAffected !== undefined) parts.push(rows(statement.rowsAffected));
  else if (statement.estimatedRows !== undefined) parts.push(`~${rows(statement.estimatedRows)} (estimate)`);
  if (statement.flags.length) parts.push(statement.flags.join(', '));
  return parts.join(' · ');
}

export function previewLine(preview: Preview): string {
  const ceiling = preview.rowLimit !== undefined ? ` (ceiling ${preview.rowLimit.toLocaleString('en-US')})` : '';
  const statements = preview.statements.map(statementLine);
  let line = statements.join('; ');
  if (statements.length > 1 && preview.rowsAffected !== undefined) line += ` · ${rows(preview.rowsAffected)} in all${ceiling}`;
  else if (statements.length === 1 && preview.statements[0].rowsAffected !== undefined && ceiling) {
    // "write · orders · 10 rows (ceiling 11)": the ceiling right after the count it bounds.
    const [only] = preview.statements;
    line = statementLine({ ...only, flags: [] }) + ceiling + (only.flags.length ? ` · ${only.flags.join(', ')}` : '');
  } else if (ceiling) line += ` · at most ${rows(preview.rowLimit!)} may change`;
  if (preview.skipped) line += `${line ? ' · ' : ''}dry run skipped: ${preview.skipped}`;
  return line;
}
