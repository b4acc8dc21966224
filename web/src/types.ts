/**
 * The API's response shapes as the browser reads them. The session and everything in it are the
 * server's own types (functions/domain/session-shape.ts), and the views around it are the API's own
 * (functions/app/api-views.ts), imported type-only so that neither the shape nor zod is bundled; the
 * statuses come from a module that imports nothing (test/web/bundle-sources.test.ts).
 */
export type { AuditEvent } from '../../functions/domain/audit-event';
export type { FollowUpItem, Me, QueryResult, ResourceView, ReviewItem, SessionView } from '../../functions/app/api-views';
export type { Actor, EventActor } from '../../functions/domain/identity';
export type { ResourceSummary } from '../../functions/domain/resource';
export type { Rule, RuleSnapshot, RuleSummary } from '../../functions/domain/rule';
export type { Approval, Denial, ResultSummary, Session, SessionStatus, SqlParameter } from '../../functions/domain/session-shape';
export { isFinal, SESSION_STATUSES as STATUSES } from '../../functions/domain/session-status';
