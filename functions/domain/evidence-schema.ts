/**
 * The documented event schema: every field an audit event may carry, per event type. It is the one
 * place that says what the evidence may hold, and `audit verify` checks every exported event against
 * it, so a field added without being documented here (a database error text, a row, a secret) is
 * caught by the auditor's own tool. docs/audit-evidence.md lists the same table for auditors.
 *
 * A field is either `VALUE` (any JSON value the field's description allows: text, number, list) or
 * an object naming the only fields it may have. Configuration snapshots (`before`, `after`) are
 * `VALUE`: they are the rule, resource or directory entry itself, whose fields are the configuration.
 * The nested objects are checked against their domain types at compile time (`satisfies`): a field
 * added to an approval, a denial, a result or an error does not compile until it is documented here.
 */
import type { Actor } from './identity';
import type { ResourceSummary } from './resource';
import type { Approval, Denial, ResultSummary, SessionError } from './session';

export const VALUE = 'value';
export type FieldSchema = typeof VALUE | { readonly [field: string]: FieldSchema };
type ObjectSchema = { readonly [field: string]: FieldSchema };

/** The fields of every event, whatever its type. */
export const EVENT_FIELDS: ObjectSchema = {
  stream: VALUE, seq: VALUE, at: VALUE, type: VALUE, actor: VALUE, details: VALUE, prev: VALUE, hash: VALUE,
};

/** Who did it: a person (from the identity provider) or a part of accessgate. */
export const PERSON = { sub: VALUE, email: VALUE, name: VALUE } as const satisfies Record<keyof Actor, FieldSchema>;
export const SYSTEM_ACTOR: ObjectSchema = { system: VALUE };

const approval = { ...PERSON, at: VALUE, via: VALUE, forced: VALUE, reason: VALUE, step: VALUE } as const satisfies Record<keyof Approval, FieldSchema>;
const denial = { ...PERSON, at: VALUE, via: VALUE, reason: VALUE } as const satisfies Record<keyof Denial, FieldSchema>;
/** An error as recorded: a code and a message that holds no data from the database. */
const error = { code: VALUE, message: VALUE } as const satisfies Record<keyof SessionError, FieldSchema>;
const result = { rowCount: VALUE, durationMs: VALUE, truncated: VALUE, recordsUpdated: VALUE } as const satisfies Record<keyof ResultSummary, FieldSchema>;
const resource = { id: VALUE, name: VALUE, type: VALUE, database: VALUE } as const satisfies Record<keyof ResourceSummary, FieldSchema>;
const snapshot = { before: VALUE, after: VALUE, source: VALUE } as const;

