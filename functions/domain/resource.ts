/**
 * A protected resource: one database behind the RDS Data API that engineers run commands against.
 */
import { type Identity, inAnyGroup } from './identity';
import * as z from './zod';

const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));

export const resourceSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (1-63 characters)')),
  name,
  type: z.enum(['postgres', 'mysql']),
  database: z.string().check(z.minLength(1), z.maxLength(64)),
  clusterArn: z.string().check(z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z0-9-]+$/, 'must be an Aurora cluster ARN')),
  secretArn: z
    .string()
    .check(z.regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'must be a Secrets Manager secret ARN')),
  allowedGroups: z.array(name).check(z.minLength(1, 'name at least one group allowed to use the resource')),
  slackChannel: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
});

export type Resource = z.output<typeof resourceSchema>;

export const canUseResource = (who: Identity, resource: Resource): boolean =>
  inAnyGroup(who, resource.allowedGroups);

/** What sessions and listings show about a resource: never its ARNs. */
export const resourceSummary = (resource: Resource) => ({
  id: resource.id,
  name: resource.name,
  type: resource.type,
  database: resource.database,
});
export type ResourceSummary = ReturnType<typeof resourceSummary>;
