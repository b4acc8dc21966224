/**
 * Which WebSocket connections wait on which session, in the Connections table (infra/tables.ts):
 * one item SESSION#<id> / CONNECTION#<connectionId> per watch, carrying who opened the connection and
 * an epoch-seconds `expiresAt` that DynamoDB's TTL acts on. TTL deletes lazily (hours later), so reads
 * skip expired items themselves.
 */
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionWatchers, Watcher } from '../app/push-ports';
import type { Clock } from '../app/ports';
import { queryAll } from './dynamodb';

const sessionKey = (sessionId: string) => `SESSION#${sessionId}`;
const connectionKey = (connectionId: string) => `CONNECTION#${connectionId}`;
const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

export class DynamoSessionWatchers implements SessionWatchers {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async watch(sessionId: string, watcher: Watcher, until: Date): Promise<void> {
    const { sub, email, name, groups } = watcher.who;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: sessionKey(sessionId),
          sk: connectionKey(watcher.connectionId),
          connectionId: watcher.connectionId,
          who: { sub, email, name, groups: [...groups] },
          expiresAt: epochSeconds(until),
        },
      }),
    );
  }

  async watchers(sessionId: string): Promise<Watcher[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :connection)',
      FilterExpression: 'expiresAt > :now',
      ExpressionAttributeValues: { ':pk': sessionKey(sessionId), ':connection': 'CONNECTION#', ':now': epochSeconds(this.clock.now()) },
    });
    return items.map((item) => ({ connectionId: item.connectionId as string, who: item.who as Watcher['who'] }));
  }

  async forget(sessionId: string, connectionId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: sessionKey(sessionId), sk: connectionKey(connectionId) } }));
  }
}