/** The `details` each event type may carry. An event type not in this table is itself undocumented. */
export const EVENT_DETAILS: Readonly<Record<string, ObjectSchema>> = {
  'session.requested': {
    requesterGroups: VALUE,
    resource,
    command: VALUE,
    parameters: VALUE,
    commandSha256: VALUE,
    reason: VALUE,
    rule: VALUE,
    approvalsRequired: VALUE,
    /** The rule's approval steps and whether they are approved in order, when it has steps. */
    approvalSteps: VALUE,
    ordered: VALUE,
    /** The format the reason was checked against, and the reviewers' link built from it (docs/policies.md). */
    reasonPattern: VALUE,
    reasonLink: VALUE,
    status: VALUE,
    /** An access window's request: `kind` "window" and its length (functions/domain/window.ts). */
    kind: VALUE,
    durationSeconds: VALUE,
    /** A command approved by an active window: that window's session id. */
    grant: VALUE,
  },
  /** What the command will do, worked out before the review (functions/app/preview.ts): counts and classification, never rows. */
  'session.previewed': { parser: VALUE, statements: VALUE, rowsAffected: VALUE, rowLimit: VALUE, skipped: VALUE },
  'review.requested': { approvalGroups: VALUE, forceApprovalGroups: VALUE, expiresAt: VALUE, notification: VALUE },
  'review.approved': { approval, approvals: VALUE, required: VALUE },
  'review.forced': { approval, followUp: VALUE },
  /** A break-glass follow-up closed: `{status: acknowledged | flagged, dueAt, closedBy, closedAt, note}`. */
  'follow_up.closed': { followUp: VALUE },
  /** An overdue follow-up's one reminder to the rule's approvers' channel: the follow-up, and where the reminder was posted. */
  'follow_up.reminded': { followUp: VALUE, notification: VALUE },
  'review.denied': { denial },
  'session.approved': { forced: VALUE, approvals: VALUE, approvers: VALUE },
  /** A rule's `autoApprove` let the command skip review: `statements` is the parser's classification (kind, tables, flags each). */
  'session.auto_approved': { autoApprove: VALUE, rule: VALUE, statements: VALUE },
  'session.running': { commandSha256: VALUE },
  'execution.retrying': { error: VALUE },
  'session.done': { result },
  /** `execution`: how the workflow run ended when the reconciler closed the session (its status and error name). */
  'session.failed': { error, execution: { status: VALUE, error: VALUE } },
  'session.expired': { expiresAt: VALUE, approvals: VALUE },
  'session.cancelled': {},
  'window.active': { windowEndsAt: VALUE, durationSeconds: VALUE },
  'window.ended': { windowEndsAt: VALUE },
  'window.revoked': { windowEndsAt: VALUE },
  'notification.failed': { work: VALUE, error: VALUE, code: VALUE, status: VALUE },
  'rule.created': { rule: VALUE, ...snapshot },
  'rule.updated': { rule: VALUE, ...snapshot },
  'rule.deleted': { rule: VALUE, ...snapshot },
  'resource.created': { resource: VALUE, ...snapshot },
  'resource.updated': { resource: VALUE, ...snapshot },
  'directory.user_created': { email: VALUE, ...snapshot },
  'directory.user_updated': { email: VALUE, ...snapshot },
  'directory.user_deleted': { email: VALUE, ...snapshot },
  /** A webhook registered or removed: its id, url and event types (`before`/`after`); its secret is never recorded. */
  'webhook.created': { webhook: VALUE, ...snapshot },
  'webhook.deleted': { webhook: VALUE, ...snapshot },
  'security.review_refused': { sessionId: VALUE, code: VALUE, decision: VALUE, force: VALUE, via: VALUE, groups: VALUE, slackUser: VALUE },
  /** A command refused at submission by its rule's guardrail; no session was created, nothing ran. */
  'security.guardrail_refused': {
    resource: VALUE, rule: VALUE, guardrail: VALUE, command: VALUE, parameters: VALUE, commandSha256: VALUE, reason: VALUE, statements: VALUE,
  },
  'security.audit_access_refused': { what: VALUE, groups: VALUE, stream: VALUE, key: VALUE },
  'security.slack_signature_rejected': { reason: VALUE, sourceIp: VALUE, timestamp: VALUE, unrecorded: VALUE },
};

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/** Dotted paths of the fields in `value` that `schema` does not document (an object where a value is allowed is fine). */
function extraFields(value: unknown, schema: ObjectSchema, path: string, found: string[] = []): string[] {
  if (!isObject(value)) return found;
  for (const field in value) {
    if (!Object.hasOwn(value, field)) continue;
    const inner = Object.hasOwn(schema, field) ? schema[field] : undefined;
    if (inner === undefined) found.push(`${path}${field}`);
    else if (inner !== VALUE) extraFields(value[field], inner, `${path}${field}.`, found);
  }
  return found;
}

/**
 * What in an event the documented schema does not allow: an undocumented type, or the dotted path of
 * each undocumented field. Empty when the event keeps to the schema.
 */
export function undocumentedFields(event: { readonly type?: unknown; readonly actor?: unknown; readonly details?: unknown }): string[] {
  const found = extraFields(event, EVENT_FIELDS, '');
  const actor = isObject(event.actor) && Object.hasOwn(event.actor, 'system') ? SYSTEM_ACTOR : PERSON;
  found.push(...extraFields(event.actor, actor, 'actor.'));
  const details = typeof event.type === 'string' && Object.hasOwn(EVENT_DETAILS, event.type) ? EVENT_DETAILS[event.type] : undefined;
  if (!details) return [...found, `type ${JSON.stringify(event.type)}`];
  return [...found, ...extraFields(event.details, details, 'details.')];
}
