/**
 * The local stand-in for the event table's stream: successful PutItem calls on the event table become
 * INSERT records with NEW_IMAGE and increasing sequence numbers, delivered in batches one at a time,
 * and a batch reported as failed is delivered again from the failed record.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalEventStream } from '../../../infra/local/event-stream';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();

const events = () => dynamo.tables.EVENTS_TABLE;
const append = (pk: string, seq: number, type = 'session.requested') =>
  dynamo.documents.send(new PutCommand({ TableName: events(), Item: { pk, sk: String(seq).padStart(10, '0'), stream: pk, seq, type }, ConditionExpression: 'attribute_not_exists(pk)' }));

describe('the local event stream', () => {
  it('turns successful event appends into stream records, and nothing else', async () => {
    const batches: DynamoDBStreamEvent[] = [];
    const stream = new LocalEventStream({ tableName: events(), deliver: async (event) => void batches.push(event) });
    stream.attach(dynamo.documents);
    await append('SESSION#a', 1);
    await append('SESSION#a', 2, 'session.done');
    await expect(append('SESSION#a', 2)).rejects.toThrow();
    await dynamo.documents.send(new PutCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Item: { pk: 'SESSION#a', sk: 'META' } }));
    await stream.flush();
    await stream.close();
    const records = batches.flatMap((batch) => batch.Records);
    expect(records.map((r) => [r.eventName, r.dynamodb?.Keys?.pk?.S, r.dynamodb?.NewImage?.type?.S])).toEqual([
      ['INSERT', 'SESSION#a', 'session.requested'],
      ['INSERT', 'SESSION#a', 'session.done'],
    ]);
    expect(BigInt(records[1].dynamodb!.SequenceNumber!)).toBeGreaterThan(BigInt(records[0].dynamodb!.SequenceNumber!));
    expect(records[0].dynamodb).toMatchObject({ StreamViewType: 'NEW_IMAGE', NewImage: { seq: { N: '1' } } });
  });

  it('retries a failed batch from the failed record', async () => {
    const seen: string[][] = [];
    let fail = true;
    const stream = new LocalEventStream({
      tableName: events(),
      retryMs: 5,
      deliver: async (event): Promise<DynamoDBBatchResponse> => {
        seen.push(event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!));
        if (fail) {
          fail = false;
          return { batchItemFailures: [{ itemIdentifier: event.Records[1].dynamodb!.SequenceNumber! }] };
        }
        return { batchItemFailures: [] };
      },
    });
    stream.attach(dynamo.documents);
    await Promise.all([append('CONFIG#x', 1), append('CONFIG#y', 1), append('CONFIG#z', 1)]);
    await stream.flush();
    await stream.close();
    expect(seen[0]).toHaveLength(3);
    expect(seen[1]).toEqual(seen[0].slice(1));
  });

  it('catches up on what the table already holds', async () => {
    const pks: string[] = [];
    const stream = new LocalEventStream({ tableName: events(), deliver: async (event) => void pks.push(...event.Records.map((r) => r.dynamodb!.Keys!.pk!.S!)) });
    await stream.catchUp(dynamo.client);
    await stream.flush();
    await stream.close();
    expect(new Set(pks)).toEqual(new Set(['SESSION#a', 'CONFIG#x', 'CONFIG#y', 'CONFIG#z']));
  });
});
