/**
 * The SOC 2 and ISO/IEC 27001:2022 controls the evidence report maps its sections to, as one table:
 * each row names the control, the sections holding its evidence, what the evidence shows (a sentence
 * built from the period's facts) and which exceptions the report lists against it. The facts are
 * counted once per period; a row only picks from them.
 */
import type { VerifyReport } from '../../../functions/domain/evidence-verify';
import { type ControlFinding, exceptionsOf, type ReportPeriod, type SectionId, type SessionRecord } from './report-model';

/** What the control sentences and exception lists are made of, for one period. */
interface Facts {
  readonly period: Omit<ReportPeriod, 'controls'>;
  readonly verification: VerifyReport;
  readonly sessions: readonly SessionRecord[];
  readonly resources: number;
  readonly reviewed: readonly SessionRecord[];
  readonly reviewedAndRan: number;
  readonly ran: number;
  readonly forced: number;
  readonly denied: number;
  readonly expired: number;
  readonly withdrawn: number;
  readonly changing: number;
  readonly approvers: number;
  readonly refusals: number;
  readonly selfReviewRefusals: number;
  readonly exceptions: {
    readonly ranWithout: readonly string[];
    readonly selfApproved: readonly string[];
    readonly otherCommand: readonly string[];
    readonly noReason: readonly string[];
    readonly integrity: readonly string[];
  };
}

const CHANGING_COMMAND = /^\s*(insert|update|delete|merge|alter|create|drop|truncate|grant|revoke)\b/i;

function factsOf(period: Omit<ReportPeriod, 'controls'>, verification: VerifyReport): Facts {
  const sessions = period.sessions;
  const reviewed = sessions.filter((s) => s.approvalsRequired > 0);
  const refusals = period.securityEvents.filter((e) => e.type === 'security.review_refused');
  const found = sessions.map((s) => ({ s, e: exceptionsOf(s) }));
  const list = (pick: (e: ReturnType<typeof exceptionsOf>) => boolean, what: string) => found.filter(({ e }) => pick(e)).map(({ s }) => `session ${s.id}: ${what}`);
  return {
    period,
    verification,
    sessions,
    resources: new Set(sessions.map((s) => s.resource.id)).size,
    reviewed,
    reviewedAndRan: reviewed.filter((s) => s.startedAt).length,
    ran: sessions.filter((s) => s.startedAt).length,
    forced: sessions.filter((s) => s.approvals.some((a) => a.forced)).length,
    denied: sessions.filter((s) => s.denial).length,
    expired: sessions.filter((s) => s.expiredAt).length,
    withdrawn: sessions.filter((s) => s.cancelledAt).length,
    changing: sessions.filter((s) => (s.recordsUpdated ?? 0) > 0 || CHANGING_COMMAND.test(s.command)).length,
    approvers: new Set(sessions.flatMap((s) => s.approvals.map((a) => a.email))).size,
    refusals: refusals.length,
    selfReviewRefusals: refusals.filter((e) => e.details.code === 'self_review').length,
    exceptions: {
      ranWithout: list((e) => e.ranWithoutApproval, 'ran without the approvals its rule required'),
      selfApproved: list((e) => e.selfApproved, 'approved by its own requester'),
      otherCommand: list((e) => e.ranOtherCommand, 'the command that ran differs from the one approved'),
      noReason: list((e) => e.forcedWithoutReason, 'forced without a reason'),
      integrity: verification.ok ? [] : verification.problems.map((p) => `${p.kind}: ${p.message}`),
    },
  };
}

interface ControlRow {
  readonly framework: ControlFinding['framework'];
  readonly control: string;
  readonly title: string;
  readonly sections: readonly SectionId[];
  readonly evidence: (facts: Facts) => string;
  readonly exceptions: (facts: Facts) => readonly string[];
}

const exceptListed = (f: Facts) => (f.exceptions.ranWithout.length ? ' (except as listed)' : '');

