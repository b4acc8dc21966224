/**
 * The notification ledger in the Sessions table: one item per one-off notification
 * (`SESSION#<id>` / `NOTIFIED#<key>`), claimed with a conditional Put so that of two workers, or a job
 * and its retry, exactly one sends. This is the in-progress/completed model of Powertools for AWS
 * Lambda's Idempotency utility, kept in our own keys: a claim is `sending` with a lease until it is
 * completed (`sent`); a claim whose lease has run out without completion belonged to a worker that
 * stopped (a Lambda timeout after claiming), and the next claim takes it over instead of leaving the
 * message unsent for good. Items written before leases existed carry no state and count as sent.
 * The items carry no index keys, so no listing ever sees them.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationLedger } from '../app/ports';
import { isConditionFailure } from './dynamodb';

const keyOf = (sessionId: string, key: string) => ({ pk: `SESSION#${sessionId}`, sk: `NOTIFIED#${key}` });

/**
 * Longer than one send takes (two Slack calls, each cut off at SLACK_TIMEOUT_MS, at most 10 s), and
 * shorter than the minute Lambda waits before retrying a failed notification job.
 */
export const CLAIM_LEASE_MS = 30_000;

export class DynamoNotificationLedger implements NotificationLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly leaseMs = CLAIM_LEASE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(sessionId: string, key: string): Promise<boolean> {
    const now = this.now();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(sessionId, key), state: 'sending', leaseUntil: now + this.leaseMs, at: new Date(now).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :sending AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':sending': 'sending', ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async complete(sessionId: string, key: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(sessionId, key),
        UpdateExpression: 'SET #state = :sent, sentAt = :at REMOVE leaseUntil',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': new Date(this.now()).toISOString() },
      }),
    );
  }

  async release(sessionId: string, key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(sessionId, key) }));
  }
}
