/**
 * The API's response shapes as the browser reads them. The session and everything in it are the
 * server's own types (functions/domain/session-shape.ts), imported type-only so that neither the shape
 * nor zod is bundled; the statuses come from a module that imports nothing
 * (test/web/bundle-sources.test.ts). What remains here are the API's views around a session, whose
 * server types live in modules that import Node.
 */
import type { EventActor } from '../../functions/domain/identity';
import type { ResourceSummary } from '../../functions/domain/resource';
import type { Session } from '../../functions/domain/session-shape';

export type { Actor, EventActor } from '../../functions/domain/identity';
export type { ResourceSummary };
export type { RuleSnapshot } from '../../functions/domain/rule';
export type { Approval, Denial, ResultSummary, Session, SessionStatus, SqlParameter } from '../../functions/domain/session-shape';
export { isFinal, SESSION_STATUSES as STATUSES } from '../../functions/domain/session-status';

export interface AuditEvent {
  readonly stream?: string;
  readonly seq?: number;
  readonly at: string;
  readonly type: string;
  readonly actor: EventActor;
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

/** The rule that governs a resource for the caller, as GET /resources summarises it (functions/app/catalog.ts). */
export type ResourceRule = Pick<Rule, 'name' | 'approvalGroups' | 'approvalsRequired' | 'forceApprovalGroups' | 'reasonRequired' | 'reviewTimeoutSeconds'> & {
  /** Present: the rule allows access windows of at most this many seconds. */
  readonly maxWindowSeconds?: number;
};

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
