/**
 * Webhooks: registration (admins), listing (admins and auditors), and the two background steps that
 * carry recorded events out: dispatch (event log stream → one delivery job per subscribed webhook, and
 * the event bus) and delivery (one signed POST per attempt, retried with back-off, then the dead-letter
 * queue). Neither step runs on the path of a decision: a slow or failing receiver delays nothing but
 * its own deliveries. Registration and removal are recorded in the CONFIG chain, never the secret.
 */
import type { AuditEvent } from '../domain/audit-chain';
import { NotFoundError } from '../domain/errors';
import { actorOf, type Identity } from '../domain/identity';
import type { Session } from '../domain/session';
import {
  MAX_WEBHOOKS,
  parseWebhookRegistration,
  retryDelaySeconds,
  sessionView,
  type Webhook,
  type WebhookBody,
  webhookEventId,
  webhookSecret,
  webhookSignature,
  webhookTypeOf,
  windowEndReason,
} from '../domain/webhook';
import { InvalidInputError } from '../domain/errors';
import { assertAdmin, assertReader } from './access';
import { CONFIG_STREAM, recordConfigEvent } from './audit-trail';
import type { BusEvent, DeliveryAttempt, DeliveryJob, WebhookDeps } from './webhook-ports';

/** How many attempts `GET /webhooks/{id}/deliveries` lists, newest first. */
export const DELIVERY_LISTING_LIMIT = 100;

export async function registerWebhook(deps: WebhookDeps, who: Identity, body: unknown): Promise<{ id: string; secret: string; webhook: Webhook }> {
  assertAdmin(deps, who, 'webhooks');
  const registration = parseWebhookRegistration(body, deps.policy);
  if ((await deps.webhooks.list()).length >= MAX_WEBHOOKS) {
    throw new InvalidInputError(`url: at most ${MAX_WEBHOOKS} webhooks; delete one first`, { fields: ['url'] });
  }
  const webhook: Webhook = { id: deps.newId(), ...registration, createdAt: deps.clock.now().toISOString(), createdBy: who.email || who.sub };
  await deps.webhooks.create(webhook);
  await recordConfigEvent(deps, 'webhook.created', actorOf(who), { webhook: webhook.id, before: null, after: webhook });
  return { id: webhook.id, secret: webhookSecret(await deps.webhookKey(), webhook.id), webhook };
}

