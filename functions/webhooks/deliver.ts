/**
 * The webhook deliverer Lambda, the delivery queue's consumer (SQS on AWS, the local stand-in through
 * the same handler): one attempt per received job, all jobs of a batch at once so one slow receiver
 * holds up no other. A job to retry gets its back-off as its new visibility timeout and is reported
 * failed (ReportBatchItemFailures); once received WEBHOOK_MAX_ATTEMPTS times the queue's redrive policy
 * moves it to the dead-letter queue.
 */
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../domain/zod';
import { deliverAttempt } from '../app/webhooks';
import type { DeliveryJob } from '../app/webhook-ports';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook';
import { parseOrThrow } from '../domain/validation';
import { webhookDeps } from '../webhook-wiring';

const jobSchema = z.object({
  webhookId: z.string().check(z.minLength(1)),
  eventId: z.string().check(z.minLength(1)),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  body: z.string().check(z.minLength(2)),
}) satisfies z.ZodMiniType<DeliveryJob>;

/** True when the record must come back (retry, or on to the dead-letter queue). */
async function attempt(record: SQSRecord): Promise<boolean> {
  const deps = webhookDeps();
  try {
    const job = parseOrThrow(jobSchema, JSON.parse(record.body), 'webhook delivery job');
    const outcome = await deliverAttempt(deps, job, Number(record.attributes.ApproximateReceiveCount) || 1);
    if (outcome.next === 'retry') await deps.queue.retryAfter(record.receiptHandle, outcome.delaySeconds);
    // Visible again at once, so the redrive policy moves it to the dead-letter queue now, not a visibility timeout later.
    if (outcome.next === 'dead_letter') await deps.queue.retryAfter(record.receiptHandle, 0);
    return outcome.next !== 'done';
  } catch (error) {
    deps.log.error('webhook delivery attempt failed', { messageId: record.messageId, error });
    return true;
  }
}

export const handler = middy<SQSEvent, SQSBatchResponse>().handler(async (event) => {
  const failed = await Promise.all(event.Records.map(async (record) => ((await attempt(record)) ? [record.messageId] : [])));
  return { batchItemFailures: failed.flat().map((itemIdentifier) => ({ itemIdentifier })) };
});
