/**
 * The Slack side of a composition, beside wiring.ts and built on the same composition, once per
 * composition at first use: Slack's Web API client, the notifier that posts and redraws review
 * messages (claiming each in the notification ledger, Powertools Idempotency), and, where no notify
 * function is configured, a notification queue that runs jobs through them in the caller's process.
 *
 * Only the functions that talk to Slack themselves take their dependencies from here (slack/notify.ts,
 * slack/interactions.ts, workflow/await-review.ts; the follow-up reminder through follow-up-wiring.ts):
 * the stack gives the bot token to those alone (infra/constructs/slack.ts, `bindPoster`), so
 * @slack/web-api and the ledger stay out of every other bundle. Any other function hands its jobs to the
 * notify function (NOTIFY_FUNCTION_NAME) or, without one, logs them (wiring.ts).
 */
import { DynamoNotificationLedger } from './adapters/notification-ledger';
import { InlineNotificationQueue } from './adapters/notification-queue';
import type { SecretStore } from './adapters/secrets';
import { SlackApi, SlackNotifier } from './adapters/slack';
import { runNotificationJob } from './app/notifications';
import type { Deps } from './app/ports';
import type { Config } from './config';
import { type Composition, perComposition } from './wiring';

/** Slack's Web API when a bot token is configured; its token is read through `secrets` at first use. */
export function slackApiOf(config: Config, secrets: SecretStore): SlackApi | undefined {
  const tokenSecret = config.SLACK_BOT_TOKEN_SECRET_ARN;
  return tokenSecret
    ? new SlackApi({ token: () => secrets.string(tokenSecret), tokenRefused: () => secrets.forget(tokenSecret), apiUrl: config.SLACK_API_URL, timeoutMs: config.SLACK_TIMEOUT_MS })
    : undefined;
}

/**
 * The composition's dependencies with Slack as notifier and chat when a bot token is configured; the
 * composition's own otherwise (approvers then find reviews in the web UI, the CLI or GET /reviews).
 * Reads no environment.
 */
export function buildSlackDeps(base: Composition): Deps {
  const { config, clients } = base;
  const slack = slackApiOf(config, base.secrets);
  if (!slack) return base.deps;
  const notifier = new SlackNotifier(slack, base.deps.catalog, new DynamoNotificationLedger(clients.dynamo, config.SESSIONS_TABLE), {
    webUrl: config.WEB_URL,
    defaultChannel: config.SLACK_DEFAULT_CHANNEL ?? '',
  });
  const deps: Deps = {
    ...base.deps,
    notifier,
    chat: slack,
    notifications: config.NOTIFY_FUNCTION_NAME ? base.deps.notifications : new InlineNotificationQueue((job) => runNotificationJob(deps, job), base.deps.log),
  };
  return deps;
}

/** The use cases' dependencies, with Slack, for the invocation in progress. */
export const slackDeps: () => Deps = perComposition(buildSlackDeps);
