/**
 * The append-only, hash-chained event log in the Events table. Events are only ever Put with
 * `attribute_not_exists(pk)`: a writer that loses the race for a sequence number re-reads the head and
 * chains onto the new one, so concurrent appends to one stream stay a single unbroken chain.
 *
 * The head this log last wrote or read on a stream is remembered (a bounded number of streams), so the
 * next append to it from the same process chains on without a read. A remembered head that another
 * writer has since passed loses the conditional Put like any racer, and the head is read again: the
 * chain is the same one a read before every append would build. A stream its caller has just created
 * (AppendOptions.newStream) starts the same way, from no head, without a read.
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppendOptions, EventLog, NewEvent } from '../app/ports';
import { type AuditEvent, chainEvent } from '../domain/audit-chain';
import { isConditionFailure, queryAll } from './dynamodb';

const SEQ_WIDTH = 10;
const seqKey = (seq: number) => String(seq).padStart(SEQ_WIDTH, '0');
const MAX_ATTEMPTS = 20;
/** Streams whose head is remembered; the least recently appended to is forgotten first. */
const REMEMBERED_HEADS = 1000;

function toEvent(item: Record<string, unknown>): AuditEvent {
  const { pk: _pk, sk: _sk, ...event } = item;
  return event as unknown as AuditEvent;
}

export class DynamoEventLog implements EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private readonly heads = new Map<string, AuditEvent>();

  async append(stream: string, event: NewEvent, options: AppendOptions = {}): Promise<AuditEvent> {
    for (let attempt = 1; ; attempt++) {
      const known = attempt === 1 ? this.heads.get(stream) : undefined;
      // A new stream's first event chains onto nothing: no head to read, and a loser reads it below.
      const guessed = attempt === 1 && !known && options.newStream === true;
      const chained = chainEvent(known ?? (guessed ? undefined : await this.head(stream)), { stream, ...event });
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: stream, sk: seqKey(chained.seq), ...chained },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        this.remember(stream, chained);
        return chained;
      } catch (error) {
        this.heads.delete(stream);
        if (!isConditionFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        // A remembered or guessed head that was behind: read the real one at once, no back-off needed.
        if (known || guessed) continue;
        // Another writer took this sequence number: back off a little so a burst spreads out.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  private remember(stream: string, head: AuditEvent): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    if (this.heads.size > REMEMBERED_HEADS) this.heads.delete(this.heads.keys().next().value!);
  }

  private async head(stream: string): Promise<AuditEvent | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :stream',
        ExpressionAttributeValues: { ':stream': stream },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0] ? toEvent(Items[0]) : undefined;
  }

  async list(stream: string): Promise<AuditEvent[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :stream',
      ExpressionAttributeValues: { ':stream': stream },
      ConsistentRead: true,
    });
    return items.map(toEvent);
  }
}
