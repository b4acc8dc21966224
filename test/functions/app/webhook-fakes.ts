/**
 * In-memory fakes of functions/app/webhook-ports.ts, honouring each port's contract (the first delete
 * wins, attempts newest first, a refused target is reported as refused), on top of the shared fakes.
 */
import type { BusEvent, DeliveryAttempt, DeliveryJob, DeliveryQueue, EventBus, TransportRequest, TransportResult, WebhookDeps, WebhookStore, WebhookTransport } from '../../../functions/app/webhook-ports';
import type { Webhook } from '../../../functions/domain/webhook';
import { CopiedTable, type Fakes, fakeDeps } from './fakes';

const copy = <T>(value: T): T => structuredClone(value);

export class InMemoryWebhookStore implements WebhookStore {
  readonly items = new CopiedTable<Webhook>();
  readonly deliveries = new Map<string, DeliveryAttempt[]>();

  async create(webhook: Webhook) {
    this.items.write(webhook.id, webhook);
  }
  async get(id: string) {
    return this.items.read(id);
  }
  async list() {
    return this.items.readAll();
  }
  async delete(id: string) {
    return this.items.remove(id);
  }
  async recordAttempt(webhookId: string, attempt: DeliveryAttempt) {
    this.deliveries.set(webhookId, [...(this.deliveries.get(webhookId) ?? []), copy(attempt)]);
  }
  async attempts(webhookId: string, limit: number) {
    return [...(this.deliveries.get(webhookId) ?? [])].reverse().slice(0, limit);
  }
}

export class RecordingDeliveryQueue implements DeliveryQueue {
  readonly sent: DeliveryJob[] = [];
  readonly delays: { receipt: string; delaySeconds: number }[] = [];
  async send(jobs: readonly DeliveryJob[]) {
    this.sent.push(...jobs.map(copy));
  }
  async retryAfter(receipt: string, delaySeconds: number) {
    this.delays.push({ receipt, delaySeconds });
  }
}

/** Answers with the scripted results in turn (the last one repeats), keeping every request. */
export class ScriptedTransport implements WebhookTransport {
  readonly requests: TransportRequest[] = [];
  constructor(private readonly results: TransportResult[] = [{ status: 204 }]) {}
  async post(request: TransportRequest) {
    this.requests.push(copy(request));
    return this.results[Math.min(this.requests.length - 1, this.results.length - 1)]!;
  }
}

export class RecordingBus implements EventBus {
  readonly events: BusEvent[] = [];
  async publish(events: readonly BusEvent[]) {
    this.events.push(...events.map(copy));
  }
}

export interface WebhookFakes extends WebhookDeps {
  readonly sessions: Fakes['sessions'];
  readonly events: Fakes['events'];
  readonly clock: Fakes['clock'];
  readonly log: Fakes['log'];
  readonly webhooks: InMemoryWebhookStore;
  readonly queue: RecordingDeliveryQueue;
  readonly transport: ScriptedTransport;
  readonly bus: RecordingBus;
}

export const WEBHOOK_KEY = 'k'.repeat(48);

export function fakeWebhookDeps(options: { transport?: ScriptedTransport; base?: Fakes; maxAttempts?: number } = {}): WebhookFakes & { base: Fakes } {
  const base = options.base ?? fakeDeps();
  return {
    base,
    sessions: base.sessions,
    events: base.events,
    clock: base.clock,
    log: base.log,
    roles: base.roles,
    newId: base.newId,
    webhooks: new InMemoryWebhookStore(),
    queue: new RecordingDeliveryQueue(),
    transport: options.transport ?? new ScriptedTransport(),
    bus: new RecordingBus(),
    policy: 'public-https',
    webhookKey: async () => WEBHOOK_KEY,
    maxAttempts: options.maxAttempts ?? 3,
    retryBaseSeconds: 30,
  };
}