export const CONTROLS: readonly ControlRow[] = [
  {
    framework: 'SOC 2', control: 'CC6.1', title: 'Logical access security over protected information assets', sections: ['sessions', 'config'],
    evidence: (f) => `${f.sessions.length} session(s) on ${f.resources} registered resource(s), each recorded from request to outcome in a hash-chained log; ${f.period.configChanges.length} rule or resource change(s), each with who made it and the before and after.`,
    exceptions: (f) => f.exceptions.ranWithout,
  },
  {
    framework: 'SOC 2', control: 'CC6.2', title: 'Access is authorized before it is granted', sections: ['sessions', 'approvals', 'denials', 'expiries'],
    evidence: (f) => `${f.reviewed.length} session(s) needed review: ${f.reviewedAndRan} ran after approval, ${f.denied} were denied, ${f.expired} expired unapproved; no command under a rule ran before its required approvals were recorded${exceptListed(f)}.`,
    exceptions: (f) => f.exceptions.ranWithout,
  },
  {
    framework: 'SOC 2', control: 'CC6.3', title: 'Access is granted by role, least privilege and segregation of duties', sections: ['approvals', 'forced', 'security'],
    evidence: (f) => `Approvals are counted as distinct people from the rule's approval groups (${f.approvers} distinct approver(s)); ${f.refusals} refused review attempt(s) (self-approval, non-approver) are recorded as security events; ${f.forced} break-glass approval(s), each with its reason.`,
    exceptions: (f) => [...f.exceptions.selfApproved, ...f.exceptions.noReason],
  },
  {
    framework: 'SOC 2', control: 'CC7.2', title: 'System components are monitored for anomalies', sections: ['security', 'forced', 'integrity'],
    evidence: (f) => `${f.period.securityEvents.length} security event(s) recorded (refused reviews, refused audit access, forged requests); ${f.forced} forced approval(s) flagged for follow-up; the evidence itself ${f.verification.ok ? 'verified' : 'did NOT verify'} against its signed digests.`,
    exceptions: (f) => f.exceptions.integrity,
  },
  {
    framework: 'SOC 2', control: 'CC8.1', title: 'Changes are authorized, approved and implemented as approved', sections: ['sessions', 'approvals', 'config'],
    evidence: (f) => `${f.changing} data- or schema-changing command(s) and ${f.period.configChanges.length} configuration change(s) are on record; for every command that ran, the SHA-256 of the command run is recorded and compared with the one approved (${f.ran} checked).`,
    exceptions: (f) => [...f.exceptions.otherCommand, ...f.exceptions.ranWithout],
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.5.3', title: 'Segregation of duties', sections: ['approvals', 'security'],
    evidence: (f) => `Requesters cannot approve their own commands: ${f.selfReviewRefusals} such attempt(s) were refused and recorded; approvals come from people other than the requester.`,
    exceptions: (f) => f.exceptions.selfApproved,
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.5.15', title: 'Access control', sections: ['config', 'sessions'],
    evidence: (f) => `Access to each resource is governed by rules frozen on each session at submission; ${f.period.configChanges.length} rule or resource change(s) with before and after; ${f.sessions.length} session(s) under those rules.`,
    exceptions: (f) => f.exceptions.ranWithout,
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.5.18', title: 'Access rights', sections: ['approvals', 'denials', 'expiries'],
    evidence: (f) => `Access is granted per command and per approval: ${f.reviewedAndRan} granted and run, ${f.denied} denied, ${f.expired} expired, ${f.withdrawn} withdrawn; nothing remains granted after its command ran.`,
    exceptions: (f) => f.exceptions.ranWithout,
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.8.2', title: 'Privileged access rights', sections: ['forced', 'sessions'],
    evidence: (f) => `Production database access is by approved command only; ${f.forced} break-glass approval(s) by members of force-approval groups, each with its reason and time.`,
    exceptions: (f) => f.exceptions.noReason,
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.8.15', title: 'Logging', sections: ['integrity', 'table-exports'],
    evidence: (f) => `${f.verification.stats.events} event(s) in ${f.verification.stats.segments} hash-chained evidence object(s) under S3 Object Lock (compliance mode), listed in ${f.verification.stats.digests} signed hourly digest(s) chained to each other; ${f.period.tableExports.length} daily full-table export file(s) under lock. Verification: ${f.verification.ok ? 'passed' : `FAILED with ${f.verification.problems.length} problem(s)`}.`,
    exceptions: (f) => f.exceptions.integrity,
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.8.16', title: 'Monitoring activities', sections: ['security', 'forced'],
    evidence: (f) => `${f.period.securityEvents.length} security event(s) and ${f.forced} forced approval(s) recorded for review.`,
    exceptions: () => [],
  },
  {
    framework: 'ISO/IEC 27001:2022', control: 'A.8.32', title: 'Change management', sections: ['sessions', 'approvals', 'config'],
    evidence: (f) => `${f.changing} changing command(s) ran only through review (or a recorded break-glass approval); ${f.period.configChanges.length} rule or resource change(s) recorded with before and after.`,
    exceptions: (f) => [...f.exceptions.otherCommand, ...f.exceptions.ranWithout],
  },
];

export function controls(period: Omit<ReportPeriod, 'controls'>, verification: VerifyReport): ControlFinding[] {
  const facts = factsOf(period, verification);
  return CONTROLS.map((row) => ({
    framework: row.framework,
    control: row.control,
    title: row.title,
    sections: row.sections,
    evidence: row.evidence(facts),
    exceptions: [...row.exceptions(facts)],
  }));
}
