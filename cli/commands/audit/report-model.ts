/**
 * The evidence report's content, built only from verified evidence (the event chains of the pulled
 * folder, never from the API's current view): each session's story (who asked, what, on which system,
 * when, who approved or denied or forced it and when, how it ended), configuration changes, security
 * events and daily table exports, grouped by period, and the SOC 2 and ISO/IEC 27001:2022 controls each
 * section supports, with the exceptions the evidence shows (a command run without its approvals, a
 * requester approving their own command, a command that ran different from the one approved).
 */
import type { AuditEvent } from '../../../functions/domain/audit-chain';
import type { VerifyReport } from '../../../functions/domain/evidence-verify';

type Person = { readonly sub?: string; readonly email?: string; readonly name?: string; readonly system?: string };
const personOf = (value: unknown): Person => (value && typeof value === 'object' ? (value as Person) : {});
export const who = (person: Person | undefined): string => (person ? person.email || person.name || person.system || person.sub || '' : '');
/** Name and email, as an auditor reads them ("Alice Anders <alice@example.com>"). */
export const fullName = (person: Person): string => (person.name && person.email ? `${person.name} <${person.email}>` : who(person));

export interface Decision {
  readonly email: string;
  readonly name: string;
  readonly sub: string;
  readonly at: string;
  readonly via: string;
  readonly forced: boolean;
  readonly reason: string;
}

export interface SessionRecord {
  readonly id: string;
  readonly requestedAt: string;
  readonly requester: Person;
  readonly requesterGroups: readonly string[];
  readonly resource: { readonly id: string; readonly name: string; readonly type: string };
  readonly command: string;
  readonly parameters?: unknown;
  readonly commandSha256: string;
  readonly reason: string;
  readonly rule: string;
  readonly approvalsRequired: number;
  readonly approvals: Decision[];
  readonly denial?: Decision;
  status: string;
  expiredAt?: string;
  cancelledAt?: string;
  startedAt?: string;
  ranSha256?: string;
  finishedAt?: string;
  rowCount?: number;
  recordsUpdated?: number;
  error?: string;
  readonly evidence: readonly string[];
  readonly events: number;
}

export interface ConfigChange {
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  readonly target: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly source: string;
  readonly evidence: string;
}

export interface SecurityRecord {
  readonly at: string;
  readonly type: string;
  readonly actor: string;
  readonly details: Record<string, unknown>;
  readonly evidence: string;
}

export interface ControlFinding {
  readonly framework: 'SOC 2' | 'ISO/IEC 27001:2022';
  readonly control: string;
  readonly title: string;
  /** Report sections holding the supporting evidence. */
  readonly sections: readonly SectionId[];
  /** What the evidence shows for this control, in one or two sentences with counts. */
  readonly evidence: string;
  readonly exceptions: readonly string[];
}

export type SectionId = 'integrity' | 'sessions' | 'approvals' | 'forced' | 'denials' | 'expiries' | 'config' | 'security' | 'table-exports';

export const SECTION_TITLES: Record<SectionId, string> = {
  integrity: 'Evidence integrity',
  sessions: 'Sessions',
  approvals: 'Approvals',
  forced: 'Forced (break-glass) approvals',
  denials: 'Denials',
  expiries: 'Expired and cancelled requests',
  config: 'Rule and resource changes',
  security: 'Security events',
  'table-exports': 'Daily table exports',
};

export interface ReportPeriod {
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly sessions: SessionRecord[];
  readonly configChanges: ConfigChange[];
  readonly securityEvents: SecurityRecord[];
  readonly tableExports: { key: string; sha256: string; size: number }[];
  readonly controls: ControlFinding[];
}

const FINAL: Record<string, string> = {
  'session.done': 'done',
  'session.failed': 'failed',
  'review.denied': 'denied',
  'session.expired': 'expired',
  'session.cancelled': 'cancelled',
};

const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));

function decision(value: unknown, fallbackAt: string): Decision {
  const record = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return {
    email: text(record.email),
    name: text(record.name),
    sub: text(record.sub),
    at: text(record.at) || fallbackAt,
    via: text(record.via),
    forced: record.forced === true,
    reason: text(record.reason),
  };
}

