/**
 * The follow-up reminder Lambda, run hourly by an EventBridge schedule (infra/constructs/slack.ts):
 * posts one reminder per overdue break-glass follow-up to its rule's approvers' channel. A run with a
 * failed reminder throws, so Lambda's asynchronous retry runs it again; reminders already posted are
 * not posted twice (functions/app/follow-up-reminders.ts).
 */
import middy from '@middy/core';
import { remindOverdueFollowUps, type ReminderRun } from '../app/follow-up-reminders';
import { followUpReminderDeps } from '../follow-up-wiring';

export const handler = middy<unknown, ReminderRun>().handler(async () => remindOverdueFollowUps(followUpReminderDeps()));
