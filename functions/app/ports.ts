/**
 * The ports the use cases need, described in the product's words. Adapters in functions/adapters
 * implement them over DynamoDB, Step Functions, the RDS Data API and Slack; nothing here names AWS.
 */
import type { AuditEvent, EventActor } from '../domain/audit-chain';
import type { QueryResult } from './api-views';
import type { FollowUp } from '../domain/follow-up';
import type { Actor, Identity } from '../domain/identity';
import type { Preview } from '../domain/preview';
import type { Resource, ResourceSummary } from '../domain/resource';
import type { Rule } from '../domain/rule';
import type { Approval, Denial, ResultSummary, Session, SessionError, SessionStatus, SqlParameter } from '../domain/session';
import type { SqlStatement } from '../domain/sql-statements';
import type { SlackView } from '../domain/slack-message';
import type { Route } from '../domain/workflow-route';

export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string;
}

export interface SessionFilters {
  readonly status?: SessionStatus;
  readonly resource?: string;
  readonly requester?: string;
  readonly approver?: string;
  readonly forced?: boolean;
  readonly from?: string;
  readonly to?: string;
}

export type SessionScope =
  | { readonly kind: 'requester'; readonly sub: string }
  | { readonly kind: 'review_group'; readonly groups: readonly string[] }
  | { readonly kind: 'all' };

export interface ApprovalOutcome {
  /** The session after the write. */
  readonly session: Session;
  /** False when nothing was counted: this person had already approved, or the count was already met. */
  readonly counted: boolean;
}

export interface SessionStore {
  create(session: Session): Promise<void>;
  get(id: string): Promise<Session | undefined>;
  /** (Re)writes the inbox entries of a pending session; idempotent. */
  ensureReviewQueue(session: Session): Promise<void>;
  /**
   * Adds one distinct approver while the review is open and short of its count; throws ConflictError once it is closed.
   * `approvalsBefore` is the count the caller read, given when this approval would meet the requirement:
   * if the count is still that, the same write also closes the review as approved (the outcome's session
   * is `approved`). If another approval landed meanwhile, this one is counted or not as without it, and
   * whoever finds the count met closes the review with markApproved: of racing approvals, the one whose
   * write meets the count closes the review, and only once.
   */
  addApproval(id: string, approval: Approval, approvalsBefore?: number): Promise<ApprovalOutcome>;
  /** pending_review → approved, only once the approvals reach the requirement; undefined if another writer did it. */
  markApproved(id: string, at: string): Promise<Session | undefined>;
  /** pending_review → approved by a forced approval, opening its follow-up in the same write; throws ConflictError once the review is closed. */
  forceApprove(id: string, approval: Approval, followUp: FollowUp): Promise<Session>;
  /** Closes an open follow-up; undefined when it is not open (another approver closed it first: the first writer wins). */
  closeFollowUp(id: string, followUp: FollowUp): Promise<Session | undefined>;
  deny(id: string, denial: Denial): Promise<Session>;
  cancel(id: string, at: string): Promise<Session>;
  /** pending_review → expired unless enough approvals arrived; returns the session as it ends up. */
  expire(id: string, at: string): Promise<Session>;
  /**
   * Stores the preview of a session still pending review that has none yet; undefined otherwise. A
   * decision that closed the review first wins (the command then runs under the rule's ceiling alone),
   * and of two previews the first stored stays.
   */
  savePreview(id: string, preview: Preview, at: string): Promise<Session | undefined>;
  /** approved → running; undefined when the session is not approved (already ran, or never will). */
  startRunning(id: string, at: string): Promise<Session | undefined>;
  /** running → approved, for a transient failure that certainly did not run the statement. */
  returnToApproved(id: string): Promise<void>;
  /**
   * Ends a session: done only from running; failed from pending_review, approved or running. Undefined
   * when the session is already final (or, for done, not running): the first writer to end it wins.
   */
  finish(id: string, at: string, outcome: { status: 'done'; result: ResultSummary } | { status: 'failed'; error: SessionError }): Promise<Session | undefined>;
  saveTaskToken(id: string, token: string): Promise<void>;
  taskToken(id: string): Promise<string | undefined>;
  saveNotification(id: string, notification: Record<string, string>): Promise<void>;
  list(scope: SessionScope, filters: SessionFilters, limit: number, cursor?: string): Promise<Page<Session>>;
  pendingFor(groups: readonly string[], limit: number): Promise<Session[]>;
}

