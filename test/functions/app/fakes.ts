/**
 * In-memory fakes of functions/app/ports.ts for the use cases' tests. Each honours its port's
 * documented contract, refusals included (a second approval by the same person is not counted, a
 * closed review throws ConflictError, the first writer to end a session wins), so a use case tested
 * here meets the same answers it meets from the DynamoDB adapters. They keep what was written, for
 * tests to count effects in the store itself, and copy on the way in and out, as a database does.
 */
import type {
  ApprovalOutcome,
  CatalogStore,
  ChatGateway,
  CommandPreviewer,
  CommandRuns,
  Deps,
  DirectoryTable,
  EventLog,
  Log,
  NewEvent,
  AppendOptions,
  NotificationJob,
  NotificationQueue,
  Notifier,
  OpenedView,
  Page,
  QueryResult,
  ResultStore,
  ReviewOutcome,
  RunLimits,
  SessionCount,
  SessionFilters,
  SessionMetrics,
  SessionScope,
  SessionStore,
  SqlRunner,
  SqlTarget,
  WindowStore,
  Workflow,
} from '../../../functions/app/ports';
import { parserSqlClassifier } from '../../../functions/adapters/sql-parser';
import { type AuditEvent, chainEvent } from '../../../functions/domain/audit-chain';
import { ConflictError, NotFoundError } from '../../../functions/domain/errors';
import type { FollowUp } from '../../../functions/domain/follow-up';
import type { Actor, Identity } from '../../../functions/domain/identity';
import type { Preview } from '../../../functions/domain/preview';
import type { Resource } from '../../../functions/domain/resource';
import type { Rule } from '../../../functions/domain/rule';
import { type Approval, type Denial, type ResultSummary, reviewGroupsOf, type Session, type SessionError } from '../../../functions/domain/session';
import type { SlackView } from '../../../functions/domain/slack-message';
import type { Route } from '../../../functions/domain/workflow-route';

const copy = <T>(value: T): T => structuredClone(value);
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Items by key, copied on the way in and out as a database does: what a caller holds never aliases what
 * is stored. Still a Map, for tests that count or reach into the stored items.
 */
export class CopiedTable<Item> extends Map<string, Item> {
  read(key: string): Item | undefined {
    const found = this.get(key);
    return found && copy(found);
  }
  readAll(): Item[] {
    return [...this.values()].map(copy);
  }
  /** Stores `item` under `key`, answering the item it replaced. */
  write(key: string, item: Item): Item | undefined {
    const before = this.get(key);
    this.set(key, copy(item));
    return before;
  }
  /** Removes the item under `key`, answering it. */
  remove(key: string): Item | undefined {
    const before = this.get(key);
    this.delete(key);
    return before;
  }
}

export class InMemorySessionStore implements SessionStore {
  readonly items = new Map<string, Mutable<Session>>();
  readonly tokens = new Map<string, string>();
  /** Review groups whose inbox still lists the session (removed when the review closes). */
  readonly inbox = new Map<string, Set<string>>();

  async create(session: Session): Promise<void> {
    if (this.items.has(session.id)) throw new ConflictError(`Session ${session.id} already exists.`, 'session_exists');
    this.items.set(session.id, copy(session) as Mutable<Session>);
    await this.ensureReviewQueue(session);
  }

  async get(id: string): Promise<Session | undefined> {
    const item = this.items.get(id);
    return item && copy(item);
  }

  async ensureReviewQueue(session: Session): Promise<void> {
    if (session.status === 'pending_review') this.inbox.set(session.id, new Set(reviewGroupsOf(session)));
  }

  private mustGet(id: string): Mutable<Session> {
    const item = this.items.get(id);
    if (!item) throw new NotFoundError(`Session ${id} does not exist.`);
    return item;
  }

  private closed(id: string): never {
    const status = this.mustGet(id).status;
    throw new ConflictError(`Session ${id} is already ${status}; its review is closed.`, 'review_closed', { status });
  }

  private close(item: Mutable<Session>, changes: Partial<Session>): Session {
    Object.assign(item, changes);
    this.inbox.delete(item.id);
    return copy(item);
  }

