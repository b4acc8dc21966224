/**
 * Use cases over the catalog: the resources a person may use, rules (admins write, admins and auditors
 * read), and applying the admin's configuration file. Every change is an event in the CONFIG chain
 * with who changed what, before and after.
 */
import { type Actor, actorOf, type Identity } from '../domain/identity';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { governingRule } from '../domain/policy';
import { canUseResource, resourceSummary } from '../domain/resource';
import { type Rule, ruleSchema, ruleSummary } from '../domain/rule';
import type { ProductConfig } from '../domain/product-config';
import { parseOrThrow } from '../domain/validation';
import { canonicalJson } from '../domain/audit-chain';
import { assertAdmin, assertReader } from './access';
import { recordConfigEvent } from './audit-trail';
import type { ResourceView } from './api-views';
import type { Deps } from './ports';

export async function visibleResources(deps: Deps, who: Identity): Promise<ResourceView[]> {
  const [resources, rules] = await Promise.all([deps.catalog.resources(), deps.catalog.rules()]);
  return resources
    .filter((resource) => canUseResource(who, resource))
    .map((resource) => {
      const rule = governingRule(who, resource, rules);
      return {
        ...resourceSummary(resource),
        rule: rule ? ruleSummary(rule) : null,
      };
    });
}

export async function listRules(deps: Deps, who: Identity): Promise<Rule[]> {
  assertReader(deps, who, 'rules');
  return deps.catalog.rules();
}

export async function readRule(deps: Deps, who: Identity, name: string): Promise<Rule> {
  assertReader(deps, who, 'rules');
  const rule = await deps.catalog.rule(name);
  if (!rule) throw new NotFoundError(`Rule "${name}" does not exist.`);
  return rule;
}

async function validateRule(deps: Deps, body: unknown): Promise<Rule> {
  const rule = parseOrThrow(ruleSchema, body, 'rule');
  const known = new Set((await deps.catalog.resources()).map((r) => r.id));
  const unknown = rule.resources.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new InvalidInputError(`resources: unknown resource ${unknown.map((id) => `"${id}"`).join(', ')}`, { fields: ['resources'] });
  }
  return rule;
}

export async function createRule(deps: Deps, who: Identity, body: unknown): Promise<Rule> {
  assertAdmin(deps, who, 'rules');
  const rule = await validateRule(deps, body);
  await deps.catalog.createRule(rule);
  await recordConfigEvent(deps, 'rule.created', actorOf(who), { rule: rule.name, before: null, after: rule });
  return rule;
}

export async function replaceRule(deps: Deps, who: Identity, name: string, body: unknown): Promise<Rule> {
  assertAdmin(deps, who, 'rules');
  const rule = await validateRule(deps, body);
  if (rule.name !== name) throw new InvalidInputError(`name: "${rule.name}" does not match the rule in the path, "${name}"`, { fields: ['name'] });
  const before = await deps.catalog.replaceRule(rule);
  if (!before) throw new NotFoundError(`Rule "${name}" does not exist; create it with POST /rules.`);
  await recordConfigEvent(deps, 'rule.updated', actorOf(who), { rule: name, before, after: rule });
  return rule;
}

export async function deleteRule(deps: Deps, who: Identity, name: string): Promise<void> {
  assertAdmin(deps, who, 'rules');
  const before = await deps.catalog.deleteRule(name);
  if (!before) throw new NotFoundError(`Rule "${name}" does not exist.`);
  await recordConfigEvent(deps, 'rule.deleted', actorOf(who), { rule: name, before, after: null });
}

/**
 * Applies the admin's configuration file (at deploy on AWS, at start locally): resources are upserted
 * from the file, and each rule is created only if no rule has its name, so edits made through the API
 * survive a redeploy. Idempotent: unchanged resources record nothing.
 */
export async function applyConfig(deps: Deps, config: ProductConfig, actor: Actor | { system: string }): Promise<void> {
  for (const resource of config.resources) {
    const before = await deps.catalog.putResource(resource);
    if (!before || canonicalJson(before) !== canonicalJson(resource)) {
      await recordConfigEvent(deps, before ? 'resource.updated' : 'resource.created', actor, { resource: resource.id, before: before ?? null, after: resource });
    }
  }
  for (const rule of config.rules) {
    try {
      await deps.catalog.createRule(rule);
      await recordConfigEvent(deps, 'rule.created', actor, { rule: rule.name, before: null, after: rule, source: 'configuration file' });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}
