/**
 * The sessions table's stream → waiting clients: for each session whose own item changed, every
 * connection watching it is told (functions/app/push.ts). Only the newest image of a session in a batch
 * is pushed. A record whose push fails is reported (ReportBatchItemFailures) and retried with those
 * after it; a client may then hear of a change twice, which it tells apart by `updatedAt`.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { toSession } from '../adapters/session-item';
import { pushSessionChange } from '../app/push';
import { pushDeps } from '../push-wiring';
import { isSessionChange } from './session-change-filter';

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const newest = new Map<string, DynamoDBRecord>();
  for (const record of event.Records) if (isSessionChange(record)) newest.set(record.dynamodb!.Keys!.pk.S!, record);
  const failed: string[] = [];
  for (const record of newest.values()) {
    const session = toSession(unmarshall(record.dynamodb!.NewImage as Record<string, AttributeValue>));
    try {
      await pushSessionChange(pushDeps(), session);
    } catch (error) {
      pushDeps().log.error('push to waiting clients failed', { sessionId: session.id, error: (error as Error).message });
      failed.push(record.dynamodb!.SequenceNumber!);
    }
  }
  // Retrying from the earliest failed record re-sends the later ones too: harmless, as above.
  const first = event.Records.find((record) => failed.includes(record.dynamodb?.SequenceNumber ?? ''));
  return { batchItemFailures: first ? [{ itemIdentifier: first.dynamodb!.SequenceNumber! }] : [] };
};
