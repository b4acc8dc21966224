/**
 * The overdue follow-up reminder on the local runtime: the same handler module the hourly EventBridge
 * schedule invokes on AWS (functions/slack/follow-up-reminder.ts), run by a timer playing the
 * schedule. It reads the composition's clock, so a stack started with an injected clock
 * (LocalStackOptions.clock) can make a follow-up overdue without waiting two days.
 */
import type { ReminderRun } from '../../functions/app/follow-up-reminders';
import { every } from './evidence';

type Bind = <E, C, R>(handler: (event: E, context: C) => Promise<R>) => (event: E, context: C) => Promise<R>;

export interface LocalFollowUpReminder {
  /** Runs the reminder now (as the schedule would), after any run in progress; undefined when it failed (logged). */
  now(): Promise<ReminderRun | undefined>;
  stop(): Promise<void>;
}

/**
 * Starts the reminder every `everyMs` (an hour, as on AWS), the first run one period after start, so
 * nothing runs while a short-lived stack (a test, a cost scenario) measures what a command does.
 */
export async function startLocalFollowUpReminder(bind: Bind, everyMs = 3600_000): Promise<LocalFollowUpReminder> {
  const { handler } = await import('../../functions/slack/follow-up-reminder');
  const remind = bind(handler as (event: unknown, context: unknown) => Promise<ReminderRun>);
  const context = () => ({ functionName: 'FollowUpReminder', awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 120_000 });
  return every('follow-up reminder', everyMs, everyMs, () => remind({}, context()));
}
