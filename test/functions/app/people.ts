/**
 * The people, resource and rule the use cases' tests share: alice runs commands on the orders
 * database, bob and carol approve them, sre may force, dana administers, erin audits, mallory is
 * nobody in particular.
 */
import type { Identity } from '../../../functions/domain/identity';
import type { Resource } from '../../../functions/domain/resource';
import { type Rule, ruleSchema } from '../../../functions/domain/rule';

const person = (name: string, n: number, groups: string[]): Identity => ({
  sub: `${n}${n}${n}${n}${n}${n}${n}${n}-0000-4000-8000-00000000000${n}`,
  email: `${name.toLowerCase()}@example.com`,
  name,
  groups,
});

export const alice = person('Alice', 1, ['dba']);
export const bob = person('Bob', 2, ['dba-approvers']);
export const carol = person('Carol', 3, ['dba-approvers']);
export const sam = person('Sam', 4, ['sre']);
export const dana = person('Dana', 5, ['admins']);
export const erin = person('Erin', 6, ['auditors']);
export const mallory = person('Mallory', 7, ['dba']);

export const orders: Resource = {
  id: 'orders',
  name: 'Orders (production)',
  type: 'postgres',
  database: 'orders',
  clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-ro',
  allowedGroups: ['dba'],
};

export const reviewedRule = (overrides: Partial<Rule> = {}): Rule =>
  ruleSchema.parse({
    name: 'dba-by-command',
    resources: ['orders'],
    requesterGroups: ['dba'],
    approvalGroups: ['dba-approvers'],
    forceApprovalGroups: ['sre'],
    ...overrides,
  });
