/**
 * Writes one report period as a self-contained HTML page (no scripts, no external assets, so it can be
 * archived and opened anywhere) and one CSV file per section. Every value that came from the evidence —
 * commands, reasons, names, rule contents — is HTML-escaped, because users typed them; the CSV files go
 * through the same formula-neutralising writer as the API's downloads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../../functions/domain/audit-chain';
import { toCsv } from '../../../functions/domain/csv';
import type { VerifyReport } from '../../../functions/domain/evidence-verify';
import { type ControlFinding, type FollowUpStory, type ReportPeriod, SECTION_TITLES, type SectionId, type SessionRecord, fullName, who } from './report-model';
import { type ReportParameter, type ReportRun, reportParameters } from './report-parameters';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: unknown): string =>
  (value === undefined || value === null ? '' : typeof value === 'string' ? value : canonicalJson(value)).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** How a session in this period's population crosses its bounds, in words; empty when it does not. */
function periodNote(period: ReportPeriod, session: SessionRecord): string {
  const boundary = period.boundaries.get(session.id);
  return [boundary?.requestedBefore ? 'requested in an earlier period' : '', boundary?.openAtEnd ? "not final at the period's end" : ''].filter(Boolean).join('; ');
}

const approvalsText = (session: SessionRecord) => session.approvals.map((a) => `${a.email} at ${a.at}${a.forced ? ' (forced)' : ''}`);

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * A follow-up's outcome as of `asOf` (the end of the verified evidence): an open one past its due time
 * is OVERDUE, a closed one says whether it was closed after its due time.
 */
export function followUpState(followUp: FollowUpStory | undefined, asOf: string): string {
  if (!followUp) return 'none recorded';
  if (followUp.status === 'open') return followUp.dueAt && followUp.dueAt < asOf ? 'OVERDUE (open)' : 'open';
  return followUp.closedAt && followUp.dueAt && followUp.closedAt > followUp.dueAt ? `${followUp.status} (closed late)` : followUp.status;
}

/** How an access window ended, in words: by its time, revoked by whom, or what kept it from ending. */
function windowEnd(session: SessionRecord): string {
  const window = session.window!;
  if (window.end) return window.end.how === 'revoked' ? `revoked by ${window.end.by}` : 'ended at its time';
  if (window.openedAt) return 'still active at the end of the evidence';
  return session.status === 'open' ? 'not opened yet' : `never opened (${session.status})`;
}

