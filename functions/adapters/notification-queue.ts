/**
 * Where notification jobs run. With a notify function configured (AWS, and the local runtime's Lambda
 * stand-in) a job is an asynchronous invocation: the caller waits only for Lambda to accept the event
 * (tens of milliseconds), and Lambda retries a job that fails (twice, then the dead-letter queue).
 * Without one, the job runs in the caller's process and a failure is only recorded.
 */
import type { Log, NotificationJob, NotificationQueue } from '../app/ports';
import { LambdaEvents } from './lambda-event';

export class LambdaNotificationQueue extends LambdaEvents implements NotificationQueue {
  enqueue(job: NotificationJob): Promise<void> {
    return this.invoke(job);
  }
}

export class InlineNotificationQueue implements NotificationQueue {
  constructor(
    private readonly run: (job: NotificationJob) => Promise<void>,
    private readonly log: Log,
  ) {}

  async enqueue(job: NotificationJob): Promise<void> {
    try {
      await this.run(job);
    } catch (error) {
      // The job recorded its failure on the session; with nothing to retry it, the log says so too.
      this.log.error('notification job failed', { kind: job.kind, ...('sessionId' in job ? { sessionId: job.sessionId } : {}), error: (error as Error).message });
    }
  }
}
