/**
 * The notification ledger in the Sessions table, kept by Powertools for AWS Lambda's Idempotency
 * utility: its DynamoDB persistence layer claims a one-off notification with a conditional Put
 * (in progress, with an in-progress expiry: the lease), marks it completed once sent, and deletes the
 * claim after a failed send. Of two workers, or a job and its retry, exactly one sends; a claim whose
 * lease has run out without completion belonged to a worker that stopped (a Lambda timeout after
 * claiming), and the library's own condition lets the next claim take it over.
 *
 * One item per notification, `SESSION#<id>` / `NOTIFIED#<key>`: the session id is the layer's static
 * partition key and the notification key its sort key, used as is rather than hashed (the keys are short
 * and already unique), so the items stay in their session's partition and carry no index keys, and no
 * listing ever sees them. Items written before this layout (no `state`) count as sent.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig, IdempotencyItemAlreadyExistsError, IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { NotificationLedger } from '../app/ports';
import { queryAll } from './dynamodb';

/**
 * Longer than one send takes (two Slack calls, each cut off at SLACK_TIMEOUT_MS, at most 10 s), and
 * shorter than the minute Lambda waits before retrying a failed notification job.
 */
export const CLAIM_LEASE_MS = 30_000;

/**
 * How long a sent notification is remembered. The library lets a claim through once a record has
 * expired, so this is longer than any session can still change: a review ends within 7 days, an access
 * window within 12 hours.
 */
export const SENT_REMEMBERED_SECONDS = 400 * 24 * 3600;

const NOTIFIED = 'NOTIFIED#';

/** One session's notifications: the persistence layer's partition key is fixed per layer. */
class SessionNotifications extends DynamoDBPersistenceLayer {
  constructor(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string, sessionId: string) {
    super({
      tableName,
      awsSdkV3Client: client as DynamoDBClient,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: `SESSION#${sessionId}`,
      statusAttr: 'state',
      inProgressExpiryAttr: 'leaseUntil',
      dataAttr: 'sentAt',
    });
    this.configure({ config: new IdempotencyConfig({ expiresAfterSeconds: SENT_REMEMBERED_SECONDS }) });
  }

  protected override getHashedIdempotencyKey(key: unknown): string {
    return `${NOTIFIED}${String(key)}`;
  }
}

export class DynamoNotificationLedger implements NotificationLedger {
  /**
   * `client` may be the document client the other adapters share: it sends the layer's plain
   * DynamoDB commands through the same configuration and middleware.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly leaseMs = CLAIM_LEASE_MS,
  ) {}

  private of(sessionId: string) {
    return new SessionNotifications(this.client, this.tableName, sessionId);
  }

  async claim(sessionId: string, key: string): Promise<boolean> {
    try {
      await this.of(sessionId).saveInProgress(key, this.leaseMs);
      return true;
    } catch (error) {
      if (error instanceof IdempotencyItemAlreadyExistsError) return false;
      throw error;
    }
  }

  async complete(sessionId: string, key: string): Promise<void> {
    await this.of(sessionId).saveSuccess(key, new Date().toISOString());
  }

  async release(sessionId: string, key: string): Promise<void> {
    await this.of(sessionId).deleteRecord(key);
  }

  /**
   * One eventually consistent Query of the session's NOTIFIED# items (a read unit costs a fifth of a
   * write unit, and a refused claim is billed a write unit). Counts what a claim would count as sent:
   * completed and not expired, or written before claims had a state.
   */
  async sent(sessionId: string): Promise<ReadonlySet<string>> {
    const nowSeconds = Date.now() / 1000;
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notified)',
      ExpressionAttributeValues: { ':pk': `SESSION#${sessionId}`, ':notified': NOTIFIED },
      ProjectionExpression: 'sk, #state, expiration',
      ExpressionAttributeNames: { '#state': 'state' },
    });
    const keys = new Set<string>();
    for (const item of items) {
      const sent = item.state === undefined || (item.state === IdempotencyRecordStatus.COMPLETED && !(typeof item.expiration === 'number' && item.expiration < nowSeconds));
      if (sent) keys.add((item.sk as string).slice(NOTIFIED.length));
    }
    return keys;
  }
}
