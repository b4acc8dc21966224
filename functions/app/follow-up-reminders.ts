/**
 * The overdue follow-up reminder, run on a schedule: every break-glass follow-up still open after its
 * `dueAt` gets one reminder in its rule's approvers' channel, recorded as `follow_up.reminded` in the
 * session's chain. Once per follow-up, however often the schedule runs and whether or not a run is
 * retried: the reminder port (a ledger claim) decides who posts.
 */
import { isOverdue } from '../domain/follow-up';
import { recordSessionEvent, SYSTEM } from './audit-trail';
import type { FollowUpReminderDeps } from './follow-up-ports';

/** How many overdue follow-ups one page reads; a run reads every page. */
const PAGE = 100;

export interface ReminderRun {
  /** Open follow-ups past their due time. */
  readonly overdue: number;
  /** Reminders this run posted (the rest were posted before, or by a concurrent run). */
  readonly reminded: number;
  readonly failed: number;
}

/**
 * Reminds every overdue follow-up's channel that has not been reminded yet. A failed reminder does not
 * stop the others; the run then throws, so the scheduler's retry (and the next run) sends it.
 */
export async function remindOverdueFollowUps(deps: FollowUpReminderDeps): Promise<ReminderRun> {
  const now = deps.clock.now();
  let overdue = 0;
  let reminded = 0;
  const failures: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.openFollowUps.dueBefore(now.toISOString(), PAGE, cursor);
    for (const session of page.items) {
      // The index may lag a close by a moment; the session's own follow-up is the truth.
      if (!isOverdue(session.followUp, now)) continue;
      overdue++;
      if (!deps.reminder) continue;
      try {
        const posted = await deps.reminder.remind(session, async (notification) => {
          await recordSessionEvent(deps, session.id, 'follow_up.reminded', SYSTEM, { followUp: session.followUp, notification });
        });
        if (posted) reminded++;
      } catch (error) {
        failures.push(error);
        deps.log.error('follow-up reminder failed', { sessionId: session.id, error: (error as Error).message ?? String(error) });
      }
    }
    cursor = page.cursor;
  } while (cursor);
  if (!deps.reminder && overdue) deps.log.warn('overdue follow-ups, and no chat to remind', { overdue });
  if (failures.length) throw failures[0];
  return { overdue, reminded, failed: failures.length };
}
