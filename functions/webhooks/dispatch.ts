/**
 * The webhook dispatcher Lambda, on the event log's DynamoDB stream (the local runtime feeds it the same
 * records from its stand-in): each inserted event of a published type becomes delivery jobs for the
 * webhooks subscribed to it, and an event on the bus. A batch that fails is thrown, so the stream
 * delivers it again; jobs queued before the failure may be queued twice (receivers deduplicate on
 * x-accessgate-event-id).
 */
import middy from '@middy/core';
import type { AttributeValue, DynamoDBStreamEvent } from 'aws-lambda';
import { dispatchRecordedEvents } from '../app/webhooks';
import type { AuditEvent } from '../domain/audit-chain';
import { webhookDeps } from '../webhook-wiring';

/** A stream image's attribute as plain JSON (the event log writes strings, numbers, booleans, nulls, maps and lists). */
function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL) return null;
  if (value.M) return Object.fromEntries(Object.entries(value.M).map(([key, inner]) => [key, plain(inner)]));
  if (value.L) return value.L.map(plain);
  if (value.SS) return value.SS;
  if (value.NS) return value.NS.map(Number);
  return undefined;
}

export function recordedEvents(event: DynamoDBStreamEvent): AuditEvent[] {
  return (event.Records ?? []).flatMap((record) => {
    const image = record.dynamodb?.NewImage;
    // The event log is append-only: only inserts carry events.
    if (record.eventName !== 'INSERT' || !image) return [];
    const { pk: _pk, sk: _sk, ...fields } = plain({ M: image }) as Record<string, unknown>;
    return [fields as unknown as AuditEvent];
  });
}

export const handler = middy<DynamoDBStreamEvent, void>().handler(async (event) => {
  const deps = webhookDeps();
  const counts = await dispatchRecordedEvents(deps, recordedEvents(event));
  if (counts.jobs || counts.published) deps.log.info('webhook events dispatched', counts);
});