  async addApproval(id: string, approval: Approval, approvalsBefore?: number): Promise<ApprovalOutcome> {
    const item = this.mustGet(id);
    const countable =
      item.status === 'pending_review' &&
      item.approvals.length < item.approvalsRequired &&
      item.requester.sub !== approval.sub &&
      !item.approvals.some((given) => given.sub === approval.sub) &&
      (approval.step === undefined ||
        item.approvals.filter((given) => given.step === approval.step).length < (item.rule?.approvalSteps?.[approval.step]?.approvals ?? 0));
    if (countable) {
      const closes = approvalsBefore === item.approvals.length && approvalsBefore + 1 === item.approvalsRequired;
      Object.assign(item, { approvals: [...item.approvals, copy(approval)], updatedAt: approval.at });
      if (closes) return { session: this.close(item, { status: 'approved', decidedAt: approval.at }), counted: true };
      return { session: copy(item), counted: true };
    }
    if (item.status === 'pending_review') return { session: copy(item), counted: false };
    return this.closed(id);
  }

  async markApproved(id: string, at: string): Promise<Session | undefined> {
    const item = this.items.get(id);
    if (!item || item.status !== 'pending_review' || item.approvals.length < item.approvalsRequired) return undefined;
    return this.close(item, { status: 'approved', decidedAt: at, updatedAt: at });
  }

  async forceApprove(id: string, approval: Approval, followUp: FollowUp): Promise<Session> {
    const item = this.mustGet(id);
    if (item.status !== 'pending_review') return this.closed(id);
    return this.close(item, { status: 'approved', forced: true, approvals: [...item.approvals, copy(approval)], decidedAt: approval.at, updatedAt: approval.at, followUp: copy(followUp) });
  }

  async closeFollowUp(id: string, followUp: FollowUp): Promise<Session | undefined> {
    const item = this.mustGet(id);
    if (item.followUp?.status !== 'open') return undefined;
    Object.assign(item, { followUp: copy(followUp), updatedAt: followUp.closedAt });
    return copy(item);
  }

  async deny(id: string, denial: Denial): Promise<Session> {
    const item = this.mustGet(id);
    if (item.status !== 'pending_review') return this.closed(id);
    return this.close(item, { status: 'denied', denial: copy(denial), decidedAt: denial.at, finishedAt: denial.at, updatedAt: denial.at });
  }

  async cancel(id: string, at: string): Promise<Session> {
    const item = this.mustGet(id);
    if (item.status !== 'pending_review') return this.closed(id);
    return this.close(item, { status: 'cancelled', finishedAt: at, updatedAt: at });
  }

  async expire(id: string, at: string): Promise<Session> {
    const item = this.mustGet(id);
    if (item.status === 'pending_review' && item.approvals.length < item.approvalsRequired) {
      return this.close(item, { status: 'expired', finishedAt: at, updatedAt: at });
    }
    return (await this.markApproved(id, at)) ?? copy(item);
  }

  async savePreview(id: string, preview: Preview, at: string): Promise<Session | undefined> {
    const item = this.items.get(id);
    if (item?.status !== 'pending_review' || item.preview) return undefined;
    Object.assign(item, { preview: copy(preview), updatedAt: at });
    return copy(item);
  }

  async startRunning(id: string, at: string): Promise<Session | undefined> {
    const item = this.items.get(id);
    if (item?.status !== 'approved') return undefined;
    Object.assign(item, { status: 'running', startedAt: at, updatedAt: at });
    return copy(item);
  }

  async returnToApproved(id: string): Promise<void> {
    const item = this.items.get(id);
    if (item?.status !== 'running') return;
    item.status = 'approved';
    delete item.startedAt;
  }

  async finish(
    id: string,
    at: string,
    outcome: { status: 'done'; result: ResultSummary } | { status: 'failed'; error: SessionError },
  ): Promise<Session | undefined> {
    const item = this.items.get(id);
    const from = outcome.status === 'done' ? ['running'] : ['running', 'approved', 'pending_review'];
    if (!item || !from.includes(item.status)) return undefined;
    const detail = outcome.status === 'done' ? { result: copy(outcome.result) } : { error: copy(outcome.error) };
    return this.close(item, { status: outcome.status, ...detail, finishedAt: at, updatedAt: at });
  }

  async saveTaskToken(id: string, token: string): Promise<void> {
    this.mustGet(id);
    this.tokens.set(id, token);
  }

  async taskToken(id: string): Promise<string | undefined> {
    return this.tokens.get(id);
  }

  async saveNotification(id: string, notification: Record<string, string>): Promise<void> {
    this.mustGet(id).notification = copy(notification);
  }

