/**
 * The evidence report's content, built only from verified evidence (the event chains of the pulled
 * folder, never from the API's current view): each session's story (who asked, what, on which system,
 * when, who approved or denied or forced it and when, how it ended), configuration changes, security
 * events and daily table exports, grouped by period, and the SOC 2 and ISO/IEC 27001:2022 controls each
 * section supports, with the exceptions the evidence shows (a command run without its approvals, a
 * requester approving their own command, a command that ran different from the one approved).
 *
 * A session belongs to every period it was alive in: from the period of its request to the period of
 * its last event. One that crosses a boundary therefore appears in both periods' populations, marked
 * (requested in an earlier period; still open at the period's end).
 */
import type { AuditEvent } from '../../../functions/domain/audit-chain';
import type { VerifyReport } from '../../../functions/domain/evidence-verify';
import { controls } from './report-controls';

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
  /** An access window (`kind: "window"` at its request): how it went, and the commands run under it (buildReport). */
  window?: WindowStory;
  /** A command run under an access window: that window's session id. */
  readonly grant?: string;
  /** A forced approval's break-glass follow-up as the chain tells it (review.forced, follow_up.reminded, follow_up.closed). */
  followUp?: FollowUpStory;
  readonly evidence: readonly string[];
  readonly events: number;
  /** Each event's type and time, in order: what the period populations are counted from. */
  readonly timeline: readonly { readonly type: string; readonly at: string }[];
}

export interface FollowUpStory {
  readonly status: string;
  readonly dueAt: string;
  readonly closedBy?: string;
  readonly closedAt?: string;
  readonly note?: string;
  readonly remindedAt?: string;
}

