/**
 * Published events on the stack's EventBridge bus: source `accessgate`, detail-type the event type
 * (`session.done`...), detail the same JSON body webhooks receive.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { BusEvent, EventBus } from '../app/webhook-ports';
import { batchesOf } from './batches';

export const EVENT_SOURCE = 'accessgate';
/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly BusEvent[]): Promise<void> {
    for (const batch of batchesOf(events, BATCH)) {
      const entries = batch.map((event) => ({
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: event.type,
        Detail: event.body,
        Time: new Date(event.at),
        Resources: [],
      }));
      const { FailedEntryCount, Entries } = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if (FailedEntryCount) throw new Error(`EventBridge refused ${FailedEntryCount} event(s): ${(Entries ?? []).map((entry) => entry.ErrorCode).filter(Boolean).join(', ')}`);
    }
  }
}
