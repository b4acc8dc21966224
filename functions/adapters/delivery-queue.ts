/**
 * The webhook delivery queue on SQS. The deliverer is the queue's Lambda consumer; a failed attempt
 * sets the message's visibility to the back-off delay, and the queue's redrive policy moves a message
 * received maxReceiveCount times to the dead-letter queue.
 */
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryJob, DeliveryQueue } from '../app/webhook-ports';
import { batchesOf } from './batches';

/** SQS takes at most 10 messages per batch. */
const BATCH = 10;

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(jobs: readonly DeliveryJob[]): Promise<void> {
    for (const batch of batchesOf(jobs, BATCH)) {
      const entries = batch.map((job, index) => ({ Id: String(index), MessageBody: JSON.stringify(job) }));
      const { Failed } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      if (Failed?.length) throw new Error(`SQS refused ${Failed.length} webhook delivery job(s): ${Failed.map((failure) => failure.Code).join(', ')}`);
    }
  }

  async retryAfter(receipt: string, delaySeconds: number): Promise<void> {
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: delaySeconds }));
  }
}
