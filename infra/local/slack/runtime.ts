/**
 * What the local runtime adds for Slack, started before any handler module loads: the Secrets Manager
 * endpoint holding the bot token and signing secret, the Lambda endpoint that runs the notify Lambda
 * asynchronously (with Lambda's retries), and the Slack stand-in. Returns the endpoints that point the
 * handlers' SDK clients at them and the settings that point `@slack/web-api` at the stand-in, exactly
 * the variables the AWS stack sets.
 *
 * With SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set (a real Slack app, SLACK_CHANNEL naming a channel
 * the bot is in), no stand-in starts and the same code talks to Slack itself; Slack then needs a
 * public URL for /slack/interactions (a tunnel to this machine).
 */
import { randomBytes } from 'node:crypto';
import { type Handler, type LambdaFaultInjector, startLambdaServer, type LambdaServer } from '../lambda-server';
import { startSecretsServer } from '../secrets-server';
import type { LocalMount } from '../http-server';
import { SlackStandIn, slackUserId } from './stand-in';

export const NOTIFY_FUNCTION = 'accessgate-notify';
const LOCAL_SECRET = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:accessgate/${name}-local`;
export const BOT_TOKEN_SECRET_ARN = LOCAL_SECRET('slack-bot-token');
export const SIGNING_SECRET_ARN = LOCAL_SECRET('slack-signing-secret');
export const STAND_IN_CHANNEL = '#db-reviews';

export interface LocalSlackOptions {
  /** Added to every call of the stand-in's API (the benchmark uses 500 ms). */
  readonly delayMs?: number;
  /** The handlers' per-call Slack timeout (SLACK_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Delays before Lambda's retries of a failed notification job; Lambda's own are a minute and two. */
  readonly retryDelaysMs?: readonly number[];
  /** Faults the Lambda stand-in injects into asynchronous invocations (the fault-injection suite). */
  readonly lambdaFaults?: LambdaFaultInjector;
}

export interface LocalSlack {
  /** Set when the stand-in runs (no real Slack credentials). */
  readonly standIn?: SlackStandIn;
  readonly lambda: LambdaServer;
  readonly signingSecret: string;
  /** True when no SLACK_SIGNING_SECRET was given and one was made up for this run. */
  readonly generatedSecret: boolean;
  /** The SDK's AWS_ENDPOINT_URL_* variables for the Lambda and Secrets Manager stand-ins. */
  readonly endpoints: Record<string, string>;
  /** The functions' Slack settings (functions/config.ts). */
  readonly settings: Record<string, string>;
  readonly mounts: readonly LocalMount[];
  /** Tells the stand-in where the API listens, so clicks reach POST /slack/interactions. */
  connect(apiUrl: string): void;
  close(): Promise<void>;
}

/** `bind` makes the notify handler run in the stack's composition. */
export async function startLocalSlack(
  options: LocalSlackOptions,
  people: readonly { email: string; name: string }[],
  bind: (handler: Handler) => Handler,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalSlack> {
  const real = !!env.SLACK_BOT_TOKEN;
  if (real && (!env.SLACK_SIGNING_SECRET || !env.SLACK_CHANNEL)) {
    throw new Error('Real Slack needs SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_CHANNEL together (see the README\'s Slack section).');
  }
  const signingSecret = env.SLACK_SIGNING_SECRET || randomBytes(16).toString('hex');
  const botToken = env.SLACK_BOT_TOKEN || `xoxb-local-${randomBytes(12).toString('hex')}`;
  const secrets = await startSecretsServer(new Map([[BOT_TOKEN_SECRET_ARN, botToken], [SIGNING_SECRET_ARN, signingSecret]]));
  const lambda = await startLambdaServer({
    functions: { [NOTIFY_FUNCTION]: async () => ({ handler: bind((await import('../../../functions/slack/notify')).handler as Handler) }) },
    retryDelaysMs: options.retryDelaysMs ?? [2_000, 5_000],
    ...(options.lambdaFaults ? { faults: options.lambdaFaults } : {}),
  });
  const standIn = real
    ? undefined
    : await SlackStandIn.start({
        botToken,
        signingSecret,
        users: people.map((person) => ({ id: slackUserId(person.email), email: person.email, name: person.name })),
        ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
      });
  return {
    ...(standIn ? { standIn } : {}),
    lambda,
    signingSecret,
    generatedSecret: !env.SLACK_SIGNING_SECRET,
    endpoints: {
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    },
    settings: {
      SLACK_BOT_TOKEN_SECRET_ARN: BOT_TOKEN_SECRET_ARN,
      SLACK_SIGNING_SECRET_ARN: SIGNING_SECRET_ARN,
      SLACK_DEFAULT_CHANNEL: real ? String(env.SLACK_CHANNEL) : STAND_IN_CHANNEL,
      ...(standIn ? { SLACK_API_URL: standIn.apiUrl } : {}),
      ...(options.timeoutMs !== undefined ? { SLACK_TIMEOUT_MS: String(options.timeoutMs) } : {}),
      NOTIFY_FUNCTION_NAME: NOTIFY_FUNCTION,
      DIRECTORY: 'table',
    },
    mounts: standIn ? [standIn.handle] : [],
    connect(apiUrl) {
      if (standIn) standIn.interactivityUrl = `${apiUrl}/slack/interactions`;
    },
    async close() {
      await lambda.close();
      await standIn?.close();
      await secrets.close();
    },
  };
}
