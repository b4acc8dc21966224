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
