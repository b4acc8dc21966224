/**
 * The settings of a function, read from its environment: the only product module that reads
 * `process.env`. Parsing is pure and uncached; the composition root (wiring.ts) parses once per cold
 * start and keeps the result in the composition it builds, so a misconfigured function fails at its
 * first invocation with a message naming the variable, not later in the middle of a request.
 * On AWS the CDK bind helpers set these; locally infra/local/stack.ts passes them in explicitly.
 */
import * as z from './domain/zod';
import { RUN_CLAIM_SECONDS } from './domain/command-run';
import { describeIssues } from './domain/validation';
import { WEBHOOK_TARGET_POLICIES } from './domain/webhook-address';

/** A function's environment, or the settings the local runtime hands over in its place. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The claim of the ID token that lists a person's groups, unless GROUPS_CLAIM names another. */
export const DEFAULT_GROUPS_CLAIM = 'cognito:groups';

const envSchema = z.object({
  SESSIONS_TABLE: z.string().check(z.minLength(1)),
  EVENTS_TABLE: z.string().check(z.minLength(1)),
  RESULTS_TABLE: z.string().check(z.minLength(1)),
  STATE_MACHINE_ARN: z.optional(z.string().check(z.minLength(1))),
  /** The machine a command waiting for its review starts (statemachines/command-review.asl.json); set with STATE_MACHINE_ARN. */
  COMMAND_REVIEW_STATE_MACHINE_ARN: z.optional(z.string().check(z.minLength(1))),
  GROUPS_CLAIM: z._default(z.string().check(z.minLength(1)), DEFAULT_GROUPS_CLAIM),
  ADMIN_GROUP: z._default(z.string().check(z.minLength(1)), 'admins'),
  AUDITOR_GROUP: z._default(z.string().check(z.minLength(1)), 'auditors'),
  /** Base URL of the web UI, for links to a session in notifications. */
  WEB_URL: z._default(z.url(), 'http://127.0.0.1:8787'),
  /** Cap on rows returned to the requester; the Data API itself refuses responses over 1 MiB. */
  RESULT_MAX_ROWS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100_000)), 10_000),
  /** Secrets Manager secret holding the Slack bot token (xoxb-…): Slack is on when it is set. */
  SLACK_BOT_TOKEN_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Secret holding the Slack app's signing secret, which verifies every interactivity request. */
  SLACK_SIGNING_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Channel for review requests when neither the rule nor the resource names one. */
  SLACK_DEFAULT_CHANNEL: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
  /** Base URL of the Slack Web API; unset is Slack itself (the local runtime sets its stand-in here). */
  SLACK_API_URL: z.optional(z.url()),
  /** Per Slack call, in ms: a click must be acknowledged within 3 s in all. */
  SLACK_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(10_000)), 2_000),
  /** The Lambda that runs notification jobs, invoked asynchronously; unset runs them in-process. */
  NOTIFY_FUNCTION_NAME: z.optional(z.string().check(z.minLength(1))),
  /**
   * The Lambda that runs a command no rule covers, invoked asynchronously (functions/workflow/run.ts);
   * unset runs it in the session workflow instead.
   */
  RUN_FUNCTION_NAME: z.optional(z.string().check(z.minLength(1))),
  /**
   * How long a running session's claim may belong to a run still at work (functions/domain/command-run.ts);
   * the local runtime's tests shorten it together with the Lambda stand-in's retry delays.
   */
  RUN_CLAIM_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(900)), RUN_CLAIM_SECONDS),
  /**
   * Where a reviewer's groups come from, on every decision path (functions/app/people.ts): the mapping
   * table admins maintain, a Cognito user pool, or, where the API is the only path (no Slack), the
   * token itself.
   */
  DIRECTORY: z._default(z.enum(['table', 'cognito', 'token']), 'table'),
  DIRECTORY_USER_POOL_ID: z.optional(z.string().check(z.minLength(1))),
  /**
   * The key that makes the API's cursors tamper-evident (functions/api/cursor.ts): a Secrets Manager
   * generated value on AWS (infra/stack.ts), a key generated under the data folder locally. Without
   * it a listing that needs a second page answers 500, naming this variable in the log.
   */
  CURSOR_KEY: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  /** The WebSocket endpoint (wss://…) waiting clients follow sessions through; GET /me names it. */
  SOCKET_URL: z.optional(z.url()),
}).check(z.superRefine((env, ctx) => {
  // Only the interactions endpoint reads the signing secret; every function that posts needs the token and a channel.
  if (!!env.SLACK_BOT_TOKEN_SECRET_ARN !== !!env.SLACK_DEFAULT_CHANNEL) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_DEFAULT_CHANNEL'], message: 'Slack needs SLACK_BOT_TOKEN_SECRET_ARN and SLACK_DEFAULT_CHANNEL together' });
  }
  // A function that starts workflows starts both machines (domain/workflow-route.ts machineFor).
  if (!!env.STATE_MACHINE_ARN !== !!env.COMMAND_REVIEW_STATE_MACHINE_ARN) {
    ctx.addIssue({ code: 'custom', path: ['COMMAND_REVIEW_STATE_MACHINE_ARN'], message: 'a function that starts workflows needs STATE_MACHINE_ARN and COMMAND_REVIEW_STATE_MACHINE_ARN together' });
  }
  if (env.DIRECTORY === 'token' && env.SLACK_SIGNING_SECRET_ARN) {
    ctx.addIssue({ code: 'custom', path: ['DIRECTORY'], message: 'Slack clicks carry no token: with Slack the directory must be "table" or "cognito"' });
  }
  if (env.DIRECTORY === 'cognito' && !env.DIRECTORY_USER_POOL_ID) {
    ctx.addIssue({ code: 'custom', path: ['DIRECTORY_USER_POOL_ID'], message: 'the Cognito directory needs the user pool id' });
  }
}));

