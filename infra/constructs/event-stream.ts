/**
 * A function's mapping on the event table's stream, for each of its consumers (the audit exporter, the
 * webhook dispatcher). Not DynamoEventSource: it grants dynamodb:ListStreams on "*"; here all four
 * stream actions are granted on the event table's streams only, as the DynamoDB developer guide's
 * stream-only policy does (iam-policy-read-stream-only.html: DescribeStream, GetRecords,
 * GetShardIterator and ListStreams on `table/<name>/stream/*`).
 */
import { Duration, Names } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { AccessgateFunction } from './accessgate-function';
import type { AccessgateTable } from './tables';

export interface EventStreamReading {
  /** Where batches given up on (after retries, or older than a day) are reported. */
  readonly onFailure: sqs.IQueue;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly reportBatchItemFailures: boolean;
  /** Lambda event filtering: only records matching one pattern reach (and are billed to) the function. */
  readonly filters?: Array<Record<string, unknown>>;
}

/**
 * The construct id is the one DynamoEventSource used, so an existing mapping keeps its logical id and
 * is not replaced (a new mapping would start again at TRIM_HORIZON and re-read a day of events).
 */
export function readEventStream(fn: AccessgateFunction, events: AccessgateTable, reading: EventStreamReading): lambda.EventSourceMapping {
  const table = events.table;
  const mapping = fn.addEventSourceMapping(`DynamoDBEventSource:${Names.nodeUniqueId(table.node)}`, {
    eventSourceArn: table.tableStreamArn!,
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: reading.batchSize,
    maxBatchingWindow: reading.maxBatchingWindow,
    parallelizationFactor: 1,
    reportBatchItemFailures: reading.reportBatchItemFailures,
    retryAttempts: 20,
    maxRecordAge: Duration.hours(24),
    onFailure: new SqsDlq(reading.onFailure),
    ...(reading.filters ? { filters: reading.filters } : {}),
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadEventStream',
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
      resources: [`${table.tableArn}/stream/*`],
    }),
  );
  return mapping;
}
