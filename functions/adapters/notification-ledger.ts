/**
 * The notification ledger in the Sessions table: one item per one-off notification already sent
 * (`SESSION#<id>` / `NOTIFIED#<key>`), claimed with a conditional Put so that of two workers, or a
 * job and its retry, exactly one sends. The items carry no index keys, so no listing ever sees them.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { NotificationLedger } from '../app/ports';
import { isConditionFailure } from './dynamodb';

const keyOf = (sessionId: string, key: string) => ({ pk: `SESSION#${sessionId}`, sk: `NOTIFIED#${key}` });

export class DynamoNotificationLedger implements NotificationLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(sessionId: string, key: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(sessionId, key), at: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(sessionId: string, key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(sessionId, key) }));
  }
}