export type Config = z.output<typeof envSchema>;

/** The environment of this function (Lambda sets it from the stack's configuration). */
export const functionEnvironment = (): Environment => process.env;

/** Parses and validates the settings; throws naming every variable that is wrong. */
export function loadConfig(env: Environment = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`accessgate is misconfigured: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export const roleGroups = (config: Config) => ({ admins: config.ADMIN_GROUP, auditors: config.AUDITOR_GROUP });

const evidenceSchema = z.object({
  EVENTS_TABLE: z.string().check(z.minLength(1)),
  /** Export cursors, digest chain head, period manifests (infra/tables.ts evidenceTable). */
  EVIDENCE_TABLE: z.optional(z.string().check(z.minLength(1))),
  /** The Object Lock bucket. */
  EVIDENCE_BUCKET: z.optional(z.string().check(z.minLength(1))),
  /** KMS key id or ARN of the RSA_2048 SIGN_VERIFY key that signs digests. */
  DIGEST_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  /** Where DynamoDB writes the daily PITR export before it is copied under lock (expires its objects). */
  EXPORT_STAGING_BUCKET: z.optional(z.string().check(z.minLength(1))),
  EVENTS_TABLE_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Length of a digest period; ACCESSGATE_DIGEST_SECONDS sets it for `npm start`. */
  DIGEST_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(86_400)), 3600),
  /** Compliance retention of each object; matches the bucket's default retention. */
  EVIDENCE_RETENTION_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(36_500)), 400),
});

/** The audit evidence functions' settings (exporter, digest sealer, table export, audit API). */
export type EvidenceSettings = z.output<typeof evidenceSchema>;

export function loadEvidenceSettings(env: Environment = process.env): EvidenceSettings {
  const parsed = evidenceSchema.safeParse(env);
  if (!parsed.success) throw new Error(`accessgate audit evidence is misconfigured: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

const webhookSchema = z.object({
  /**
   * The key every webhook's signing secret is derived from (functions/domain/webhook.ts): on AWS the
   * Secrets Manager secret WEBHOOK_KEY_SECRET_ARN names, read at run time, so the key is in no function's
   * configuration; locally the key itself, generated under the data folder. Registering a webhook or
   * delivering to one without either fails naming them.
   */
  WEBHOOK_KEY: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  WEBHOOK_KEY_SECRET_ARN: z.optional(z.string().check(z.minLength(1))),
  /** Which targets webhooks may call (functions/domain/webhook-address.ts); the local runtime adds loopback. */
  WEBHOOK_TARGETS: z._default(z.enum(WEBHOOK_TARGET_POLICIES), 'public-https'),
  /** The SQS queue of delivery jobs (the dispatcher sends, the deliverer's retries change visibility). */
  WEBHOOK_QUEUE_URL: z.optional(z.string().check(z.minLength(1))),
  /** Attempts per delivery before the dead-letter queue; the stack sets the queue's maxReceiveCount to the same. */
  WEBHOOK_MAX_ATTEMPTS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(20)), 5),
  /** Delay before the second attempt; each later one doubles it, up to 15 minutes. */
  WEBHOOK_RETRY_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(900)), 30),
  /** How long one attempt waits for the receiver's answer. */
  WEBHOOK_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(10_000)), 5_000),
  /** The custom EventBridge bus the dispatcher also publishes to; unset publishes to no bus. */
  EVENT_BUS_NAME: z.optional(z.string().check(z.minLength(1))),
});

/** The webhook functions' settings (API, dispatcher, deliverer). */
export type WebhookSettings = z.output<typeof webhookSchema>;

export function loadWebhookSettings(env: Environment = process.env): WebhookSettings {
  const parsed = webhookSchema.safeParse(env);
  if (!parsed.success) throw new Error(`accessgate webhooks are misconfigured: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

const pushSchema = z.object({
  /** Waiting clients' connections (infra/tables.ts connectionsTable). */
  CONNECTIONS_TABLE: z.string().check(z.minLength(1)),
  /** Where PostToConnection goes: the WebSocket stage's https URL (the management API's endpoint). */
  SOCKET_CALLBACK_URL: z.optional(z.url()),
  /** The issuer whose ID tokens open a connection, as the HTTP API's JWT authorizer trusts it. */
  JWT_ISSUER: z.optional(z.url()),
  /** Accepted `aud` (or `client_id`) values, comma-separated, as the HTTP API's JWT authorizer has them. */
  JWT_AUDIENCE: z.optional(z.string().check(z.minLength(1))),
});

/** The settings of the functions behind the WebSocket API and the session stream (functions/push-wiring.ts). */
export type PushSettings = z.output<typeof pushSchema>;

export function loadPushSettings(env: Environment = process.env): PushSettings {
  const parsed = pushSchema.safeParse(env);
  if (!parsed.success) throw new Error(`accessgate push to waiting clients is misconfigured: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
