/**
 * The composition root of the overdue follow-up reminder (functions/slack/follow-up-reminder.ts),
 * beside wiring.ts and built on the same composition, once per composition at first use. With a
 * Slack bot token configured the reminder posts to Slack; without one, overdue follow-ups are only
 * counted and logged. Nothing here knows which runtime it is on.
 */
import { DynamoNotificationLedger } from './adapters/notification-ledger';
import { DynamoOpenFollowUps } from './adapters/open-follow-ups';
import { SlackFollowUpReminder } from './adapters/slack-follow-up';
import type { FollowUpReminderDeps } from './app/follow-up-ports';
import { slackApiOf } from './slack-wiring';
import { type Composition, perComposition } from './wiring';

/** The reminder's dependencies on a composition; reads no environment. */
export function buildFollowUpReminderDeps(base: Composition): FollowUpReminderDeps {
  const { events, clock, log, catalog, sessions } = base.deps;
  const { config, clients } = base;
  const slack = slackApiOf(config, base.secrets);
  return {
    events,
    clock,
    log,
    openFollowUps: new DynamoOpenFollowUps(clients.dynamo, config.SESSIONS_TABLE, sessions),
    ...(slack
      ? {
          reminder: new SlackFollowUpReminder(slack, catalog, new DynamoNotificationLedger(clients.dynamo, config.SESSIONS_TABLE), {
            webUrl: config.WEB_URL,
            defaultChannel: config.SLACK_DEFAULT_CHANNEL ?? '',
          }),
        }
      : {}),
  };
}

/** The reminder's dependencies for the invocation in progress. */
export const followUpReminderDeps: () => FollowUpReminderDeps = perComposition(buildFollowUpReminderDeps);