export interface WindowStory {
  readonly durationSeconds?: number;
  openedAt?: string;
  endsAt?: string;
  /** `ended` (its time came), `revoked`, or undefined while the evidence shows it open or never opened. */
  end?: { readonly how: 'ended' | 'revoked'; readonly at: string; readonly by: string };
  readonly commands: SessionRecord[];
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

export type SectionId = 'integrity' | 'sessions' | 'approvals' | 'forced' | 'windows' | 'denials' | 'expiries' | 'config' | 'security' | 'table-exports';

export const SECTION_TITLES: Record<SectionId, string> = {
  integrity: 'Evidence integrity',
  sessions: 'Sessions',
  approvals: 'Approvals',
  forced: 'Forced (break-glass) approvals and their follow-up',
  windows: 'Access windows',
  denials: 'Denials',
  expiries: 'Expired and cancelled requests',
  config: 'Rule and resource changes',
  security: 'Security events',
  'table-exports': 'Daily table exports',
};

/** Session counts a report states for its period, each from the events recorded within it. */
export const POPULATIONS = {
  requested: 'session.requested',
  approved: 'session.approved',
  denied: 'review.denied',
  expired: 'session.expired',
  forced: 'review.forced',
  executed: 'session.running',
  failed: 'session.failed',
} as const;
export type Population = keyof typeof POPULATIONS;

/** How a session in a period's population relates to the period's bounds. */
export interface SessionInPeriod {
  /** Requested before the period began (it is also in an earlier period's population). */
  readonly requestedBefore: boolean;
  /** Not final at the period's end (it is also in a later period's population, if any). */
  readonly openAtEnd: boolean;
}

export interface ReportPeriod {
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly sessions: SessionRecord[];
  /** Keyed by session id. */
  readonly boundaries: ReadonlyMap<string, SessionInPeriod>;
  readonly populations: Readonly<Record<Population, number>>;
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
    timeline: events.map((event) => ({ type: event.type, at: event.at })),
    ...(details.kind === 'window' ? { window: { ...(typeof details.durationSeconds === 'number' ? { durationSeconds: details.durationSeconds } : {}), commands: [] } } : {}),
    ...(typeof details.grant === 'string' ? { grant: details.grant } : {}),
  };
  let denial: Decision | undefined;
  for (const event of events) {
    const d = event.details as Record<string, unknown>;
    switch (event.type) {
      case 'review.approved':
      case 'review.forced':
        record.approvals.push(decision(d.approval, event.at));
        if (event.type === 'review.forced') record.followUp = followUpStory(event.type, d.followUp, event.at, undefined);
        break;
      case 'review.denied':
        denial = decision(d.denial, event.at);
        break;
      case 'follow_up.reminded':
      case 'follow_up.closed':
        record.followUp = followUpStory(event.type, d.followUp, event.at, record.followUp);
        break;
      case 'window.active':
        if (record.window) Object.assign(record.window, { openedAt: event.at, endsAt: text(d.windowEndsAt) });
        break;
      case 'window.ended':
      case 'window.revoked':
        if (record.window) record.window.end = { how: event.type === 'window.ended' ? 'ended' : 'revoked', at: event.at, by: who(personOf(event.actor)) };
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

/** The follow-up after `type`: opened by review.forced, reminded, or closed (with who, when and the note). */
function followUpStory(type: string, value: unknown, at: string, before: FollowUpStory | undefined): FollowUpStory {
  const followUp = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const base: FollowUpStory = { ...before, status: text(followUp.status) || before?.status || 'open', dueAt: text(followUp.dueAt) || before?.dueAt || '' };
  if (type === 'follow_up.reminded') return { ...base, status: before?.status ?? 'open', remindedAt: at };
  if (type !== 'follow_up.closed') return base;
  return { ...base, closedBy: who(personOf(followUp.closedBy)), closedAt: text(followUp.closedAt) || at, ...(followUp.note ? { note: text(followUp.note) } : {}) };
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

/** The labels of every period from the one holding `from` to the one holding `to`, in order. */
function labelsBetween(from: string, to: string, by: Grouping): string[] {
  if (by === 'all') return ['all'];
  const labels = [periodKey(from, by)];
  const last = periodKey(to, by);
  while (labels.at(-1)! < last) labels.push(periodKey(bounds(labels.at(-1)!, by, { from, to }).to, by));
  return labels;
}

const isFinal = (type: string) => Object.hasOwn(FINAL, type);

function boundaryOf(session: SessionRecord, period: { from: string; to: string }): SessionInPeriod {
  const finishedBy = session.timeline.some((event) => isFinal(event.type) && event.at < period.to);
  return { requestedBefore: session.requestedAt < period.from, openAtEnd: !finishedBy };
}

function populationsOf(sessions: readonly SessionRecord[], period: { from: string; to: string }): Record<Population, number> {
  const within = (at: string) => at >= period.from && at < period.to;
  const count = (type: string) => sessions.filter((session) => session.timeline.some((event) => event.type === type && within(event.at))).length;
  return Object.fromEntries(Object.entries(POPULATIONS).map(([name, type]) => [name, count(type)])) as Record<Population, number>;
}

export function buildReport(verification: VerifyReport, by: Grouping): ReportPeriod[] {
  const coverage = verification.coverage ?? { from: '', to: '' };
  const periods = new Map<string, Pick<ReportPeriod, 'sessions' | 'configChanges' | 'securityEvents' | 'tableExports'>>();
  const periodFor = (label: string) => {
    let period = periods.get(label);
    if (!period) periods.set(label, (period = { sessions: [], configChanges: [], securityEvents: [], tableExports: [] }));
    return period;
  };
  const periodAt = (at: string) => periodFor(periodKey(at, by));
  if (by === 'all') periodFor('all');

  for (const stream of verification.streams) {
    const keyOf = (seq: number) => stream.segments.find(({ segment }) => seq >= segment.fromSeq && seq <= segment.toSeq)?.key ?? '';
    if (stream.kind === 'session') {
      const session = sessionFrom(stream.stream, stream.events, stream.segments.map(({ key }) => key));
      const lastAt = session.timeline.at(-1)?.at ?? session.requestedAt;
      for (const label of labelsBetween(session.requestedAt, lastAt < session.requestedAt ? session.requestedAt : lastAt, by)) periodFor(label).sessions.push(session);
      continue;
    }
    for (const event of stream.events) {
      const details = (event.details ?? {}) as Record<string, unknown>;
      if (stream.kind === 'config') {
        periodAt(event.at).configChanges.push({
          at: event.at,
          type: event.type,
          actor: who(personOf(event.actor)),
          target: text(details.rule ?? details.resource ?? details.webhook ?? details.email ?? details.name),
          before: details.before ?? null,
          after: details.after ?? null,
          source: text(details.source),
          evidence: keyOf(event.seq),
        });
      } else {
        periodAt(event.at).securityEvents.push({ at: event.at, type: event.type, actor: who(personOf(event.actor)), details, evidence: keyOf(event.seq) });
      }
    }
  }
  const windows = new Map<string, SessionRecord>();
  for (const period of periods.values()) for (const session of period.sessions) if (session.window) windows.set(session.id, session);
  const granted = new Set<SessionRecord>();
  for (const period of periods.values()) {
    for (const session of period.sessions) {
      const window = session.grant ? windows.get(session.grant)?.window : undefined;
      if (window && !granted.has(session)) window.commands.push(session);
      granted.add(session);
    }
  }
  for (const file of verification.tableExports) {
    const day = /^table-exports\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(file.key);
    periodAt(day ? `${day[1]}-${day[2]}-${day[3]}T00:00:00.000Z` : coverage.from).tableExports.push(file);
  }

  return [...periods.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([label, content]) => {
      content.sessions.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : 1));
      content.configChanges.sort((a, b) => (a.at < b.at ? -1 : 1));
      content.securityEvents.sort((a, b) => (a.at < b.at ? -1 : 1));
      const range = bounds(label, by, coverage);
      const base = {
        label,
        ...range,
        ...content,
        boundaries: new Map(content.sessions.map((session) => [session.id, boundaryOf(session, range)])),
        populations: populationsOf(content.sessions, range),
      };
      return { ...base, controls: controls(base, verification) };
    });
}
