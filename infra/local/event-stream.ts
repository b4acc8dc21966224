/**
 * The local stand-in for the event table's DynamoDB stream (dynalite has none). Every handler runs in
 * this process and appends events through the one shared DynamoDB client, so a middleware on that
 * client sees each PutItem on the event table once it has succeeded and turns it into the stream
 * record Lambda would deliver (INSERT, NEW_IMAGE, increasing sequence numbers). Records are handed to
 * the exporter's handler module in batches, one batch at a time like a shard, and a batch the handler
 * reports as failed (ReportBatchItemFailures) is retried from the failed record with a growing delay.
 *
 * Writes made while nothing was listening (a previous run that stopped before exporting) are picked up
 * by `catchUp`, a scan at start: the exporter is idempotent, so records it has already seen are harmless.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as StreamAttributeValue } from 'aws-lambda';

type Deliver = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

interface MiddlewareClient {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'build'; name: string; override: boolean }): void;
    remove(name: string): boolean;
  };
}

const MIDDLEWARE = 'accessgateLocalEventStream';
const MAX_ATTEMPTS = 6;

export interface LocalEventStreamOptions {
  readonly tableName: string;
  readonly deliver: Deliver;
  readonly batchSize?: number;
  /** How long records gather before a batch goes (Lambda's batching window). */
  readonly windowMs?: number;
  readonly retryMs?: number;
  /** Tells this consumer's middleware apart from another's on the same client (one per consumer, as each Lambda has its own iterator). */
  readonly consumer?: string;
}

export class LocalEventStream {
  private queue: DynamoDBRecord[] = [];
  private sequence = 0n;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private attached: MiddlewareClient[] = [];
  /** Batches given up after MAX_ATTEMPTS, as Lambda's on-failure destination would receive them. */
  readonly deadLetters: DynamoDBRecord[][] = [];

  constructor(private readonly options: LocalEventStreamOptions) {}

  private get middleware(): string {
    return this.options.consumer ? `${MIDDLEWARE}:${this.options.consumer}` : MIDDLEWARE;
  }

  /** Observes successful PutItem calls to the event table made through `client`. */
  attach(client: MiddlewareClient): void {
    client.middlewareStack.add(
      (next: (args: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: unknown }) => {
        const result = await next(args);
        const input = args.input as { TableName?: string; Item?: Record<string, AttributeValue> };
        if (context.commandName === 'PutItemCommand' && input.TableName === this.options.tableName && input.Item) this.push(input.Item);
        return result;
      },
      { step: 'build', name: this.middleware, override: true },
    );
    this.attached.push(client);
  }

  /** Feeds every item already in the table, for writes made while nothing was listening. */
  async catchUp(client: DynamoDBClient): Promise<void> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: this.options.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) this.push(item);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  private push(item: Record<string, AttributeValue>): void {
    if (this.closed) return;
    this.sequence += 1n;
    const sequenceNumber = String(this.sequence).padStart(21, '0');
    const image = item as unknown as Record<string, StreamAttributeValue>;
    this.queue.push({
      eventID: sequenceNumber,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
      eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${this.options.tableName}/stream/local`,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: { pk: image.pk, sk: image.sk },
        NewImage: image,
        SequenceNumber: sequenceNumber,
        SizeBytes: JSON.stringify(item).length,
        StreamViewType: 'NEW_IMAGE',
      },
    });
    this.schedule(this.options.windowMs ?? 250);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.running || this.closed) return;
    this.timer = setTimeout(() => this.start(), delayMs);
  }

  private start(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.closed) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length) this.schedule(0);
    });
  }

  private async drain(): Promise<void> {
    let attempts = 0;
    while (this.queue.length && !this.closed) {
      const batch = this.queue.slice(0, this.options.batchSize ?? 100);
      let failedFrom: string | undefined;
      try {
        const response = await this.options.deliver({ Records: batch });
        failedFrom = response?.batchItemFailures?.[0]?.itemIdentifier;
      } catch (error) {
        console.error(JSON.stringify({ message: 'local event stream: the exporter threw', error: (error as Error).stack }));
        failedFrom = batch[0].dynamodb?.SequenceNumber;
      }
      const failedAt = failedFrom === undefined ? -1 : batch.findIndex((record) => record.dynamodb?.SequenceNumber === failedFrom);
      if (failedAt < 0) {
        this.queue.splice(0, batch.length);
        attempts = 0;
        continue;
      }
      this.queue.splice(0, failedAt);
      if (++attempts >= MAX_ATTEMPTS) {
        const dropped = this.queue.splice(0, batch.length - failedAt);
        this.deadLetters.push(dropped);
        console.error(JSON.stringify({ message: 'local event stream: batch sent to the dead-letter list after retries', records: dropped.length }));
        attempts = 0;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, (this.options.retryMs ?? 200) * 2 ** (attempts - 1)));
    }
  }

  /** Resolves once every record seen so far has been delivered (or given up on). */
  async flush(): Promise<void> {
    while (!this.closed && (this.queue.length || this.running || this.timer)) {
      if (!this.running) this.start();
      await this.running;
    }
  }

  async close(): Promise<void> {
    for (const client of this.attached) client.middlewareStack.remove(this.middleware);
    this.attached = [];
    await this.flush().catch(() => undefined);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
