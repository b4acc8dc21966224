/**
 * The SQS delivery queue and the EventBridge bus send in batches of at most 10 (the services' limit),
 * in order, and stop at the first batch the service refuses in part.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsDeliveryQueue } from '../../../functions/adapters/delivery-queue';
import { EventBridgeBus } from '../../../functions/adapters/event-bus';

const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);
beforeEach(() => {
  sqs.reset();
  events.reset();
});

const jobs = Array.from({ length: 23 }, (_, i) => ({ webhookId: 'w', eventId: `e${i}`, type: 'session.done' as const, body: `{"n":${i}}` }));

describe('batched sends', () => {
  it('queues 23 delivery jobs as 10, 10 and 3, in order', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await new SqsDeliveryQueue(new SQSClient({}), 'https://queue').send(jobs);
    const sent = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.map((entry) => JSON.parse(entry.MessageBody ?? '').eventId));
    expect(sent.map((batch) => batch?.length)).toEqual([10, 10, 3]);
    expect(sent.flat()).toEqual(jobs.map((job) => job.eventId));
  });

  it('publishes 23 events as 10, 10 and 3, and stops at a batch EventBridge refuses in part', async () => {
    events.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 0, Entries: [] }).resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const bus = new EventBridgeBus(new EventBridgeClient({}), 'bus');
    await expect(bus.publish(jobs.map((job) => ({ type: job.type, at: '2026-11-26T10:00:00.000Z', body: job.body })))).rejects.toThrow('EventBridge refused 1 event(s): ThrottlingException');
    expect(events.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([10, 10]);
  });
});
