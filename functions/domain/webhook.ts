/**
 * Webhooks: what an admin registers, which recorded events are published and what a receiver gets.
 * Pure: the use cases (functions/app/webhooks.ts) store, dispatch and deliver.
 *
 * An event is published because it was recorded: the dispatcher reads the event log's stream and
 * turns each audit event `webhookEventOf` maps into one webhook event. So whoever records an event
 * of a published type in a session's stream (recordSessionEvent with `window.active`, say) has
 * published it; nothing else needs calling, and nothing is published that was not recorded.
 */
import { createHash, createHmac } from 'node:crypto';
import * as z from './zod';
import { InvalidInputError } from './errors';
import type { Session } from './session';
import { refuseWebhookUrl, type WebhookTargetPolicy } from './webhook-address';

export const WEBHOOK_EVENT_TYPES = [
  'session.requested',
  'session.approved',
  'session.denied',
  'session.expired',
  'session.done',
  'session.failed',
  'session.forced',
  'window.active',
  'window.ended',
  'rule.changed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Audit event types published under another name; every published type not listed maps to itself. */
const RENAMED: Readonly<Record<string, WebhookEventType>> = {
  'review.denied': 'session.denied',
  'review.forced': 'session.forced',
  // A revoked window has ended too: the body's `reason` says `revoked` (windowEndReason).
  'window.revoked': 'window.ended',
  'rule.created': 'rule.changed',
  'rule.updated': 'rule.changed',
  'rule.deleted': 'rule.changed',
};

/** The webhook event an audit event type publishes, if any. `session.denied` is never recorded itself (review.denied is). */
export function webhookTypeOf(auditType: string): WebhookEventType | undefined {
  if (Object.hasOwn(RENAMED, auditType)) return RENAMED[auditType];
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(auditType) && auditType !== 'rule.changed' ? (auditType as WebhookEventType) : undefined;
}

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOKS = 50;

const registrationSchema = z.strictObject({
  url: z.string().check(z.minLength(1), z.maxLength(MAX_WEBHOOK_URL_LENGTH)),
  events: z.array(z.string()).check(z.minLength(1, 'name at least one event type'), z.maxLength(WEBHOOK_EVENT_TYPES.length * 2)),
});

export interface WebhookRegistration {
  readonly url: string;
  readonly events: readonly WebhookEventType[];
}

/**
 * Validates a registration; a 400 names the field: `url` (with the reason the target is refused) or
 * `events[i]` for an event type that does not exist.
 */
const fieldPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '');

export function parseWebhookRegistration(body: unknown, policy: WebhookTargetPolicy): WebhookRegistration {
  const parsed = registrationSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
    throw new InvalidInputError(`Invalid webhook: ${problems.map(({ field, message }) => (field ? `${field}: ${message}` : message)).join('; ')}`, {
      fields: [...new Set(problems.map(({ field }) => field))],
    });
  }
  const { url, events } = parsed.data;
  const unknown = events.findIndex((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown >= 0) {
    throw new InvalidInputError(`events[${unknown}]: unknown event type ${JSON.stringify(events[unknown])}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`, {
      fields: [`events[${unknown}]`],
    });
  }
  const refused = refuseWebhookUrl(url, policy);
  if (refused) throw new InvalidInputError(`url: refused as a webhook target: ${refused}`, { fields: ['url'] });
  return { url, events: [...new Set(events as WebhookEventType[])] };
}

