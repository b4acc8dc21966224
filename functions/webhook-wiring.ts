/**
 * The composition root of the webhook functions (the webhooks API, the dispatcher on the event log's
 * stream, the deliverer on the delivery queue), beside wiring.ts and built on the same composition,
 * once per composition at first use, from its settings. On AWS the queue is SQS and the bus
 * EventBridge; the local runtime puts its queue stand-in in the composition it builds and configures
 * no bus. The target policy comes from WEBHOOK_TARGETS; nothing here knows which runtime it is on.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsDeliveryQueue } from './adapters/delivery-queue';
import { EventBridgeBus } from './adapters/event-bus';
import { traced } from './adapters/tracing';
import { DynamoWebhookStore } from './adapters/webhook-store';
import { HttpWebhookTransport } from './adapters/webhook-transport';
import type { DeliveryQueue, WebhookDeps } from './app/webhook-ports';
import { loadWebhookSettings, type WebhookSettings } from './config';
import { type Composition, perComposition } from './wiring';

export interface WebhookAdapters {
  readonly queue: DeliveryQueue;
}

/** The webhook functions' dependencies on a composition; reads no environment. */
export function buildWebhookDeps(settings: WebhookSettings, base: Composition): WebhookDeps {
  const missing = (name: string) => new Error(`accessgate webhooks are misconfigured: ${name} is not set for this function`);
  let queue = base.webhookAdapters?.queue;
  const { sessions, events, clock, log, roles, newId } = base.deps;
  return {
    sessions,
    events,
    clock,
    log,
    roles,
    newId,
    webhooks: new DynamoWebhookStore(base.clients.dynamo, base.config.SESSIONS_TABLE),
    // Built at first use: only the dispatcher sends and only the deliverer retries.
    get queue() {
      if (!queue && !settings.WEBHOOK_QUEUE_URL) throw missing('WEBHOOK_QUEUE_URL');
      return (queue ??= new SqsDeliveryQueue(traced(new SQSClient({})), settings.WEBHOOK_QUEUE_URL!));
    },
    transport: new HttpWebhookTransport(settings.WEBHOOK_TARGETS, settings.WEBHOOK_TIMEOUT_MS),
    ...(settings.EVENT_BUS_NAME ? { bus: new EventBridgeBus(traced(new EventBridgeClient({})), settings.EVENT_BUS_NAME) } : {}),
    policy: settings.WEBHOOK_TARGETS,
    webhookKey: async () => {
      if (settings.WEBHOOK_KEY) return settings.WEBHOOK_KEY;
      if (!settings.WEBHOOK_KEY_SECRET_ARN) throw missing('WEBHOOK_KEY_SECRET_ARN (or WEBHOOK_KEY)');
      const key = await base.secrets.string(settings.WEBHOOK_KEY_SECRET_ARN);
      if (key.length < 32) throw new Error('accessgate webhooks are misconfigured: the secret WEBHOOK_KEY_SECRET_ARN names holds fewer than 32 characters');
      return key;
    },
    maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS,
    retryBaseSeconds: settings.WEBHOOK_RETRY_SECONDS,
  };
}

/** The webhook functions' dependencies for the invocation in progress. */
export const webhookDeps: () => WebhookDeps = perComposition((current) => buildWebhookDeps(loadWebhookSettings(current.environment), current));
