/**
 * A protected resource: one database behind the RDS Data API that engineers run commands against.
 */
import * as z from 'zod';
import { type Identity, inAnyGroup } from './identity';

const name = z.string().trim().min(1).max(128);

export const resourceSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (1-63 characters)'),
    name,
    type: z.enum(['postgres', 'mysql']),
    database: z.string().min(1).max(64),
    clusterArn: z.string().regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z0-9-]+$/, 'must be an Aurora cluster ARN'),
    secretArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/, 'must be a Secrets Manager secret ARN'),
    allowedGroups: z.array(name).min(1, 'name at least one group allowed to use the resource'),
    slackChannel: z.string().min(1).max(80).optional(),
  })
  .strict();

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
