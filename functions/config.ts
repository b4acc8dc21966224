/**
 * The environment every handler reads, validated once at module load so a misconfigured function fails
 * at cold start with a message naming the variable, not later in the middle of a request.
 * On AWS the CDK bind helpers set these; locally infra/local/main.ts does.
 */
import { z } from 'zod';
import { describeIssues } from './domain/validation';

const envSchema = z.object({
  SESSIONS_TABLE: z.string().min(1),
  EVENTS_TABLE: z.string().min(1),
  RESULTS_TABLE: z.string().min(1),
  STATE_MACHINE_ARN: z.string().min(1).optional(),
  GROUPS_CLAIM: z.string().min(1).default('cognito:groups'),
  ADMIN_GROUP: z.string().min(1).default('admins'),
  AUDITOR_GROUP: z.string().min(1).default('auditors'),
  /** Base URL of the web UI, for links to a session in notifications. */
  WEB_URL: z.string().url().default('http://127.0.0.1:8787'),
  /** Cap on rows returned to the requester; the Data API itself refuses responses over 1 MiB. */
  RESULT_MAX_ROWS: z.coerce.number().int().min(1).max(100_000).default(10_000),
  /** Secrets Manager secret holding the Slack bot token (xoxb-…): Slack is on when it is set. */
  SLACK_BOT_TOKEN_SECRET_ARN: z.string().min(1).optional(),
  /** Secret holding the Slack app's signing secret, which verifies every interactivity request. */
  SLACK_SIGNING_SECRET_ARN: z.string().min(1).optional(),
  /** Channel for review requests when neither the rule nor the resource names one. */
  SLACK_DEFAULT_CHANNEL: z.string().min(1).max(80).optional(),
  /** Base URL of the Slack Web API; unset is Slack itself (the local runtime sets its stand-in here). */
  SLACK_API_URL: z.string().url().optional(),
  /** Per Slack call, in ms: a click must be acknowledged within 3 s in all. */
  SLACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(2_000),
  /** The Lambda that runs notification jobs, invoked asynchronously; unset runs them in-process. */
  NOTIFY_FUNCTION_NAME: z.string().min(1).optional(),
  /** Where a Slack user's identity and groups come from: the mapping table admins maintain, or a Cognito user pool. */
  DIRECTORY: z.enum(['table', 'cognito']).default('table'),
  DIRECTORY_USER_POOL_ID: z.string().min(1).optional(),
}).superRefine((env, ctx) => {
  // Only the interactions endpoint reads the signing secret; every function that posts needs the token and a channel.
  if (!!env.SLACK_BOT_TOKEN_SECRET_ARN !== !!env.SLACK_DEFAULT_CHANNEL) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_DEFAULT_CHANNEL'], message: 'Slack needs SLACK_BOT_TOKEN_SECRET_ARN and SLACK_DEFAULT_CHANNEL together' });
  }
  if (env.DIRECTORY === 'cognito' && !env.DIRECTORY_USER_POOL_ID) {
    ctx.addIssue({ code: 'custom', path: ['DIRECTORY_USER_POOL_ID'], message: 'the Cognito directory needs the user pool id' });
  }
});

export type Config = z.output<typeof envSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) throw new Error(`accessgate is misconfigured: ${describeIssues(parsed.error)}`);
  cached = parsed.data;
  return cached;
}

export const roleGroups = () => ({ admins: config().ADMIN_GROUP, auditors: config().AUDITOR_GROUP });