/**
 * The transitions of an access window (functions/domain/window.ts), on the same session records as
 * SessionStore. Each is one conditional write on the session's status, so of two racing writers the
 * first wins and the other gets undefined: a revoke and the window's end cannot both happen, and a
 * window opens once. Finding a person's windows goes through SessionStore.list.
 */
export interface WindowStore {
  /** approved window → active until `endsAt`; undefined when it is not an approved window (already open, or closed). */
  open(id: string, at: string, endsAt: string): Promise<Session | undefined>;
  /** active → revoked by `by`; undefined when it is no longer active (it ended, or another revoke won). */
  revoke(id: string, by: Actor & { readonly at: string }): Promise<Session | undefined>;
  /** active → ended; undefined when it is no longer active (a revoke came first and wins). */
  end(id: string, at: string): Promise<Session | undefined>;
}

export interface CatalogStore {
  resource(id: string): Promise<Resource | undefined>;
  resources(): Promise<Resource[]>;
  putResource(resource: Resource): Promise<Resource | undefined>;
  rule(name: string): Promise<Rule | undefined>;
  rules(): Promise<Rule[]>;
  /** Creates a rule; throws ConflictError when the name is taken. */
  createRule(rule: Rule): Promise<void>;
  /** Replaces a rule; returns the previous version, or undefined when there was none. */
  replaceRule(rule: Rule): Promise<Rule | undefined>;
  deleteRule(name: string): Promise<Rule | undefined>;
}

export interface NewEvent {
  readonly type: string;
  readonly actor: EventActor;
  readonly details: Record<string, unknown>;
  readonly at: string;
}

/** What the caller knows about the stream it appends to. */
export interface AppendOptions {
  /**
   * The caller has just created what the stream records (a new session, under an id nobody else has),
   * so the stream is expected to be empty: the event is chained as its first without reading the
   * head. Should the stream hold events after all, the conditional write loses and the head is read,
   * as for any writer that loses the race: the chain is the one a read would have built.
   */
  readonly newStream?: boolean;
}

export interface EventLog {
  append(stream: string, event: NewEvent, options?: AppendOptions): Promise<AuditEvent>;
  list(stream: string): Promise<AuditEvent[]>;
}

export type { QueryResult };

/** What the requester alone may read back about a run, kept a day and then gone. */
export interface ResultStore {
  put(sessionId: string, result: QueryResult): Promise<void>;
  get(sessionId: string): Promise<QueryResult | undefined>;
  /** The database's own words about a refused command: they may quote row data, so never the record's. */
  putFailure(sessionId: string, failure: SessionError): Promise<void>;
  failure(sessionId: string): Promise<SessionError | undefined>;
}

export interface SqlTarget {
  readonly type: 'postgres' | 'mysql';
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
}

export interface RunLimits {
  /** The most rows the command may change, all its statements together; more rolls it back. */
  readonly rowLimit?: number;
}

/**
 * Runs one governed command in its own transaction and commits it. A command of several statements
 * (a script) runs them in order in that one transaction: all or nothing. Contract, by outcome:
 * - resolves: the change is committed (exactly once) and these are its rows;
 * - RowLimitExceededError: the statements changed more rows than `limits.rowLimit`; rolled back, nothing applied;
 * - TransientDatabaseError: the command certainly never started; running it again is safe;
 * - SqlError: the database refused it or it failed before the commit; nothing was applied;
 * - OutcomeUnknownError: the commit was sent and its answer lost, or (on MySQL) a statement MySQL
 *   commits on its own was sent and its answer lost; it may or may not be applied, and running it
 *   again could apply it twice.
 * On MySQL a script holding a statement MySQL commits on its own is refused before anything is sent
 * (SqlError `mysql_ddl_in_script`): it could not run as one unit. A lone such statement that answered
 * resolves: it is applied, so neither the ceiling nor a failed commit can turn it into a rollback.
 * The runner never retries a statement or a commit itself (functions/domain/execution.ts).
 */
export interface SqlRunner {
  run(target: SqlTarget, sql: string, maxRows: number, parameters?: readonly SqlParameter[], limits?: RunLimits): Promise<QueryResult>;
}

/**
 * Works out what a command would do, at submission, without applying it. Contract: nothing it does is
 * ever committed (a dry run's transaction is always rolled back, whatever happens); rows never come
 * back, only counts, estimates and plans; when a part cannot be previewed safely it says why in
 * `skipped` instead of guessing. It never changes the command. It may throw for a failure of its own
 * (the database unreachable); the caller then records the preview as skipped.
 */
