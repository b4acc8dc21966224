/**
 * Query results in the Results table, gzip-compressed and split into chunks under DynamoDB's 400 KB
 * item limit, expiring after a day (TTL). They are kept apart from the event log on purpose: results
 * hold production data the auditor must not see, and only the requester reads them through the API.
 * A refused command's full database message lives here too (item FAILURE), for the same reason: it
 * can quote row data.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryResult, ResultStore } from '../app/ports';
import type { SessionError } from '../domain/session';

const CHUNK_BYTES = 300 * 1024;
const RETENTION_SECONDS = 24 * 3600;

export class DynamoResultStore implements ResultStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async put(sessionId: string, result: QueryResult): Promise<void> {
    const packed = gzipSync(Buffer.from(JSON.stringify(result), 'utf8'));
    const count = Math.max(1, Math.ceil(packed.length / CHUNK_BYTES));
    const expiresAt = this.expiresAt();
    // Sequential puts keep memory flat; a result is at most the Data API's 1 MiB, so a few chunks.
    for (let index = 0; index < count; index++) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `SESSION#${sessionId}`,
            sk: `CHUNK#${String(index).padStart(4, '0')}`,
            count,
            data: packed.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES),
            expiresAt,
          },
        }),
      );
    }
  }

  async get(sessionId: string): Promise<QueryResult | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk and begins_with(sk, :chunk)',
        ExpressionAttributeValues: { ':pk': `SESSION#${sessionId}`, ':chunk': 'CHUNK#' },
        ConsistentRead: true,
      }),
    );
    const live = Items.filter((item) => this.live(item));
    if (live.length === 0 || live.length !== (live[0].count as number)) return undefined;
    const packed = Buffer.concat(live.map((item) => Buffer.from(item.data as Uint8Array)));
    return JSON.parse(gunzipSync(packed).toString('utf8')) as QueryResult;
  }

  async putFailure(sessionId: string, failure: SessionError): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `SESSION#${sessionId}`, sk: 'FAILURE', code: failure.code, message: failure.message, expiresAt: this.expiresAt() },
      }),
    );
  }

  async failure(sessionId: string): Promise<SessionError | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `SESSION#${sessionId}`, sk: 'FAILURE' }, ConsistentRead: true }),
    );
    return Item && this.live(Item) ? { code: Item.code as string, message: Item.message as string } : undefined;
  }

  private expiresAt(): number {
    return Math.floor(this.now().getTime() / 1000) + RETENTION_SECONDS;
  }

  /** TTL deletion lags (and dynalite never deletes), so expiry is enforced on read as well. */
  private live(item: Record<string, unknown>): boolean {
    return (item.expiresAt as number) > Math.floor(this.now().getTime() / 1000);
  }
}
