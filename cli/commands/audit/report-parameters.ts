/**
 * What a report states about itself (report.html's first table and parameters.csv), so an auditor can
 * tell how its populations were produced and check them against the signed digests: the period, the
 * filters, when and by which version it was generated, the pull it rests on, the trusted keys, the
 * digest range verified (first and last digest with the SHA-256 of their bytes, the count of periods),
 * the verification result, the count of each population and the sessions still open at the period's end.
 */
import type { VerifyReport } from '../../../functions/domain/evidence-verify';
import { POPULATIONS, type Population, type ReportPeriod } from './report-model';

export interface ReportRun {
  /** The evidence folder, as given. */
  readonly folder: string;
  readonly by: string;
  readonly generatedAt: string;
  /** "accessgate <version>". */
  readonly generatedBy: string;
  /** Whether --public-key pinned the trusted keys. */
  readonly pinned: boolean;
}

/** What each population counts. */
const POPULATION_MEANING: Record<Population, string> = {
  requested: 'sessions requested in the period',
  approved: 'sessions approved in the period (their required approvals met, or forced)',
  denied: 'sessions denied in the period',
  expired: 'sessions that expired without a decision in the period',
  forced: 'sessions force-approved (break-glass) in the period',
  executed: 'sessions whose command started running in the period',
  failed: 'sessions that failed in the period',
};

export interface ReportParameter {
  readonly name: string;
  readonly value: string;
  readonly meaning: string;
}

/** One row per fact, in the order the report shows them. */
export function reportParameters(period: ReportPeriod, verification: VerifyReport, run: ReportRun): ReportParameter[] {
  const pull = verification.pull;
  const range = verification.range;
  const open = period.sessions.filter((session) => period.boundaries.get(session.id)?.openAtEnd).map((session) => session.id);
  const earlier = period.sessions.filter((session) => period.boundaries.get(session.id)?.requestedBefore).map((session) => session.id);
  const row = (name: string, value: string | number, meaning: string): ReportParameter => ({ name, value: String(value), meaning });
  return [
    row('period_from', period.from, 'start of the period (included), UTC'),
    row('period_to', period.to, 'end of the period (excluded), UTC'),
    row('grouping', run.by, 'how the folder was split into periods (--by)'),
    row('filters', 'none', 'every session, configuration change and security event in the verified folder is included'),
    row('generated_at', run.generatedAt, 'when this report was generated'),
    row('generated_by', run.generatedBy, 'the accessgate version that generated it (accessgate audit report)'),
    row('evidence_folder', run.folder, 'the folder the report was generated from'),
    row('pulled_range', pull ? `${pull.from} to ${pull.to}` : 'unknown', 'the range accessgate audit pull fetched (pull.json)'),
    row('pulled_sealed_until', pull ? (pull.sealedUntil ?? pull.to) : 'unknown', 'every period before this was sealed when the folder was pulled'),
    row('pulled_from', pull ? `${pull.source} at ${pull.pulledAt}` : 'unknown', 'where and when the folder was pulled'),
    row('trusted_keys', verification.stats.keyFingerprints.join(' ') || 'none', run.pinned ? 'signing keys, pinned with --public-key (SHA-256 of the DER public key)' : 'signing keys, taken from the folder, not pinned (SHA-256 of the DER public key)'),
    row('verification', verification.ok ? 'VERIFIED' : `NOT VERIFIED (${verification.problems.length} problem(s))`, 'the result of accessgate audit verify on the folder'),
    row('first_digest', range?.first.key ?? 'none', `the first signed digest verified${range ? ` (period ${range.first.periodStart})` : ''}`),
    row('first_digest_sha256', range?.first.sha256 ?? '', 'SHA-256 of the first digest file'),
    row('last_digest', range?.last.key ?? 'none', `the last signed digest verified${range ? ` (period ${range.last.periodStart})` : ''}`),
    row('last_digest_sha256', range?.last.sha256 ?? '', 'SHA-256 of the last digest file'),
    row('digest_periods', range?.periods ?? 0, 'digest periods verified, first to last, none missing unless the verification says so'),
    ...(Object.keys(POPULATIONS) as Population[]).map((name) => row(`sessions_${name}`, period.populations[name], POPULATION_MEANING[name])),
    row('sessions_requested_earlier', earlier.length, `sessions requested before the period and still alive in it (also in an earlier period's population)${earlier.length ? `: ${earlier.join(' ')}` : ''}`),
    row('sessions_open_at_period_end', open.length, `sessions not final at the period's end (also in the next period's population, if any)${open.length ? `: ${open.join(' ')}` : ''}`),
  ];
}
