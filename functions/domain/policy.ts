/**
 * Policy evaluation: may this person run a command on this resource, and which rule governs it.
 */
import { ForbiddenError, InvalidInputError } from './errors';
import { type Identity, inAnyGroup } from './identity';
import { canUseResource, type Resource } from './resource';
import { reasonMatches } from './reason-format';
import { approvalsRequiredOf, type Rule } from './rule';

/** Rules bound to the resource that cover this requester (empty requester groups cover everyone). */
export function rulesCovering(who: Identity, resource: Resource, rules: readonly Rule[]): Rule[] {
  return rules.filter(
    (rule) =>
      rule.resources.includes(resource.id) &&
      (rule.requesterGroups.length === 0 || inAnyGroup(who, rule.requesterGroups)),
  );
}

/**
 * When several rules cover a command the strictest wins (most approvals, then shortest review window,
 * then name), so adding a rule can only tighten control, never loosen it.
 */
export function governingRule(who: Identity, resource: Resource, rules: readonly Rule[]): Rule | undefined {
  return rulesCovering(who, resource, rules).sort(
    (a, b) =>
      approvalsRequiredOf(b) - approvalsRequiredOf(a) ||
      Number(b.reasonRequired) - Number(a.reasonRequired) ||
      a.reviewTimeoutSeconds - b.reviewTimeoutSeconds ||
      a.name.localeCompare(b.name),
  )[0];
}

export interface CommandDecision {
  readonly rule: Rule | undefined;
}

/** Decides a submission or throws the error its requester must see. */
export function evaluateCommand(
  who: Identity,
  resource: Resource,
  rules: readonly Rule[],
  reason: string | undefined,
): CommandDecision {
  if (!canUseResource(who, resource)) {
    throw new ForbiddenError(
      `You may not use resource "${resource.id}": it is open to the groups ${resource.allowedGroups.join(', ')}.`,
      'resource_not_allowed',
    );
  }
  const rule = governingRule(who, resource, rules);
  if (rule?.reasonRequired && !reason?.trim()) {
    throw new InvalidInputError(`Rule "${rule.name}" requires a reason for every command on "${resource.id}".`, {
      fields: ['reason'],
    });
  }
  if (rule?.reasonPattern) assertReasonFormat(rule.name, rule.reasonPattern, reason?.trim());
  return { rule };
}

/** A rule with a reasonPattern requires a reason, and the whole of it must match (functions/domain/reason-format.ts). */
function assertReasonFormat(ruleName: string, pattern: string, reason: string | undefined): void {
  if (!reason) {
    throw new InvalidInputError(`reason: rule "${ruleName}" requires a reason matching ${pattern}`, { fields: ['reason'] });
  }
  if (!reasonMatches(pattern, reason)) {
    throw new InvalidInputError(`reason: "${reason.slice(0, 100)}" does not match ${pattern}, the format rule "${ruleName}" requires`, { fields: ['reason'] });
  }
}
