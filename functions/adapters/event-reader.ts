/**
 * Reads one stream of the Events table from a position onwards, for the exporter. The position is the
 * item's sort key as stored, handed back opaquely, so this reader never depends on how the event log
 * formats its sequence numbers; strongly consistent, so an event the stream announced is always seen.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventReader } from '../app/evidence-ports';
import type { AuditEvent } from '../domain/audit-chain';

export class DynamoEventReader implements EventReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async after(stream: string, position: string | undefined, limit: number): Promise<{ events: AuditEvent[]; positions: string[] }> {
    const events: AuditEvent[] = [];
    const positions: string[] = [];
    let startKey: Record<string, unknown> | undefined = position ? { pk: stream, sk: position } : undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :stream',
          ExpressionAttributeValues: { ':stream': stream },
          ConsistentRead: true,
          Limit: limit - events.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk, ...event } = item;
        events.push(event as unknown as AuditEvent);
        positions.push(sk as string);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && events.length < limit);
    return { events, positions };
  }
}
