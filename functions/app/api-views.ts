/**
 * What the API returns around a session, declared once for the use cases that build it and for the
 * two clients that read it (cli/lib/api.ts and web/src/types.ts `import type` it). Types only, over
 * domain modules the web UI may type-check: nothing here imports Node, zod's values or AWS.
 */
import type { AuditEvent } from '../domain/audit-event';
import type { Identity } from '../domain/identity';
import type { ResourceSummary } from '../domain/resource';
import type { RuleSummary } from '../domain/rule';
import type { Session, SessionError } from '../domain/session-shape';

/** A command's rows as the requester reads them back (kept a day). */
export interface QueryResult {
  readonly columns: { readonly name: string; readonly type: string }[];
  readonly rows: unknown[][];
  readonly rowCount: number;
  readonly truncated: boolean;
  readonly recordsUpdated?: number;
}

/** GET /sessions/{id}: the session, its audit events, and what only its requester reads back. */
export interface SessionView {
  readonly session: Session;
  readonly events: AuditEvent[];
  readonly result?: QueryResult;
  /** The database's full message for a refused command (session.error keeps only its SQLSTATE): requester only, for a day. */
  readonly databaseError?: SessionError;
}

/** One entry of GET /reviews: a session waiting for the caller's decision, and what the caller may do. */
export interface ReviewItem {
  readonly session: Session;
  readonly canApprove: boolean;
  readonly canForce: boolean;
  readonly approvedByYou: boolean;
}

/** An open break-glass follow-up the caller may close (GET /reviews?scope=follow-up). */
export interface FollowUpItem {
  readonly session: Session;
  readonly overdue: boolean;
}

/** GET /resources: a resource the caller may use, and the rule that governs it for them (null: none, runs at once). */
export interface ResourceView extends ResourceSummary {
  readonly rule: RuleSummary | null;
}

/** GET /me: who the API sees the caller as. */
export interface Me extends Identity {
  readonly isAdmin: boolean;
  readonly isAuditor: boolean;
  /** Where to wait on a session without holding a request (the WebSocket API); absent where there is none. */
  readonly socketUrl?: string;
}
