/**
 * The admin's configuration file: protected resources and the initial rules. Validated by the CDK app
 * at synth (errors name the bad field) and by the local runtime at start, with the same schema.
 */
import * as z from './zod';
import { InvalidInputError } from './errors';
import { resourceSchema } from './resource';
import { ruleSchema } from './rule';
import { describeIssues } from './validation';

export const productConfigSchema = z.strictObject({
  resources: z.array(resourceSchema).check(z.minLength(1, 'declare at least one protected resource')),
  rules: z._default(z.array(ruleSchema), []),
}).check(z.superRefine((config, ctx) => {
  const ids = new Set<string>();
  config.resources.forEach((resource, index) => {
    if (ids.has(resource.id)) ctx.addIssue({ code: 'custom', path: ['resources', index, 'id'], message: `duplicate resource id "${resource.id}"` });
    ids.add(resource.id);
  });
  const names = new Set<string>();
  config.rules.forEach((rule, index) => {
    if (names.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `duplicate rule name "${rule.name}"` });
    names.add(rule.name);
    rule.resources.forEach((id, position) => {
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'resources', position], message: `unknown resource "${id}"` });
    });
  });
  }));

export type ProductConfig = z.output<typeof productConfigSchema>;

export function parseProductConfig(value: unknown, source: string): ProductConfig {
  const parsed = productConfigSchema.safeParse(value);
  if (!parsed.success) throw new InvalidInputError(`${source} is not a valid accessgate configuration: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