export interface CommandPreviewer {
  /** The parsers the classification comes from, with their versions, for the record. */
  readonly parser: string;
  preview(target: SqlTarget, command: string, parameters?: readonly SqlParameter[]): Promise<Preview>;
}

export type ReviewOutcome = { readonly decision: 'approve' | 'deny' | 'cancel' };

export interface Workflow {
  /**
   * Starts the session's workflow on the route its frozen policy decision gives (domain/workflow-route.ts),
   * so no Task has to look it up; without a route the workflow asks Evaluate. Starting twice with the
   * same route is one execution.
   */
  start(sessionId: string, route?: Route): Promise<void>;
  /** Resumes a waiting review; false when the wait had already ended (decided, expired or gone). */
  resume(token: string, outcome: ReviewOutcome): Promise<boolean>;
}

/**
 * Runs a command the policy approved at submission (no rule covers it) without the session workflow:
 * the run function executes and records it (functions/app/command-run.ts). Resolves once the run is
 * accepted, not when it ends. Delivery is at least once: a lost answer may hand the same session over
 * twice, and a run that fails is delivered again; the session store's claim (approved → running) is what
 * sends the command at most once, so two deliveries race only for that claim and the first one wins.
 * A run given up on (its retries spent, or too old) reaches the reconciler, which closes the session.
 */
export interface CommandRuns {
  start(sessionId: string): Promise<void>;
}

/** Tells people about sessions (Slack in production; the seam lets the workflow not care). */
export interface Notifier {
  reviewRequested(session: Session): Promise<Record<string, string> | undefined>;
  sessionChanged(session: Session, notification: Record<string, string> | undefined): Promise<void>;
}

/** Notification work done after the caller has answered (see functions/app/notifications.ts). */
export type NotificationJob =
  /** Post the review request (a retry: the workflow posts it first). */
  | { readonly kind: 'review'; readonly sessionId: string }
  /** Redraw the review message from the session as it is now, and tell the requester what they have not heard yet. */
  | { readonly kind: 'session'; readonly sessionId: string }
  /** Answer the person who clicked, visible to them alone. */
  | { readonly kind: 'reply'; readonly replyTo: string; readonly text: string }
  /** Turn a modal opened for someone who turned out not to be allowed into the explanation. */
  | { readonly kind: 'view'; readonly viewId: string; readonly hash?: string; readonly text: string }
  /** An Approve click Slack has had its acknowledgement for, to decide now (functions/app/slack-reviews.ts). */
  | ApproveClick;

/**
 * An Approve click, signature verified, handed over before anyone asked Slack who clicked: the
 * acknowledgement waits on no Slack call. `triggerId` and `deadline` (ms since the epoch, real time)
 * let a click that turns out to need the force-approval modal still open it while Slack accepts the trigger.
 */
export interface ApproveClick {
  readonly kind: 'approve_click';
  readonly sessionId: string;
  readonly slackUser: string;
  readonly triggerId: string;
  readonly deadline: number;
  readonly replyTo?: string;
}

/**
 * Runs notification work in the background: on AWS an asynchronous invocation of the notify Lambda,
 * which Lambda retries when it fails; in-process when no worker is configured.
 */
export interface NotificationQueue {
  enqueue(job: NotificationJob): Promise<void>;
}

/**
 * Remembers one-off notifications (a direct message per milestone), so retries and concurrent workers
 * send each once. A claim is in progress until it is completed; one never completed within its lease
 * (the worker stopped after claiming, e.g. a Lambda timeout) can be claimed again, so the message is
 * still sent. A completed claim is final.
 */
export interface NotificationLedger {
  /** True for the first caller, or for one that finds an earlier claim's lease run out; false otherwise. */
  claim(sessionId: string, key: string): Promise<boolean>;
  /** Marks the notification sent: no later claim succeeds. */
  complete(sessionId: string, key: string): Promise<void>;
  /** Gives a claim back after the send failed, so a retry sends it. */
  release(sessionId: string, key: string): Promise<void>;
  /**
   * The keys of this session's notifications already sent, read without a claim: a caller skips these
   * instead of claiming them again (a refused claim is a billed write). A hint, never the decision: a
   * key missing here may be sent meanwhile, and only its claim decides who sends; a claim in progress
   * is not sent, so one left by a stopped worker is still claimed and taken over.
   */
  sent(sessionId: string): Promise<ReadonlySet<string>>;
}

