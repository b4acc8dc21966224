/**
 * Webhooks on the local runtime: the delivery queue stand-in (SQS semantics: a received message stays
 * invisible for its visibility timeout, which the consumer may change; a message reported failed comes
 * back, and one received maxReceiveCount times goes to the dead-letter list instead, as the redrive
 * policy does) consumed by the deliverer handler module, and a second consumer of the event stream
 * stand-in feeding the dispatcher handler module: the same handlers and code path as on AWS.
 *
 * Events recorded while the runtime was stopped are not published after a restart (no catch-up scan):
 * on AWS the stream keeps them 24 hours.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeliveryJob, DeliveryQueue } from '../../functions/app/webhook-ports';
import { LocalEventStream } from './event-stream';

type Consumer = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

interface Message {
  readonly id: string;
  readonly body: string;
  receives: number;
  /** Set while a consumer holds it: the delay before it is visible again, unless it is deleted. */
  visibleInMs?: number;
  receipt?: string;
}

export interface LocalDeliveryQueueOptions {
  /** The redrive policy's maxReceiveCount (WEBHOOK_MAX_ATTEMPTS). */
  readonly maxReceiveCount: number;
  /** How long a message reported failed stays invisible when its consumer did not set a delay. */
  readonly visibilityTimeoutSeconds?: number;
}

export class LocalDeliveryQueue implements DeliveryQueue {
  private consumer: Consumer | undefined;
  private readonly held = new Map<string, Message>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Messages received maxReceiveCount times and still failing, as the dead-letter queue holds them. */
  readonly deadLetters: DeliveryJob[] = [];

  constructor(private readonly options: LocalDeliveryQueueOptions) {}

  /** The queue's Lambda consumer (the event source mapping). */
  consume(consumer: Consumer): void {
    this.consumer = consumer;
  }

  async send(jobs: readonly DeliveryJob[]): Promise<void> {
    if (this.closed) throw new Error('the local delivery queue is closed');
    for (const job of jobs) this.later({ id: randomUUID(), body: JSON.stringify(job), receives: 0 }, 0);
  }

  async retryAfter(receipt: string, delaySeconds: number): Promise<void> {
    const message = [...this.held.values()].find((held) => held.receipt === receipt);
    // SQS refuses a receipt handle whose message is no longer in flight.
    if (!message) throw new Error(`ReceiptHandleIsInvalid: ${receipt}`);
    message.visibleInMs = delaySeconds * 1000;
  }

  private later(message: Message, delayMs: number): void {
    this.inFlight++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.receive(message).finally(() => this.settle());
    }, delayMs);
    this.timers.add(timer);
  }

  private settle(): void {
    if (--this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async receive(message: Message): Promise<void> {
    if (this.closed || !this.consumer) return;
    if (message.receives >= this.options.maxReceiveCount) {
      this.deadLetters.push(JSON.parse(message.body) as DeliveryJob);
      return;
    }
    message.receives++;
    message.receipt = `${message.id}#${message.receives}`;
    message.visibleInMs = (this.options.visibilityTimeoutSeconds ?? 30) * 1000;
    this.held.set(message.id, message);
    let failed = true;
    try {
      const response = await this.consumer({ Records: [record(message)] });
      failed = !!response?.batchItemFailures?.some((failure) => failure.itemIdentifier === message.id);
    } catch (error) {
      console.error(JSON.stringify({ message: 'local delivery queue: the deliverer threw', error: (error as Error).stack }));
    }
    this.held.delete(message.id);
    if (failed && !this.closed) this.later(message, message.visibleInMs);
  }

  /** Resolves once no message is waiting or being delivered (every job delivered, dropped or dead-lettered). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.inFlight = 0;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function record(message: Message): SQSRecord {
  return {
    messageId: message.id,
    receiptHandle: message.receipt!,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receives),
      SentTimestamp: String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:accessgate-webhook-deliveries',
    awsRegion: 'us-east-1',
  };
}

type Lambda<E, R> = (event: E, context: unknown) => Promise<R>;
const context = (name: string) => ({ functionName: name, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 60_000 });

export interface LocalWebhooks {
  readonly queue: LocalDeliveryQueue;
  /** Waits until every event recorded so far has been dispatched and every job delivered or given up. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Connects the dispatcher to the event stream stand-in and the deliverer to the queue; `queue` must already be in the composition `bind` uses. */
export async function startLocalWebhooks(
  queue: LocalDeliveryQueue,
  options: { readonly eventsTable: string; readonly documentClient: DynamoDBDocumentClient; readonly bind: <E, R>(handler: Lambda<E, R>) => Lambda<E, R> },
): Promise<LocalWebhooks> {
  const dispatch = options.bind((await import('../../functions/webhooks/dispatch')).handler as Lambda<DynamoDBStreamEvent, void>);
  const deliver = options.bind((await import('../../functions/webhooks/deliver')).handler as Lambda<SQSEvent, SQSBatchResponse>);
  queue.consume((event) => deliver(event, context('WebhookDeliverer')));
  const stream = new LocalEventStream({ tableName: options.eventsTable, consumer: 'webhooks', windowMs: 50, deliver: (event) => dispatch(event, context('WebhookDispatcher')) });
  stream.attach(options.documentClient);
  return {
    queue,
    async flush() {
      await stream.flush();
      await queue.idle();
    },
    async close() {
      await stream.close();
      queue.close();
    },
  };
}
