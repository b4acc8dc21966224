/**
 * The API's response shapes as the browser reads them. They are still written by hand rather than
 * imported from functions/domain/session.ts, which imports node:crypto and zod and so cannot be type-
 * checked by the web project (no Node types); fields a server may omit are optional, and pages show
 * what is present.
 */

export const STATUSES = ['pending_review', 'approved', 'running', 'done', 'failed', 'denied', 'expired', 'cancelled', 'active', 'ended', 'revoked'] as const;
export type SessionStatus = (typeof STATUSES)[number];
export const FINAL_STATUSES: readonly string[] = ['done', 'failed', 'denied', 'expired', 'cancelled', 'ended', 'revoked'];
export const isFinal = (status: string): boolean => FINAL_STATUSES.includes(status);

export interface Actor {
  readonly sub?: string;
  readonly email?: string;
  readonly name?: string;
  /** System actors (the workflow, the notifier) have a name instead of a person. */
  readonly system?: string;
}

export interface Approval extends Actor {
  readonly at: string;
  readonly via?: string;
  readonly forced?: boolean;
  readonly reason?: string;
  readonly step?: number;
}

export interface Denial extends Actor {
  readonly at: string;
  readonly via?: string;
  readonly reason?: string;
}

export interface RuleSnapshot {
  readonly name: string;
  readonly approvalGroups: readonly string[];
  readonly forceApprovalGroups?: readonly string[];
  readonly approvalsRequired: number;
  /** Approvals from several groups at once; each approval counts toward one step (`Approval.step`). */
  readonly approvalSteps?: readonly { readonly groups: readonly string[]; readonly approvals: number }[];
  readonly ordered?: boolean;
  readonly reasonPattern?: string;
  readonly reasonLink?: string;
  readonly reviewTimeoutSeconds?: number;
  readonly reasonRequired?: boolean;
  readonly slackChannel?: string;
}

export interface ResourceSummary {
  readonly id: string;
  readonly name?: string;
  readonly type?: string;
  readonly database?: string;
}

export interface ResultSummary {
  readonly rowCount: number;
  readonly durationMs: number;
  readonly truncated: boolean;
  readonly recordsUpdated?: number;
}

/** A bound parameter, in the RDS Data API's shape (sessions submitted through the CLI gateway carry them). */
export interface SqlParameter {
  readonly name: string;
  readonly value: Readonly<Record<string, unknown>>;
  readonly typeHint?: string;
}

export interface Session {
  readonly id: string;
  readonly status: SessionStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requester: Actor & { readonly groups?: readonly string[] };
  readonly resource: ResourceSummary;
  readonly command: string;
  readonly parameters?: readonly SqlParameter[];
  readonly commandSha256?: string;
  readonly reason?: string;
  readonly rule?: RuleSnapshot;
  readonly approvalsRequired: number;
  readonly approvals: readonly Approval[];
  readonly forced?: boolean;
  readonly denial?: Denial;
  readonly expiresAt?: string;
  readonly decidedAt?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly result?: ResultSummary;
  readonly error?: { readonly code?: string; readonly message: string };
  /** Where the review request was posted (Slack channel and message ts). */
  readonly notification?: Readonly<Record<string, string>>;
  /** An access window (docs/policies.md#access-windows): no command, a length, and its end once active. */
  readonly kind?: 'window';
  readonly durationSeconds?: number;
  readonly windowEndsAt?: string;
  readonly revokedBy?: Actor & { readonly at: string };
  /** On a command run without review: the active window that granted it. */
  readonly grant?: string;
}

export interface AuditEvent {
  readonly stream?: string;
  readonly seq?: number;
  readonly at: string;
  readonly type: string;
  readonly actor: Actor;
  readonly details: Readonly<Record<string, unknown>>;
  readonly prev?: string;
  readonly hash?: string;
}

export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type?: string }[];
  readonly rows: readonly (readonly unknown[])[];
  readonly rowCount: number;
  readonly truncated: boolean;
  readonly recordsUpdated?: number;
}

export interface SessionView {
  readonly session: Session;
  readonly events?: readonly AuditEvent[];
  readonly result?: QueryResult;
  /** The database's own message for a failed command; sent to the requester only, for a day. */
  readonly databaseError?: { readonly code: string; readonly message: string };
}

export interface Me {
  readonly sub: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly isAdmin?: boolean;
  readonly isAuditor?: boolean;
  /** Where to wait on a session without holding a request (the WebSocket API); absent where there is none. */
  readonly socketUrl?: string;
}

export interface ResourceRule {
  readonly name: string;
  readonly approvalGroups: readonly string[];
  readonly approvalsRequired: number;
  readonly forceApprovalGroups?: readonly string[];
  readonly reasonRequired?: boolean;
  readonly reviewTimeoutSeconds?: number;
  /** Present: the rule allows access windows of at most this many seconds. */
  readonly maxWindowSeconds?: number;
}

export interface ResourceView extends ResourceSummary {
  readonly rule: ResourceRule | null;
}

export interface ReviewItem {
  readonly session: Session;
  readonly canApprove: boolean;
  readonly canForce: boolean;
  readonly approvedByYou: boolean;
}

export interface Rule {
  readonly name: string;
  readonly description?: string;
  readonly mode?: string;
  readonly resources: readonly string[];
  readonly requesterGroups?: readonly string[];
  readonly approvalGroups: readonly string[];
  readonly approvalsRequired: number;
  readonly forceApprovalGroups?: readonly string[];
  readonly reviewTimeoutSeconds?: number;
  readonly reasonRequired?: boolean;
  readonly slackChannel?: string;
  /** Commands refused at submission: ddl, drop, truncate, delete-without-where, update-without-where, privilege, multi-statement. */
  readonly guardrails?: { readonly deny: readonly string[] };
  /** `read-only`: commands the parser proves read-only run without review. */
  readonly autoApprove?: 'read-only';
}
