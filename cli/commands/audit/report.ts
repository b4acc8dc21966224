/**
 * `accessgate audit report <folder>`: verifies the folder, then writes the evidence report per period
 * (HTML and one CSV per section, plus controls.csv mapping each SOC 2 and ISO/IEC 27001:2022 control to
 * the evidence that supports it and the exceptions found). The report is written even when
 * verification fails, with that failure stated at the top, and the exit code is then 1.
 */
import { join, resolve } from 'node:path';
import { parse } from '../../lib/args';
import type { Io } from '../../lib/command';
import { EXIT, usageError } from '../../lib/errors';
import { REPORT_FOLDER } from './folder';
import { buildReport, type Grouping } from './report-model';
import { writePeriod } from './report-render';
import { summary, verifyFolder } from './verify';

export const help = `Usage: accessgate audit report <folder> [--out <folder>] [--by all|month|day] [--public-key <file.pem>]...

Verifies <folder> (as accessgate audit verify does), then writes an evidence report for each period
(--by: the whole folder, each month, or each day; default all) into --out (default <folder>/report):
report.html, and sessions.csv, approvals.csv, forced-approvals.csv, denials.csv, expiries.csv,
config-changes.csv, security-events.csv, table-exports.csv, integrity.csv and controls.csv. Sections
are mapped to SOC 2 (CC6.1, CC6.2, CC6.3, CC7.2, CC8.1) and ISO/IEC 27001:2022 Annex A (5.3, 5.15,
5.18, 8.2, 8.15, 8.16, 8.32). Exits 1 when the evidence does not verify (the report says so too).`;

const GROUPINGS: readonly Grouping[] = ['all', 'month', 'day'];

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' }, by: { type: 'string' }, 'public-key': { type: 'string', multiple: true } });
  if (positionals.length !== 1) throw usageError('audit report takes one folder.', 'Usage: accessgate audit report <folder> [--out <folder>] [--by all|month|day]');
  const by = (values.by ?? 'all') as Grouping;
  if (!GROUPINGS.includes(by)) throw usageError(`--by must be one of ${GROUPINGS.join(', ')}, not "${values.by}".`);
  const verification = verifyFolder(positionals[0], values['public-key']);
  const out = resolve(values.out ?? join(positionals[0], REPORT_FOLDER));
  const generatedAt = new Date().toISOString();
  const periods = buildReport(verification, by);
  for (const period of periods) {
    const folder = writePeriod(out, period, verification, generatedAt);
    io.stdout.write(`${period.label}: ${period.sessions.length} session(s), ${period.configChanges.length} configuration change(s), ${period.securityEvents.length} security event(s) → ${join(folder, 'report.html')}\n`);
  }
  if (!verification.ok) {
    io.stderr.write(`The evidence did NOT verify (${verification.problems.length} problem(s)); the report says so. Run accessgate audit verify ${positionals[0]} for details.\n`);
    return EXIT.failed;
  }
  io.stderr.write(`Evidence verified: ${summary(verification)}.\n`);
  return EXIT.done;
}