export function sessionFrom(stream: string, events: readonly AuditEvent[], evidence: readonly string[]): SessionRecord {
  const requested = events.find((event) => event.type === 'session.requested');
  const details = (requested?.details ?? {}) as Record<string, unknown>;
  const resource = (details.resource ?? {}) as Record<string, unknown>;
  const record: SessionRecord = {
    id: stream.slice('SESSION#'.length),
    requestedAt: requested?.at ?? events[0]?.at ?? '',
    requester: personOf(requested?.actor),
    requesterGroups: Array.isArray(details.requesterGroups) ? details.requesterGroups.map(String) : [],
    resource: { id: text(resource.id), name: text(resource.name), type: text(resource.type) },
    command: text(details.command),
    ...(details.parameters !== undefined ? { parameters: details.parameters } : {}),
    commandSha256: text(details.commandSha256),
    reason: text(details.reason),
    rule: text(details.rule),
    approvalsRequired: typeof details.approvalsRequired === 'number' ? details.approvalsRequired : 0,
    approvals: [],
    status: 'open',
    evidence,
    events: events.length,
  };
  let denial: Decision | undefined;
  for (const event of events) {
    const d = event.details as Record<string, unknown>;
    switch (event.type) {
      case 'review.approved':
      case 'review.forced':
        record.approvals.push(decision(d.approval, event.at));
        break;
      case 'review.denied':
        denial = decision(d.denial, event.at);
        break;
      case 'session.expired':
        record.expiredAt = event.at;
        break;
      case 'session.cancelled':
        record.cancelledAt = event.at;
        break;
      case 'session.running':
        record.startedAt = event.at;
        record.ranSha256 = text(d.commandSha256);
        break;
      case 'session.done': {
        const result = (d.result ?? {}) as Record<string, unknown>;
        record.finishedAt = event.at;
        if (typeof result.rowCount === 'number') record.rowCount = result.rowCount;
        if (typeof result.recordsUpdated === 'number') record.recordsUpdated = result.recordsUpdated;
        break;
      }
      case 'session.failed': {
        const error = (d.error ?? {}) as Record<string, unknown>;
        record.finishedAt = event.at;
        record.error = [text(error.code), text(error.message)].filter(Boolean).join(': ');
        break;
      }
    }
    if (FINAL[event.type]) record.status = FINAL[event.type];
  }
  return denial ? { ...record, denial } : record;
}

/** Distinct people whose approvals count: not the requester, not forced. */
const countedApprovers = (session: SessionRecord) =>
  new Set(session.approvals.filter((approval) => !approval.forced && approval.sub !== session.requester.sub).map((approval) => approval.sub || approval.email)).size;

export function exceptionsOf(session: SessionRecord) {
  const forced = session.approvals.some((approval) => approval.forced);
  return {
    ranWithoutApproval: !!session.startedAt && session.approvalsRequired > 0 && !forced && countedApprovers(session) < session.approvalsRequired,
    selfApproved: session.approvals.some((approval) => !approval.forced && !!approval.sub && approval.sub === session.requester.sub),
    ranOtherCommand: !!session.startedAt && !!session.ranSha256 && session.ranSha256 !== session.commandSha256,
    forcedWithoutReason: session.approvals.some((approval) => approval.forced && !approval.reason.trim()),
  };
}

