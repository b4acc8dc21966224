/**
 * The exporter Lambda, on the event table's DynamoDB stream (the local runtime feeds it the same
 * records from its stand-in). Records are grouped by stream and each stream is exported once per batch;
 * a stream that fails is reported through ReportBatchItemFailures, so the batch is retried from its
 * first record only. Every step is idempotent, so re-delivered records are harmless.
 */
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { exportStream } from '../app/evidence-export';
import { evidenceDeps } from '../evidence-wiring';
import { composition } from '../wiring';

interface StreamRecords {
  readonly types: string[];
  readonly sequenceNumbers: string[];
}

export function groupByStream(event: DynamoDBStreamEvent): Map<string, StreamRecords> {
  const streams = new Map<string, StreamRecords>();
  for (const record of event.Records ?? []) {
    // The event log is append-only: only inserts carry events.
    if (record.eventName !== 'INSERT') continue;
    const stream = record.dynamodb?.Keys?.pk?.S ?? record.dynamodb?.NewImage?.pk?.S;
    if (!stream) continue;
    const entry = streams.get(stream) ?? { types: [], sequenceNumbers: [] };
    const type = record.dynamodb?.NewImage?.type?.S;
    if (type) entry.types.push(type);
    if (record.dynamodb?.SequenceNumber) entry.sequenceNumbers.push(record.dynamodb.SequenceNumber);
    streams.set(stream, entry);
  }
  return streams;
}

const lowest = (numbers: string[]) => numbers.reduce((min, value) => (BigInt(value) < BigInt(min) ? value : min));

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>().handler(async (event) => {
  const deps = evidenceDeps();
  const { log } = composition().deps;
  const failed: string[] = [];
  for (const [stream, records] of groupByStream(event)) {
    try {
      const written = await exportStream(deps, { stream, types: records.types });
      if (written.length) log.info('evidence exported', { stream, objects: written });
    } catch (error) {
      log.error('evidence export failed', { stream, error });
      if (records.sequenceNumbers.length) failed.push(lowest(records.sequenceNumbers));
    }
  }
  return { batchItemFailures: failed.length ? [{ itemIdentifier: lowest(failed) }] : [] };
});
