/**
 * The ports of the webhook use cases (functions/app/webhooks.ts). Adapters: DynamoDB for the store,
 * SQS (a local stand-in on the local runtime) for the delivery queue, HTTP for the transport,
 * EventBridge for the bus. Nothing here names AWS.
 */
import type { WebhookTargetPolicy } from '../domain/webhook-address';
import type { Webhook, WebhookEventType } from '../domain/webhook';
import type { Deps } from './ports';

/** One attempt to deliver one event to one webhook, as `GET /webhooks/{id}/deliveries` lists it. */
export interface DeliveryAttempt {
  readonly at: string;
  readonly attempt: number;
  readonly eventId: string;
  readonly type: WebhookEventType;
  /** The receiver's HTTP status, when it answered. */
  readonly status?: number;
  /** Why no answer counted: refused address, timeout, connection error (never the receiver's body). */
  readonly error?: string;
  /** delivered (2xx); retrying (another attempt follows); dead_lettered (no attempt follows; the job went to the dead-letter queue); refused (the target is not allowed, never retried). */
  readonly outcome: 'delivered' | 'retrying' | 'dead_lettered' | 'refused';
}

/**
 * Registered webhooks and their delivery attempts. Ids are random, so two registrations never race
 * for one; a delivery recorded after its webhook was deleted is kept with it and listed nowhere.
 */
export interface WebhookStore {
  create(webhook: Webhook): Promise<void>;
  get(id: string): Promise<Webhook | undefined>;
  list(): Promise<Webhook[]>;
  /** Returns the webhook removed, or undefined when there was none (the first of two deletes wins). */
  delete(id: string): Promise<Webhook | undefined>;
  recordAttempt(webhookId: string, attempt: DeliveryAttempt): Promise<void>;
  /** Newest first, at most `limit`. */
  attempts(webhookId: string, limit: number): Promise<DeliveryAttempt[]>;
}

/** What the delivery queue carries: one event's body for one webhook, signed afresh at each attempt. */
export interface DeliveryJob {
  readonly webhookId: string;
  readonly eventId: string;
  readonly type: WebhookEventType;
  /** The exact JSON body every attempt sends and signs. */
  readonly body: string;
}

/**
 * Holds delivery jobs until they are delivered. A job whose attempt fails comes back after the delay
 * asked for; after the configured number of receives it moves to the dead-letter queue instead
 * (SQS redrive: maxReceiveCount). Delivery is at least once: a job may arrive twice.
 */
export interface DeliveryQueue {
  send(jobs: readonly DeliveryJob[]): Promise<void>;
  /** The received job `receipt` becomes visible again in `delaySeconds`, for its next attempt. */
  retryAfter(receipt: string, delaySeconds: number): Promise<void>;
}

export interface TransportRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** An answer, or why there was none; `refused` when the target's resolved address is not allowed. */
export type TransportResult = { readonly status: number } | { readonly error: string; readonly refused?: boolean };

/**
 * POSTs one request. Resolves the target's name, refuses it unless every resolved address is allowed
 * by the policy, and connects to the address it checked (no second resolution). Never follows
 * redirects; never throws for the receiver's failures.
 */
export interface WebhookTransport {
  post(request: TransportRequest): Promise<TransportResult>;
}

/** A published event for other tools (an EventBridge bus on AWS). */
export interface BusEvent {
  readonly type: WebhookEventType;
  readonly at: string;
  readonly body: string;
}

/** Puts events on the bus; throws unless every one was accepted. */
export interface EventBus {
  publish(events: readonly BusEvent[]): Promise<void>;
}

export interface WebhookDeps extends Pick<Deps, 'sessions' | 'events' | 'clock' | 'log' | 'roles' | 'newId'> {
  readonly webhooks: WebhookStore;
  readonly queue: DeliveryQueue;
  readonly transport: WebhookTransport;
  /** Absent where no bus is configured (the local runtime). */
  readonly bus?: EventBus;
  readonly policy: WebhookTargetPolicy;
  /** Derives each webhook's signing secret (functions/domain/webhook.ts webhookSecret). */
  readonly webhookKey: () => Promise<string>;
  /** Attempts before a job goes to the dead-letter queue: the queue's maxReceiveCount. */
  readonly maxAttempts: number;
  readonly retryBaseSeconds: number;
}