function controls(period: Omit<ReportPeriod, 'controls'>, verification: VerifyReport): ControlFinding[] {
  const sessions = period.sessions;
  const ran = sessions.filter((s) => s.startedAt);
  const reviewed = sessions.filter((s) => s.approvalsRequired > 0);
  const forced = sessions.filter((s) => s.approvals.some((a) => a.forced));
  const denied = sessions.filter((s) => s.denial);
  const expired = sessions.filter((s) => s.expiredAt);
  const changes = sessions.filter((s) => (s.recordsUpdated ?? 0) > 0 || /^\s*(insert|update|delete|merge|alter|create|drop|truncate|grant|revoke)\b/i.test(s.command));
  const refusals = period.securityEvents.filter((e) => e.type === 'security.review_refused');
  const exceptions = sessions.map((s) => ({ s, e: exceptionsOf(s) }));
  const list = (pick: (e: ReturnType<typeof exceptionsOf>) => boolean, what: string) =>
    exceptions.filter(({ e }) => pick(e)).map(({ s }) => `session ${s.id}: ${what}`);
  const ranWithout = list((e) => e.ranWithoutApproval, 'ran without the approvals its rule required');
  const selfApproved = list((e) => e.selfApproved, 'approved by its own requester');
  const otherCommand = list((e) => e.ranOtherCommand, 'the command that ran differs from the one approved');
  const noReason = list((e) => e.forcedWithoutReason, 'forced without a reason');
  const integrity = verification.ok ? [] : verification.problems.map((p) => `${p.kind}: ${p.message}`);
  const people = new Set(sessions.flatMap((s) => s.approvals.map((a) => a.email)));

  return [
    {
      framework: 'SOC 2', control: 'CC6.1', title: 'Logical access security over protected information assets',
      sections: ['sessions', 'config'],
      evidence: `${sessions.length} session(s) on ${new Set(sessions.map((s) => s.resource.id)).size} registered resource(s), each recorded from request to outcome in a hash-chained log; ${period.configChanges.length} rule or resource change(s), each with who made it and the before and after.`,
      exceptions: ranWithout,
    },
    {
      framework: 'SOC 2', control: 'CC6.2', title: 'Access is authorized before it is granted',
      sections: ['sessions', 'approvals', 'denials', 'expiries'],
      evidence: `${reviewed.length} session(s) needed review: ${reviewed.filter((s) => s.startedAt).length} ran after approval, ${denied.length} were denied, ${expired.length} expired unapproved; no command under a rule ran before its required approvals were recorded${ranWithout.length ? ' (except as listed)' : ''}.`,
      exceptions: ranWithout,
    },
    {
      framework: 'SOC 2', control: 'CC6.3', title: 'Access is granted by role, least privilege and segregation of duties',
      sections: ['approvals', 'forced', 'security'],
      evidence: `Approvals are counted as distinct people from the rule's approval groups (${people.size} distinct approver(s)); ${refusals.length} refused review attempt(s) (self-approval, non-approver) are recorded as security events; ${forced.length} break-glass approval(s), each with its reason.`,
      exceptions: [...selfApproved, ...noReason],
    },
    {
      framework: 'SOC 2', control: 'CC7.2', title: 'System components are monitored for anomalies',
      sections: ['security', 'forced', 'integrity'],
      evidence: `${period.securityEvents.length} security event(s) recorded (refused reviews, refused audit access, forged requests); ${forced.length} forced approval(s) flagged for follow-up; the evidence itself ${verification.ok ? 'verified' : 'did NOT verify'} against its signed digests.`,
      exceptions: integrity,
    },
    {
      framework: 'SOC 2', control: 'CC8.1', title: 'Changes are authorized, approved and implemented as approved',
      sections: ['sessions', 'approvals', 'config'],
      evidence: `${changes.length} data- or schema-changing command(s) and ${period.configChanges.length} configuration change(s) are on record; for every command that ran, the SHA-256 of the command run is recorded and compared with the one approved (${ran.length} checked).`,
      exceptions: [...otherCommand, ...ranWithout],
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.5.3', title: 'Segregation of duties',
      sections: ['approvals', 'security'],
      evidence: `Requesters cannot approve their own commands: ${refusals.filter((e) => e.details.code === 'self_review').length} such attempt(s) were refused and recorded; approvals come from people other than the requester.`,
      exceptions: selfApproved,
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.5.15', title: 'Access control',
      sections: ['config', 'sessions'],
      evidence: `Access to each resource is governed by rules frozen on each session at submission; ${period.configChanges.length} rule or resource change(s) with before and after; ${sessions.length} session(s) under those rules.`,
      exceptions: ranWithout,
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.5.18', title: 'Access rights',
      sections: ['approvals', 'denials', 'expiries'],
      evidence: `Access is granted per command and per approval: ${reviewed.filter((s) => s.startedAt).length} granted and run, ${denied.length} denied, ${expired.length} expired, ${sessions.filter((s) => s.cancelledAt).length} withdrawn; nothing remains granted after its command ran.`,
      exceptions: ranWithout,
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.2', title: 'Privileged access rights',
      sections: ['forced', 'sessions'],
      evidence: `Production database access is by approved command only; ${forced.length} break-glass approval(s) by members of force-approval groups, each with its reason and time.`,
      exceptions: noReason,
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.15', title: 'Logging',
      sections: ['integrity', 'table-exports'],
      evidence: `${verification.stats.events} event(s) in ${verification.stats.segments} hash-chained evidence object(s) under S3 Object Lock (compliance mode), listed in ${verification.stats.digests} signed hourly digest(s) chained to each other; ${period.tableExports.length} daily full-table export file(s) under lock. Verification: ${verification.ok ? 'passed' : `FAILED with ${verification.problems.length} problem(s)`}.`,
      exceptions: integrity,
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.16', title: 'Monitoring activities',
      sections: ['security', 'forced'],
      evidence: `${period.securityEvents.length} security event(s) and ${forced.length} forced approval(s) recorded for review.`,
      exceptions: [],
    },
    {
      framework: 'ISO/IEC 27001:2022', control: 'A.8.32', title: 'Change management',
      sections: ['sessions', 'approvals', 'config'],
      evidence: `${changes.length} changing command(s) ran only through review (or a recorded break-glass approval); ${period.configChanges.length} rule or resource change(s) recorded with before and after.`,
      exceptions: [...otherCommand, ...ranWithout],
    },
  ];
}