  async list(scope: SessionScope, filters: SessionFilters, limit: number, cursor?: string): Promise<Page<Session>> {
    const inScope = (session: Session) =>
      scope.kind === 'all' ||
      (scope.kind === 'requester' && session.requester.sub === scope.sub) ||
      (scope.kind === 'review_group' && reviewGroupsOf(session).some((group) => scope.groups.includes(group)));
    const matching = [...this.items.values()]
      .filter((session) => inScope(session) && (!filters.status || session.status === filters.status))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const start = cursor ? Number(cursor) : 0;
    const items = matching.slice(start, start + limit).map(copy);
    return start + limit < matching.length ? { items, cursor: String(start + limit) } : { items };
  }

  async pendingFor(groups: readonly string[], limit: number): Promise<Session[]> {
    return [...this.items.values()]
      .filter((session) => [...(this.inbox.get(session.id) ?? [])].some((group) => groups.includes(group)))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit)
      .map(copy);
  }
}

/** Window transitions on the session store's own items, each applied only from the status its port names. */
export class InMemoryWindowStore implements WindowStore {
  constructor(private readonly sessions: InMemorySessionStore) {}

  private move(id: string, from: Session['status'], changes: Partial<Session>): Session | undefined {
    const item = this.sessions.items.get(id);
    if (item?.kind !== 'window' || item.status !== from) return undefined;
    Object.assign(item, copy(changes));
    return copy(item);
  }

  async open(id: string, at: string, endsAt: string): Promise<Session | undefined> {
    return this.move(id, 'approved', { status: 'active', startedAt: at, windowEndsAt: endsAt, updatedAt: at });
  }

  async revoke(id: string, by: Actor & { readonly at: string }): Promise<Session | undefined> {
    return this.move(id, 'active', { status: 'revoked', revokedBy: by, finishedAt: by.at, updatedAt: by.at });
  }

  async end(id: string, at: string): Promise<Session | undefined> {
    return this.move(id, 'active', { status: 'ended', finishedAt: at, updatedAt: at });
  }
}

export class InMemoryCatalog implements CatalogStore {
  readonly resourceItems = new CopiedTable<Resource>();
  readonly ruleItems = new CopiedTable<Rule>();

  constructor(resources: readonly Resource[] = [], rules: readonly Rule[] = []) {
    for (const resource of resources) this.resourceItems.write(resource.id, resource);
    for (const rule of rules) this.ruleItems.write(rule.name, rule);
  }

  async resource(id: string) {
    return this.resourceItems.read(id);
  }
  async resources() {
    return this.resourceItems.readAll();
  }
  async putResource(resource: Resource) {
    return this.resourceItems.write(resource.id, resource);
  }
  async rule(name: string) {
    return this.ruleItems.read(name);
  }
  async rules() {
    return this.ruleItems.readAll();
  }
  async createRule(rule: Rule) {
    if (this.ruleItems.has(rule.name)) throw new ConflictError(`A rule named "${rule.name}" already exists.`, 'rule_exists');
    this.ruleItems.write(rule.name, rule);
  }
  async replaceRule(rule: Rule) {
    return this.ruleItems.has(rule.name) ? this.ruleItems.write(rule.name, rule) : undefined;
  }
  async deleteRule(name: string) {
    return this.ruleItems.remove(name);
  }
}

/** Chains every stream as the event log does. */
export class InMemoryEventLog implements EventLog {
  readonly streams = new Map<string, AuditEvent[]>();

  /** Reads no head to save, so AppendOptions change nothing here. */
  async append(stream: string, event: NewEvent, _options?: AppendOptions): Promise<AuditEvent> {
    const events = this.streams.get(stream) ?? [];
    const chained = chainEvent(events.at(-1), { stream, ...copy(event) });
    this.streams.set(stream, [...events, chained]);
    return chained;
  }

  async list(stream: string): Promise<AuditEvent[]> {
    return copy(this.streams.get(stream) ?? []);
  }

  types(stream: string): string[] {
    return (this.streams.get(stream) ?? []).map((event) => event.type);
  }

  all(): AuditEvent[] {
    return [...this.streams.values()].flat();
  }
}