function sections(period: ReportPeriod, verification: VerifyReport): Record<SectionId, Table> {
  const asOf = verification.coverage?.to ?? period.to;
  const forced = period.sessions.flatMap((s) => s.approvals.filter((a) => a.forced).map((a) => ({ s, a })));
  return {
    integrity: {
      header: ['check', 'result'],
      rows: [
        ['verification', verification.ok ? 'passed' : `FAILED (${verification.problems.length} problem(s))`],
        ['digests', verification.stats.digests],
        ['digest coverage', verification.coverage ? `${verification.coverage.from} to ${verification.coverage.to}` : 'none'],
        ['signing key fingerprints (SHA-256 of the DER public key)', verification.stats.keyFingerprints],
        ['objects listed in digests', verification.stats.objects],
        ['evidence segments', verification.stats.segments],
        ['events in hash chains', verification.stats.events],
        ...verification.problems.map((p) => [`problem: ${p.kind}`, p.message]),
        ...verification.notes.map((note) => ['note', note]),
      ],
    },
    sessions: {
      header: ['session', 'crosses_period', 'requested_at', 'requester', 'requester_groups', 'resource', 'command', 'parameters', 'command_sha256', 'reason', 'rule', 'approvals_required', 'approvers', 'status', 'started_at', 'finished_at', 'rows', 'records_updated', 'error', 'evidence'],
      rows: period.sessions.map((s) => [
        s.id, periodNote(period, s), s.requestedAt, fullName(s.requester), s.requesterGroups, `${s.resource.id} (${s.resource.type})`, s.command, s.parameters, s.commandSha256, s.reason, s.rule,
        s.approvalsRequired, approvalsText(s), s.status, s.startedAt, s.finishedAt, s.rowCount, s.recordsUpdated, s.error, s.evidence,
      ]),
    },
    approvals: {
      header: ['session', 'requester', 'resource', 'approver', 'approver_name', 'approved_at', 'via', 'forced', 'reason', 'requested_at'],
      rows: period.sessions.flatMap((s) => s.approvals.map((a) => [s.id, who(s.requester), s.resource.id, a.email, a.name, a.at, a.via, a.forced, a.reason, s.requestedAt])),
    },
    forced: {
      header: ['session', 'requester', 'resource', 'command', 'forced_by', 'forced_at', 'reason', 'status', 'follow_up', 'follow_up_due', 'follow_up_closed_by', 'follow_up_closed_at', 'follow_up_note', 'follow_up_reminded_at'],
      rows: forced.map(({ s, a }) => [
        s.id, who(s.requester), s.resource.id, s.command, a.email, a.at, a.reason, s.status,
        followUpState(s.followUp, asOf), s.followUp?.dueAt, s.followUp?.closedBy, s.followUp?.closedAt, s.followUp?.note, s.followUp?.remindedAt,
      ]),
    },
    windows: {
      header: ['window', 'requester', 'resource', 'reason', 'duration_seconds', 'approvers', 'from', 'until', 'how_it_ended', 'ended_at', 'commands'],
      rows: period.sessions
        .filter((s) => s.window)
        .map((s) => [
          s.id, fullName(s.requester), s.resource.id, s.reason, s.window!.durationSeconds, approvalsText(s), s.window!.openedAt, s.window!.endsAt,
          windowEnd(s), s.window!.end?.at, s.window!.commands.map((c) => `${c.id} ${c.status}: ${c.command}`),
        ]),
    },
    denials: {
      header: ['session', 'requester', 'resource', 'command', 'denied_by', 'denied_at', 'reason'],
      rows: period.sessions.filter((s) => s.denial).map((s) => [s.id, who(s.requester), s.resource.id, s.command, s.denial!.email, s.denial!.at, s.denial!.reason]),
    },
    expiries: {
      header: ['session', 'requester', 'resource', 'command', 'outcome', 'at', 'approvals_received', 'approvals_required'],
      rows: period.sessions
        .filter((s) => s.expiredAt || s.cancelledAt)
        .map((s) => [s.id, who(s.requester), s.resource.id, s.command, s.expiredAt ? 'expired' : 'cancelled by requester', s.expiredAt ?? s.cancelledAt, s.approvals.length, s.approvalsRequired]),
    },
    config: {
      header: ['at', 'change', 'by', 'target', 'before', 'after', 'source', 'evidence'],
      rows: period.configChanges.map((c) => [c.at, c.type, c.actor, c.target, c.before, c.after, c.source, c.evidence]),
    },
    security: {
      header: ['at', 'event', 'actor', 'details', 'evidence'],
      rows: period.securityEvents.map((e) => [e.at, e.type, e.actor, e.details, e.evidence]),
    },
    'table-exports': {
      header: ['key', 'sha256', 'size'],
      rows: period.tableExports.map((f) => [f.key, f.sha256, f.size]),
    },
  };
}

const CSV_FILES: Record<SectionId, string> = {
  integrity: 'integrity.csv',
  sessions: 'sessions.csv',
  approvals: 'approvals.csv',
  forced: 'forced-approvals.csv',
  windows: 'access-windows.csv',
  denials: 'denials.csv',
  expiries: 'expiries.csv',
  config: 'config-changes.csv',
  security: 'security-events.csv',
  'table-exports': 'table-exports.csv',
};

const cell = (value: unknown, code = false): string => {
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object')) return value.map((item) => escapeHtml(String(item))).join('<br>');
  const text = escapeHtml(value);
  return code || (typeof value === 'object' && value !== null) ? `<code>${text}</code>` : text;
};

const CODE_COLUMNS = new Set(['command', 'commands', 'parameters', 'before', 'after', 'details', 'evidence', 'command_sha256', 'sha256', 'key', 'session', 'window']);

function htmlTable(table: Table): string {
  if (!table.rows.length) return '<p class="empty">None in this period.</p>';
  return `<table><thead><tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${table.rows
    .map((row) => `<tr>${row.map((value, i) => `<td>${cell(value, CODE_COLUMNS.has(table.header[i]))}</td>`).join('')}</tr>`)
    .join('\n')}</tbody></table>`;
}