export type Grouping = 'all' | 'month' | 'day';

const periodKey = (at: string, by: Grouping): string => (by === 'month' ? at.slice(0, 7) : by === 'day' ? at.slice(0, 10) : 'all');

function bounds(label: string, by: Grouping, coverage: { from: string; to: string }): { from: string; to: string } {
  if (by === 'all') return coverage;
  const start = by === 'month' ? new Date(`${label}-01T00:00:00.000Z`) : new Date(`${label}T00:00:00.000Z`);
  const end = new Date(start);
  if (by === 'month') end.setUTCMonth(end.getUTCMonth() + 1);
  else end.setUTCDate(end.getUTCDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

export function buildReport(verification: VerifyReport, by: Grouping): ReportPeriod[] {
  const coverage = verification.coverage ?? { from: '', to: '' };
  const periods = new Map<string, Omit<ReportPeriod, 'controls' | 'label' | 'from' | 'to'>>();
  const periodFor = (at: string) => {
    const key = periodKey(at, by);
    let period = periods.get(key);
    if (!period) periods.set(key, (period = { sessions: [], configChanges: [], securityEvents: [], tableExports: [] }));
    return period;
  };
  if (by === 'all') periodFor('');

  for (const stream of verification.streams) {
    const keyOf = (seq: number) => stream.segments.find(({ segment }) => seq >= segment.fromSeq && seq <= segment.toSeq)?.key ?? '';
    if (stream.kind === 'session') {
      const session = sessionFrom(stream.stream, stream.events, stream.segments.map(({ key }) => key));
      periodFor(session.requestedAt).sessions.push(session);
      continue;
    }
    for (const event of stream.events) {
      const details = (event.details ?? {}) as Record<string, unknown>;
      if (stream.kind === 'config') {
        periodFor(event.at).configChanges.push({
          at: event.at,
          type: event.type,
          actor: who(personOf(event.actor)),
          target: text(details.rule ?? details.resource ?? details.name),
          before: details.before ?? null,
          after: details.after ?? null,
          source: text(details.source),
          evidence: keyOf(event.seq),
        });
      } else {
        periodFor(event.at).securityEvents.push({ at: event.at, type: event.type, actor: who(personOf(event.actor)), details, evidence: keyOf(event.seq) });
      }
    }
  }
  for (const file of verification.tableExports) {
    const day = /^table-exports\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(file.key);
    periodFor(day ? `${day[1]}-${day[2]}-${day[3]}T00:00:00.000Z` : coverage.from).tableExports.push(file);
  }

  return [...periods.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([label, content]) => {
      content.sessions.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
      content.configChanges.sort((a, b) => (a.at < b.at ? -1 : 1));
      content.securityEvents.sort((a, b) => (a.at < b.at ? -1 : 1));
      const base = { label, ...bounds(label, by, coverage), ...content };
      return { ...base, controls: controls(base, verification) };
    });
}