export class InMemoryResults implements ResultStore {
  readonly items = new CopiedTable<QueryResult>();
  readonly failures = new CopiedTable<SessionError>();
  async put(sessionId: string, result: QueryResult) {
    this.items.write(sessionId, result);
  }
  async get(sessionId: string) {
    return this.items.read(sessionId);
  }
  async putFailure(sessionId: string, failure: SessionError) {
    this.failures.write(sessionId, failure);
  }
  async failure(sessionId: string) {
    return this.failures.read(sessionId);
  }
}

/** Executions by session id; a resumed token is used up, as Step Functions refuses a second SendTask*. */
export class RecordingWorkflow implements Workflow {
  readonly started: string[] = [];
  /** The route each start was given, by session id. */
  readonly routes = new Map<string, Route | undefined>();
  readonly resumed: { token: string; outcome: ReviewOutcome }[] = [];
  private readonly used = new Set<string>();

  async start(sessionId: string, route?: Route) {
    this.started.push(sessionId);
    this.routes.set(sessionId, route);
  }
  async resume(token: string, outcome: ReviewOutcome) {
    if (this.used.has(token)) return false;
    this.used.add(token);
    this.resumed.push({ token, outcome });
    return true;
  }
}

export class ScriptedSql implements SqlRunner {
  readonly runs: { target: SqlTarget; sql: string; limits?: RunLimits }[] = [];
  constructor(private readonly answer: (sql: string) => QueryResult = () => ({ columns: [], rows: [], rowCount: 0, truncated: false })) {}
  async run(target: SqlTarget, sql: string, _maxRows?: number, _parameters?: unknown, limits?: RunLimits) {
    this.runs.push({ target, sql, ...(limits ? { limits } : {}) });
    return this.answer(sql);
  }
}

/** Answers every preview with `answer` (or throws `failWith`), and keeps what it was asked. */
export class ScriptedPreviewer implements CommandPreviewer {
  readonly parser = 'test-parser 1.0';
  readonly asked: { target: SqlTarget; command: string }[] = [];
  failWith: Error | undefined;
  constructor(public answer: Preview = { statements: [{ kind: 'write', tables: ['orders'], flags: [], rowsAffected: 10 }], rowsAffected: 10 }) {}
  async preview(target: SqlTarget, command: string) {
    this.asked.push({ target, command });
    if (this.failWith) throw this.failWith;
    return copy(this.answer);
  }
}

/** Draws each session it is told about; `failWith` makes every call throw (Slack down). */
export class RecordingNotifier implements Notifier {
  readonly requested: Session[] = [];
  readonly drawn: Session[] = [];
  failWith: Error | undefined;
  /** Runs while a review request is on its way (a decision taken meanwhile). */
  whilePosting: (() => Promise<void>) | undefined;

  async reviewRequested(session: Session) {
    if (this.failWith) throw this.failWith;
    await this.whilePosting?.();
    this.requested.push(copy(session));
    return { channel: 'CREVIEWS', ts: `${this.requested.length}.000` };
  }
  async sessionChanged(session: Session) {
    if (this.failWith) throw this.failWith;
    this.drawn.push(copy(session));
  }
}

/** Keeps the runs handed over, for the test to deliver (or look at); `failWith` refuses them, as a throttled Lambda Invoke would. */
export class RecordingRuns implements CommandRuns {
  readonly started: string[] = [];
  failWith: Error | undefined;
  async start(sessionId: string) {
    if (this.failWith) throw this.failWith;
    this.started.push(sessionId);
  }
}

/** Keeps jobs for the test to run (or look at); `failWith` refuses them, as a throttled Lambda Invoke would. */
export class RecordingQueue implements NotificationQueue {
  readonly jobs: NotificationJob[] = [];
  failWith: Error | undefined;
  async enqueue(job: NotificationJob) {
    if (this.failWith) throw this.failWith;
    this.jobs.push(copy(job));
  }
}

export class InMemoryDirectory implements DirectoryTable {
  readonly entries = new CopiedTable<Identity>();
  constructor(people: readonly Identity[] = []) {
    for (const person of people) this.entries.write(person.email, person);
  }
  async lookup(email: string) {
    return this.entries.read(email.toLowerCase());
  }
  async list() {
    return this.entries.readAll();
  }
  async put(entry: Identity) {
    return this.entries.write(entry.email, entry);
  }
  async remove(email: string) {
    return this.entries.remove(email);
  }
}

/** Slack as the click path sees it: profile emails by user id, modals opened, replies sent. */
export class FakeChat implements ChatGateway {
  readonly opened: { trigger: string; view: SlackView }[] = [];
  readonly updated: { viewId: string; view: SlackView; hash?: string }[] = [];
  readonly replies: { replyTo: string; text: string }[] = [];
  private readonly known = new Set<string>();

