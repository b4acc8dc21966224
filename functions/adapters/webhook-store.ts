/**
 * Webhooks and their delivery attempts, in the Sessions table: WEBHOOK#id/META (listed through the
 * byKind index, kind WEBHOOK) and WEBHOOK#id/ATTEMPT#<at>#<event id>#<attempt>, read newest first. No
 * item holds a signing secret: each is derived from the deployment's webhook key (functions/domain/webhook.ts).
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryAttempt, WebhookStore } from '../app/webhook-ports';
import type { Webhook } from '../domain/webhook';
import { recordsOfKind } from './dynamodb';

const KIND = 'WEBHOOK';
const keyOf = (id: string) => ({ pk: `WEBHOOK#${id}`, sk: 'META' });

export class DynamoWebhookStore implements WebhookStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(webhook: Webhook): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyOf(webhook.id), kind: KIND, name: `${webhook.createdAt}#${webhook.id}`, record: webhook },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Webhook | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyOf(id), ConsistentRead: true }));
    return Item?.record as Webhook | undefined;
  }

  list(): Promise<Webhook[]> {
    return recordsOfKind<Webhook>(this.client, this.tableName, KIND);
  }

  async delete(id: string): Promise<Webhook | undefined> {
    const { Attributes } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(id), ReturnValues: 'ALL_OLD' }));
    return Attributes?.record as Webhook | undefined;
  }

  async recordAttempt(webhookId: string, attempt: DeliveryAttempt): Promise<void> {
    const sk = `ATTEMPT#${attempt.at}#${attempt.eventId}#${String(attempt.attempt).padStart(3, '0')}`;
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `WEBHOOK#${webhookId}`, sk, record: attempt } }));
  }

  async attempts(webhookId: string, limit: number): Promise<DeliveryAttempt[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attempt)',
        ExpressionAttributeValues: { ':pk': `WEBHOOK#${webhookId}`, ':attempt': 'ATTEMPT#' },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => item.record as DeliveryAttempt);
  }
}
