/**
 * The delivery queue stand-in behaves as SQS with a redrive policy: a job reported failed comes back
 * after the delay its consumer set (or the visibility timeout), and one received maxReceiveCount times
 * goes to the dead-letter list instead. Fake timers: the delays are counted, not waited for.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalDeliveryQueue } from '../../../infra/local/webhooks';

const job = { webhookId: 'w1', eventId: 'e1', type: 'session.done' as const, body: '{}' };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LocalDeliveryQueue', () => {
  it('redelivers a failed job after the delay its consumer asked for, then dead-letters it at maxReceiveCount', async () => {
    const queue = new LocalDeliveryQueue({ maxReceiveCount: 3 });
    const receives: { at: number; count: string }[] = [];
    const start = Date.now();
    queue.consume(async (event: SQSEvent) => {
      const [record] = event.Records;
      receives.push({ at: Date.now() - start, count: record!.attributes.ApproximateReceiveCount });
      await queue.retryAfter(record!.receiptHandle, 30 * Number(record!.attributes.ApproximateReceiveCount));
      return { batchItemFailures: [{ itemIdentifier: record!.messageId }] };
    });

    await queue.send([job]);
    const idle = queue.idle();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(receives).toEqual([{ at: 0, count: '1' }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(receives).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(receives).toEqual([{ at: 0, count: '1' }, { at: 30_000, count: '2' }, { at: 90_000, count: '3' }]);
    expect(queue.deadLetters).toEqual([]);
    await vi.advanceTimersByTimeAsync(90_000);
    await idle;
    expect(receives).toHaveLength(3);
    expect(queue.deadLetters).toEqual([job]);
    queue.close();
  });

  it('deletes a job its consumer did not report failed, and brings back one whose consumer threw after the visibility timeout', async () => {
    const queue = new LocalDeliveryQueue({ maxReceiveCount: 5, visibilityTimeoutSeconds: 10 });
    let calls = 0;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    queue.consume(async () => {
      if (++calls === 1) throw new Error('deliverer crashed');
      return { batchItemFailures: [] };
    });
    await queue.send([job]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await queue.idle();
    expect(calls).toBe(2);
    expect(queue.deadLetters).toEqual([]);
    errors.mockRestore();
    queue.close();
  });

  it('refuses a receipt handle that is no longer in flight, as SQS does', async () => {
    const queue = new LocalDeliveryQueue({ maxReceiveCount: 1 });
    await expect(queue.retryAfter('nobody#1', 5)).rejects.toThrow(/ReceiptHandleIsInvalid/);
  });
});