  constructor(private readonly emails: Readonly<Record<string, string>> = {}) {}

  async emailOf(userId: string) {
    this.known.add(userId);
    return this.emails[userId];
  }
  knowsEmailOf(userId: string) {
    return this.known.has(userId);
  }
  async openView(trigger: string, view: SlackView): Promise<OpenedView> {
    this.opened.push({ trigger, view });
    return { id: `V${this.opened.length}`, hash: `h${this.opened.length}` };
  }
  async updateView(viewId: string, view: SlackView, hash?: string) {
    this.updated.push({ viewId, view, ...(hash ? { hash } : {}) });
    return true;
  }
  async reply(replyTo: string, text: string) {
    this.replies.push({ replyTo, text });
  }
}

/** Keeps the operational log's entries for the test to read. */
export class RecordingLog implements Log {
  readonly entries: { level: 'info' | 'warn' | 'error'; message: string; details?: Record<string, unknown> }[] = [];
  info(message: string, details?: Record<string, unknown>) {
    this.entries.push({ level: 'info', message, ...(details ? { details } : {}) });
  }
  warn(message: string, details?: Record<string, unknown>) {
    this.entries.push({ level: 'warn', message, ...(details ? { details } : {}) });
  }
  error(message: string, details?: Record<string, unknown>) {
    this.entries.push({ level: 'error', message, ...(details ? { details } : {}) });
  }
}

/** Counts what the use cases count. */
export class RecordingMetrics implements SessionMetrics {
  readonly counts: SessionCount[] = [];
  readonly latencies: number[] = [];
  count(metric: SessionCount) {
    this.counts.push(metric);
  }
  approvalLatency(ms: number) {
    this.latencies.push(ms);
  }
}

/** A clock the test moves; starts at a fixed instant. */
export class ManualClock {
  private at: number;
  constructor(start = '2026-11-26T10:00:00.000Z') {
    this.at = Date.parse(start);
  }
  now() {
    return new Date(this.at);
  }
  advance(ms: number) {
    this.at += ms;
  }
}

export interface Fakes extends Deps {
  readonly sessions: InMemorySessionStore;
  readonly windows: InMemoryWindowStore;
  readonly catalog: InMemoryCatalog;
  readonly events: InMemoryEventLog;
  readonly results: InMemoryResults;
  readonly workflow: RecordingWorkflow;
  readonly runs: RecordingRuns;
  readonly sql: ScriptedSql;
  readonly previewer: ScriptedPreviewer;
  readonly notifier: RecordingNotifier;
  readonly notifications: RecordingQueue;
  readonly directory: InMemoryDirectory;
  readonly directoryTable?: InMemoryDirectory;
  readonly chat?: FakeChat;
  readonly clock: ManualClock;
  readonly log: RecordingLog;
  readonly metrics: RecordingMetrics;
}

/** Every port faked, with role groups `admins` and `auditors`; `cognito` leaves the directory table out. */
export function fakeDeps(options: { resources?: readonly Resource[]; rules?: readonly Rule[]; people?: readonly Identity[]; chat?: FakeChat; cognito?: boolean } = {}): Fakes {
  let ids = 0;
  const directory = new InMemoryDirectory(options.people);
  const sessions = new InMemorySessionStore();
  return {
    sessions,
    windows: new InMemoryWindowStore(sessions),
    catalog: new InMemoryCatalog(options.resources, options.rules),
    events: new InMemoryEventLog(),
    results: new InMemoryResults(),
    workflow: new RecordingWorkflow(),
    runs: new RecordingRuns(),
    sql: new ScriptedSql(),
    // The real parsers: pure computation in memory, so the use cases see what production sees.
    sqlClassifier: parserSqlClassifier,
    previewer: new ScriptedPreviewer(),
    notifier: new RecordingNotifier(),
    notifications: new RecordingQueue(),
    directory,
    ...(options.cognito ? {} : { directoryTable: directory }),
    ...(options.chat ? { chat: options.chat } : {}),
    clock: new ManualClock(),
    log: new RecordingLog(),
    metrics: new RecordingMetrics(),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    roles: { admins: 'admins', auditors: 'auditors' },
    maxRows: 100,
    runClaimSeconds: 100,
  };
}