/** A registered webhook as stored and listed: never its secret. */
export interface Webhook extends WebhookRegistration {
  readonly id: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/**
 * The webhook's signing secret, derived from the deployment's webhook key and the webhook's id: no
 * table holds it. Shown once, at registration; the deliverer derives it again for every attempt.
 */
export const webhookSecret = (webhookKey: string, webhookId: string): string =>
  `whsec_${createHmac('sha256', webhookKey).update(`accessgate webhook secret v1:${webhookId}`).digest('base64url')}`;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, keyed with the webhook's secret. */
export const webhookSignature = (secret: string, timestamp: string, body: string): string =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/**
 * What a receiver learns of a session: who asked for what, where, and how it was decided and ended.
 * Never rows, never the database's error text (only its code), never bound parameter values (only
 * how many), never where the review message was posted.
 */
export function sessionView(session: Session) {
  return {
    id: session.id,
    status: session.status,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    requester: { sub: session.requester.sub, email: session.requester.email, name: session.requester.name },
    resource: session.resource,
    command: session.command,
    commandSha256: session.commandSha256,
    parameterCount: session.parameters?.length ?? 0,
    ...(session.reason !== undefined ? { reason: session.reason } : {}),
    rule: session.rule?.name ?? null,
    approvalsRequired: session.approvalsRequired,
    approvals: session.approvals.map(({ sub, email, name, at, via, forced }) => ({ sub, email, name, at, via, forced })),
    forced: session.forced,
    ...(session.denial ? { denial: { sub: session.denial.sub, email: session.denial.email, name: session.denial.name, at: session.denial.at, via: session.denial.via } } : {}),
    ...(session.expiresAt ? { expiresAt: session.expiresAt } : {}),
    ...(session.decidedAt ? { decidedAt: session.decidedAt } : {}),
    ...(session.finishedAt ? { finishedAt: session.finishedAt } : {}),
    ...(session.result ? { result: { rowCount: session.result.rowCount, truncated: session.result.truncated, durationMs: session.result.durationMs, ...(session.result.recordsUpdated !== undefined ? { recordsUpdated: session.result.recordsUpdated } : {}) } } : {}),
    ...(session.error ? { error: { code: session.error.code } } : {}),
    // An access window: how long, until when, who revoked it; a command run inside one names it.
    ...(session.kind ? { kind: session.kind } : {}),
    ...(session.durationSeconds !== undefined ? { durationSeconds: session.durationSeconds } : {}),
    ...(session.windowEndsAt ? { windowEndsAt: session.windowEndsAt } : {}),
    ...(session.revokedBy ? { revokedBy: { sub: session.revokedBy.sub, email: session.revokedBy.email, name: session.revokedBy.name, at: session.revokedBy.at } } : {}),
    ...(session.grant ? { grant: session.grant } : {}),
  };
}
export type SessionView = ReturnType<typeof sessionView>;

/** What a receiver learns of a rule change: which rule, how it changed, and the rule as it now stands (null once deleted). */
export interface RuleChange {
  readonly name: string;
  readonly change: 'created' | 'updated' | 'deleted';
  readonly rule: unknown;
}

/**
 * Why a window ended, for `window.ended`: `revoked` (POST /sessions/{id}/revoke) or `elapsed` (its
 * `windowEndsAt` came). Read from the recorded event, not from the session as it is when sent.
 */
export type WindowEndReason = 'revoked' | 'elapsed';
export const windowEndReason = (auditType: string): WindowEndReason | undefined =>
  auditType === 'window.revoked' ? 'revoked' : auditType === 'window.ended' ? 'elapsed' : undefined;

/** The JSON body every receiver gets: `{ type, at, session }` (`window.ended` adds `reason`) or `{ type, at, rule }`. */
export type WebhookBody =
  | { readonly type: WebhookEventType; readonly at: string; readonly reason?: WindowEndReason; readonly session: SessionView }
  | { readonly type: 'rule.changed'; readonly at: string; readonly rule: RuleChange };

/** A stable id per recorded event (its stream and sequence number): the same in every retry and every duplicate. */
export const webhookEventId = (stream: string, seq: number): string => createHash('sha256').update(`${stream}#${seq}`).digest('hex').slice(0, 32);

/**
 * Seconds before attempt `attempt + 1` after attempt `attempt` failed: doubling from `baseSeconds`,
 * capped at 15 minutes.
 */
export const retryDelaySeconds = (attempt: number, baseSeconds: number): number => Math.min(900, baseSeconds * 2 ** Math.max(0, attempt - 1));
