/**
 * The local stand-in for a table's DynamoDB stream (dynalite has none): the event table's, which feeds
 * the audit exporter, and the sessions table's, which feeds the push to waiting clients. Every handler
 * runs in this process and writes through the one shared DynamoDB client, so a middleware on that
 * client sees each PutItem (and, with `updates`, each UpdateItem) on the table once it has succeeded and
 * turns it into the stream record Lambda would deliver (NEW_IMAGE, increasing sequence numbers). For an
 * UpdateItem the new image is the item DynamoDB returns when asked for ALL_NEW: the middleware asks for
 * it and hands the caller only what it asked for, so no extra read is made. An UpdateItem that asks for
 * old or updated-only values itself is not streamed (no adapter of the streamed tables does that).
 * Records are handed to the handler module in batches, one batch at a time like a shard, and a batch the
 * handler reports as failed (ReportBatchItemFailures) is retried from the failed record with a growing delay.
 *
 * Writes made while nothing was listening (a previous run that stopped before exporting) are picked up
 * by `catchUp`, a scan at start: the exporter is idempotent, so records it has already seen are harmless.
 */
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent, AttributeValue as StreamAttributeValue } from 'aws-lambda';

type Deliver = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

interface MiddlewareClient {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'initialize'; name: string; override: boolean }): void;
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
  /** Streams UpdateItem as MODIFY records too (the event table is only ever appended to). */
  readonly updates?: boolean;
  /** The event source mapping's filter: records it rejects never reach the handler. */
  readonly filter?: (record: DynamoDBRecord) => boolean;
}

type Input = { TableName?: string; Item?: Record<string, AttributeValue>; ReturnValues?: string };
/** Set on an UpdateItem whose caller did not ask for ALL_NEW: the image is taken, then withheld from it. */
const ASKED_FOR_IMAGE = Symbol('accessgateLocalStreamAskedForImage');

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
    return [MIDDLEWARE, this.options.tableName, ...(this.options.consumer ? [this.options.consumer] : [])].join(':');
  }

  /** Observes successful writes to the table made through `client`, a document client. */
  attach(client: MiddlewareClient): void {
    const name = this.middleware;
    const isUpdate = (commandName: string | undefined, input: Input) =>
      this.options.updates === true && commandName === 'UpdateItemCommand' && input.TableName === this.options.tableName;
    if (this.options.updates) {
      client.middlewareStack.add(
        (next: (args: { input: Input }) => Promise<unknown>, context: { commandName?: string; [ASKED_FOR_IMAGE]?: boolean }) => async (args: { input: Input }) => {
          if (isUpdate(context.commandName, args.input) && (args.input.ReturnValues ?? 'NONE') === 'NONE') {
            args.input.ReturnValues = 'ALL_NEW';
            context[ASKED_FOR_IMAGE] = true;
          }
          return next(args);
        },
        { step: 'initialize', name: `${name}:image`, override: true },
      );
    }
    client.middlewareStack.add(
      (next: (args: { input: unknown }) => Promise<{ output?: { Attributes?: Record<string, AttributeValue> } }>, context: { commandName?: string; [ASKED_FOR_IMAGE]?: boolean }) =>
        async (args: { input: unknown }) => {
          const result = await next(args);
          const input = args.input as Input;
          if (context.commandName === 'PutItemCommand' && input.TableName === this.options.tableName && input.Item) this.push(input.Item, 'INSERT');
          if (isUpdate(context.commandName, input) && input.ReturnValues === 'ALL_NEW' && result.output?.Attributes) {
            // A document client has already turned the returned item into plain values at this step.
            this.push(marshall(result.output.Attributes, { removeUndefinedValues: true, convertClassInstanceToMap: false }), 'MODIFY');
            if (context[ASKED_FOR_IMAGE]) delete result.output.Attributes;
          }
          return result;
        },
      { step: 'build', name, override: true },
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

  private push(item: Record<string, AttributeValue>, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): void {
    if (this.closed) return;
    this.sequence += 1n;
    const sequenceNumber = String(this.sequence).padStart(21, '0');
    const image = item as unknown as Record<string, StreamAttributeValue>;
    const record: DynamoDBRecord = {
      eventID: sequenceNumber,
      eventName,
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
    };
    if (this.options.filter && !this.options.filter(record)) return;
    this.queue.push(record);
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
    for (const client of this.attached) {
      client.middlewareStack.remove(this.middleware);
      client.middlewareStack.remove(`${this.middleware}:image`);
    }
    this.attached = [];
    await this.flush().catch(() => undefined);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
