/**
 * Reads one stream of the Events table from a position onwards, for the exporter. The position is the
 * item's sort key as stored, handed back opaquely, so this reader never depends on how the event log
 * formats its sequence numbers; strongly consistent, so an event the stream announced is always seen.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventReader } from '../app/evidence-ports';
import type { AuditEvent } from '../domain/audit-chain';
import { queryAll } from './dynamodb';

export class DynamoEventReader implements EventReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async after(stream: string, position: string | undefined, limit: number): Promise<{ events: AuditEvent[]; positions: string[] }> {
    const items = await queryAll(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :stream',
        ExpressionAttributeValues: { ':stream': stream },
        ConsistentRead: true,
        ExclusiveStartKey: position ? { pk: stream, sk: position } : undefined,
      },
      limit,
    );
    const events: AuditEvent[] = [];
    const positions: string[] = [];
    for (const { pk: _pk, sk, ...event } of items) {
      events.push(event as unknown as AuditEvent);
      positions.push(sk as string);
    }
    return { events, positions };
  }
}