/**
 * Who a person is, found by email, for callers that arrive without a token (a Slack click). Answers
 * with the same sub, name and groups the API's token would carry, so a decision made in Slack and one
 * made in the web UI are the same person's.
 */
export interface Directory {
  lookup(email: string): Promise<Identity | undefined>;
}

/** The mapping-table directory, whose entries admins maintain through /directory/users. */
export interface DirectoryTable extends Directory {
  list(): Promise<Identity[]>;
  /** Creates or replaces an entry; returns the previous one. */
  put(entry: Identity): Promise<Identity | undefined>;
  remove(email: string): Promise<Identity | undefined>;
}

/** A modal as the chat platform opened it: its id, and the hash that guards a later update. */
export interface OpenedView {
  readonly id: string;
  readonly hash?: string;
}

/**
 * What the Slack interactions flow needs from Slack itself. Calls made while Slack waits for the
 * acknowledgement take a `deadline` (ms since the epoch, real time): past it they fail as timeouts
 * instead of holding the answer, whatever the per-call timeout.
 */
export interface ChatGateway {
  /** The email on a chat user's profile (Slack users.info), cached; undefined when the profile shows none. */
  emailOf(userId: string, deadline?: number): Promise<string | undefined>;
  /** True when emailOf would answer from its cache, without asking Slack. */
  knowsEmailOf(userId: string): boolean;
  /** Opens a modal for the person who clicked; Slack accepts the trigger for 3 seconds only. */
  openView(trigger: string, view: SlackView, deadline?: number): Promise<OpenedView>;
  /** Replaces an open modal; false when it is no longer open, or changed since `hash`. */
  updateView(viewId: string, view: SlackView, hash?: string): Promise<boolean>;
  /** Answers the person who clicked, visible to them alone. */
  reply(replyTo: string, text: string): Promise<void>;
}

/**
 * The function's operational log: what an operator reads to see why something did not happen. It is
 * not the audit trail (that is the EventLog). Details naming a `sessionId` are correlated by it.
 */
export interface Log {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

/** What is counted of sessions: the names CloudWatch, the stack's alarms and its dashboard use. */
export type SessionCount = 'SessionsRequested' | 'SessionsApproved' | 'SessionsDenied' | 'SessionsExpired' | 'SessionsForced';

/**
 * Session metrics for operators. A forced approval counts as SessionsForced and SessionsApproved;
 * ApprovalLatency is the time from the request to the approval that opened it, for reviewed sessions
 * only (a command no rule governs is approved at once and is not a review).
 */
export interface SessionMetrics {
  count(metric: SessionCount): void;
  approvalLatency(ms: number): void;
}

export interface Clock {
  now(): Date;
}

/**
 * What the engine's own parser reads in a command (functions/domain/sql-statements.ts). Contract: the
 * statements in order; text the parser cannot read is one `unreadableStatement()` (kind `other`,
 * flagged `unparsable`), never an exception; blank text is no statement. `parameterNames` are the
 * command's `:name` placeholders, read as bound values. Pure computation: no race to win.
 */
export interface SqlClassifier {
  classify(command: string, dialect: ResourceSummary['type'], parameterNames?: readonly string[]): Promise<SqlStatement[]>;
}

export interface Deps {
  readonly sessions: SessionStore;
  readonly windows: WindowStore;
  readonly catalog: CatalogStore;
  readonly events: EventLog;
  readonly results: ResultStore;
  readonly workflow: Workflow;
  readonly runs: CommandRuns;
  readonly sql: SqlRunner;
  readonly sqlClassifier: SqlClassifier;
  readonly previewer: CommandPreviewer;
  readonly notifier: Notifier;
  readonly notifications: NotificationQueue;
  /**
   * Who reviewers are and which groups they hold, for every decision path (functions/app/people.ts).
   * Absent where the API is the only path to a decision (no Slack): the token is then the one source.
   */
  readonly directory?: Directory;
  /** Present when the directory is the mapping table (not a Cognito user pool). */
  readonly directoryTable?: DirectoryTable;
  /** Present when Slack is configured. */
  readonly chat?: ChatGateway;
  readonly clock: Clock;
  readonly log: Log;
  readonly metrics: SessionMetrics;
  readonly newId: () => string;
  readonly roles: { readonly admins: string; readonly auditors: string };
  readonly maxRows: number;
  /** How long a running session's claim may belong to a run still at work (functions/domain/command-run.ts). */
  readonly runClaimSeconds: number;
}

export type { Identity };
