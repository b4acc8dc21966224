/**
 * The ports of the overdue follow-up reminder (functions/app/follow-up-reminders.ts), beside ports.ts:
 * only the scheduled reminder function needs them. Nothing here names AWS or Slack.
 */
import type { Session } from '../domain/session';
import type { Deps, Page } from './ports';

/**
 * Sessions whose break-glass follow-up is still open, by due time: an index that holds a session from
 * its forced approval until its follow-up is closed (the store's closeFollowUp removes it in the same
 * write that closes it). Read-only; a follow-up closed while a page is read may still be in that page.
 */
export interface OpenFollowUps {
  /** Open follow-ups due before `before` (ISO time), the earliest due first. */
  dueBefore(before: string, limit: number, cursor?: string): Promise<Page<Session>>;
}

/**
 * Posts one overdue follow-up's reminder to its rule's approvers' channel, once per session however
 * often and however concurrently it is asked: of two callers (two scheduled runs, a run and its retry)
 * one posts and the other answers false. `sent` runs after the post and before the reminder counts as
 * done; if it (or the post) fails the reminder is not done, and a later call sends it again once the
 * claim's lease has run out: at least once, never silently dropped.
 */
export interface FollowUpReminder {
  remind(session: Session, sent: (notification: Record<string, string>) => Promise<void>): Promise<boolean>;
}

export interface FollowUpReminderDeps extends Pick<Deps, 'events' | 'clock' | 'log'> {
  readonly openFollowUps: OpenFollowUps;
  /** Absent when no chat is configured: overdue follow-ups are then only listed (GET /reviews?scope=follow-up). */
  readonly reminder?: FollowUpReminder;
}