export async function listWebhooks(deps: WebhookDeps, who: Identity): Promise<Webhook[]> {
  assertReader(deps, who, 'webhooks');
  return (await deps.webhooks.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function deleteWebhook(deps: WebhookDeps, who: Identity, id: string): Promise<void> {
  assertAdmin(deps, who, 'webhooks');
  const before = await deps.webhooks.delete(id);
  if (!before) throw new NotFoundError(`Webhook "${id}" does not exist.`);
  await recordConfigEvent(deps, 'webhook.deleted', actorOf(who), { webhook: id, before, after: null });
}

export async function listDeliveries(deps: WebhookDeps, who: Identity, id: string): Promise<DeliveryAttempt[]> {
  assertReader(deps, who, 'webhook deliveries');
  if (!(await deps.webhooks.get(id))) throw new NotFoundError(`Webhook "${id}" does not exist.`);
  return deps.webhooks.attempts(id, DELIVERY_LISTING_LIMIT);
}

/** The body published for a recorded event, or undefined when the event is not published (or its session is gone). */
async function bodyOf(sessionOf: (id: string) => Promise<Session | undefined>, event: AuditEvent): Promise<WebhookBody | undefined> {
  const type = webhookTypeOf(event.type);
  if (!type) return undefined;
  if (type === 'rule.changed') {
    if (event.stream !== CONFIG_STREAM) return undefined;
    const details = event.details as { rule?: string; after?: unknown };
    const change = event.type === 'rule.created' ? 'created' : event.type === 'rule.deleted' ? 'deleted' : 'updated';
    return { type, at: event.at, rule: { name: String(details.rule), change, rule: details.after ?? null } };
  }
  if (!event.stream.startsWith('SESSION#')) return undefined;
  // The session as it stands when the event is sent: `type` says what happened, `session.status` where it is now.
  const session = await sessionOf(event.stream.slice('SESSION#'.length));
  const reason = windowEndReason(event.type);
  return session ? { type, at: event.at, ...(reason ? { reason } : {}), session: sessionView(session) } : undefined;
}

/**
 * Turns recorded events into delivery jobs for every webhook subscribed to their type, and puts them
 * on the event bus. Throws when the queue or the bus refuses, so the stream delivers the batch again
 * (jobs already queued may then be queued twice: receivers deduplicate on the event id).
 */
export async function dispatchRecordedEvents(deps: WebhookDeps, events: readonly AuditEvent[]): Promise<{ jobs: number; published: number }> {
  const publishable = events.filter((event) => webhookTypeOf(event.type));
  if (!publishable.length) return { jobs: 0, published: 0 };
  const webhooks = await deps.webhooks.list();
  // Without a bus, an event no webhook subscribes to needs no body, so its session is not read; a
  // session the batch has several events of is read once, as it stands when the batch is sent.
  const wanted = (event: AuditEvent) => !!deps.bus || webhooks.some((hook) => hook.events.includes(webhookTypeOf(event.type)!));
  const sessions = new Map<string, Promise<Session | undefined>>();
  const sessionOf = (id: string) => sessions.get(id) ?? sessions.set(id, deps.sessions.get(id)).get(id)!;
  const bodies: { eventId: string; body: WebhookBody }[] = [];
  for (const event of publishable.filter(wanted)) {
    const body = await bodyOf(sessionOf, event);
    if (body) bodies.push({ eventId: webhookEventId(event.stream, event.seq), body });
  }
  if (!bodies.length) return { jobs: 0, published: 0 };
  const jobs: DeliveryJob[] = bodies.flatMap(({ eventId, body }) => {
    const text = JSON.stringify(body);
    return webhooks.filter((hook) => hook.events.includes(body.type)).map((hook) => ({ webhookId: hook.id, eventId, type: body.type, body: text }));
  });
  if (jobs.length) await deps.queue.send(jobs);
  const published: BusEvent[] = bodies.map(({ body }) => ({ type: body.type, at: body.at, body: JSON.stringify(body) }));
  if (deps.bus) await deps.bus.publish(published);
  return { jobs: jobs.length, published: deps.bus ? published.length : 0 };
}

/** What the queue does with a job after an attempt. */
export type AttemptOutcome = { readonly next: 'done' } | { readonly next: 'retry'; readonly delaySeconds: number } | { readonly next: 'dead_letter' };

/**
 * Makes attempt `attempt` (1-based: the queue's receive count) of one job: signs the body with a fresh
 * timestamp, POSTs it, records the attempt on the webhook. A 2xx is delivered; any other answer or no
 * answer is retried after a doubling delay until `maxAttempts`, then the job goes to the dead-letter
 * queue. A refused target is recorded and dropped (no retry can make it allowed). A deleted webhook's
 * jobs are dropped.
 */
export async function deliverAttempt(deps: WebhookDeps, job: DeliveryJob, attempt: number): Promise<AttemptOutcome> {
  const webhook = await deps.webhooks.get(job.webhookId);
  if (!webhook) {
    deps.log.info('webhook delivery dropped: the webhook was deleted', { webhookId: job.webhookId, eventId: job.eventId });
    return { next: 'done' };
  }
  const now = deps.clock.now();
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const secret = webhookSecret(await deps.webhookKey(), webhook.id);
  const result = await deps.transport.post({
    url: webhook.url,
    body: job.body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'accessgate-webhooks/1',
      'x-accessgate-event-id': job.eventId,
      'x-accessgate-event-type': job.type,
      'x-accessgate-timestamp': timestamp,
      'x-accessgate-signature': webhookSignature(secret, timestamp, job.body),
    },
  });
  const delivered = 'status' in result && result.status >= 200 && result.status < 300;
  const refused = 'refused' in result && result.refused === true;
  const outcome: DeliveryAttempt['outcome'] = delivered ? 'delivered' : refused ? 'refused' : attempt >= deps.maxAttempts ? 'dead_lettered' : 'retrying';
  await deps.webhooks.recordAttempt(webhook.id, {
    at: now.toISOString(),
    attempt,
    eventId: job.eventId,
    type: job.type,
    ...('status' in result ? { status: result.status } : { error: result.error }),
    outcome,
  });
  if (outcome === 'delivered' || outcome === 'refused') return { next: 'done' };
  if (outcome === 'dead_lettered') {
    deps.log.warn('webhook delivery failed for good: to the dead-letter queue', { webhookId: webhook.id, eventId: job.eventId, attempt });
    return { next: 'dead_letter' };
  }
  return { next: 'retry', delaySeconds: retryDelaySeconds(attempt, deps.retryBaseSeconds) };
}