function controlRows(controls: readonly ControlFinding[]): string {
  return controls
    .map(
      (c) => `<tr><td>${escapeHtml(c.framework)}</td><td><strong>${escapeHtml(c.control)}</strong><br>${escapeHtml(c.title)}</td><td>${escapeHtml(c.evidence)}</td><td>${c.sections
        .map((id) => `<a href="#${id}">${escapeHtml(SECTION_TITLES[id])}</a>`)
        .join('<br>')}</td><td class="${c.exceptions.length ? 'bad' : 'good'}">${c.exceptions.length ? c.exceptions.map(escapeHtml).join('<br>') : 'none'}</td></tr>`,
    )
    .join('\n');
}

function parameterRows(parameters: readonly ReportParameter[]): string {
  return parameters.map((p) => `<tr><th>${escapeHtml(p.name)}</th><td><code>${escapeHtml(p.value)}</code></td><td>${escapeHtml(p.meaning)}</td></tr>`).join('\n');
}

export function renderHtml(period: ReportPeriod, verification: VerifyReport, run: ReportRun): string {
  const tables = sections(period, verification);
  const status = verification.ok
    ? `<p class="banner good">Evidence VERIFIED: every digest signature, digest chain link, object hash and event chain checks out.</p>`
    : `<p class="banner bad">Evidence NOT VERIFIED: ${verification.problems.length} problem(s); see <a href="#integrity">Evidence integrity</a>. Conclusions below rest on evidence that failed verification.</p>`;
  const body = (Object.keys(SECTION_TITLES) as SectionId[])
    .map((id) => `<section id="${id}"><h2>${escapeHtml(SECTION_TITLES[id])}</h2>${htmlTable(tables[id])}<p class="csv">CSV: <a href="${CSV_FILES[id]}">${CSV_FILES[id]}</a></p></section>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>accessgate evidence report ${escapeHtml(period.label)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1b1b}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .45rem;vertical-align:top;text-align:left}th{background:#f3f3f3}
code{white-space:pre-wrap;word-break:break-all;font-size:12px}.banner{padding:.6rem;font-weight:600}.good{background:#e7f6e7}.bad{background:#fde2e1}
.empty{color:#666}.csv{font-size:12px;color:#555}
</style></head><body>
<h1>accessgate evidence report</h1>
<p>Period <strong>${escapeHtml(period.from)}</strong> to <strong>${escapeHtml(period.to)}</strong> (${escapeHtml(period.label)}); generated ${escapeHtml(run.generatedAt)} from the evidence folder by <code>accessgate audit report</code>, using only evidence that was verified offline.</p>
${status}
<section id="parameters"><h2>Report parameters</h2>
<p>How this report's populations were produced; each can be checked against the signed digests. A session that crosses a period boundary is in both periods' populations and marked in the sessions table.</p>
<table><thead><tr><th>parameter</th><th>value</th><th>meaning</th></tr></thead><tbody>
${parameterRows(reportParameters(period, verification, run))}
</tbody></table><p class="csv">CSV: <a href="parameters.csv">parameters.csv</a></p></section>
<h2>Controls and the evidence that supports them</h2>
<table><thead><tr><th>framework</th><th>control</th><th>what the evidence shows</th><th>evidence</th><th>exceptions</th></tr></thead><tbody>
${controlRows(period.controls)}
</tbody></table>
${body}
</body></html>
`;
}

/** Writes <out>/<period label>/report.html and the section CSVs; returns the folder. */
export function writePeriod(out: string, period: ReportPeriod, verification: VerifyReport, run: ReportRun): string {
  const folder = join(out, period.label.replace(/[^0-9A-Za-z_-]/g, '-'));
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'report.html'), renderHtml(period, verification, run));
  writeFileSync(join(folder, 'parameters.csv'), toCsv(['parameter', 'value', 'meaning'], reportParameters(period, verification, run).map((p) => [p.name, p.value, p.meaning])));
  const tables = sections(period, verification);
  for (const id of Object.keys(CSV_FILES) as SectionId[]) writeFileSync(join(folder, CSV_FILES[id]), toCsv(tables[id].header, tables[id].rows));
  writeFileSync(
    join(folder, 'controls.csv'),
    toCsv(['framework', 'control', 'title', 'evidence', 'sections', 'exceptions'], period.controls.map((c) => [c.framework, c.control, c.title, c.evidence, c.sections.map((id) => CSV_FILES[id]), c.exceptions])),
  );
  return folder;
}

