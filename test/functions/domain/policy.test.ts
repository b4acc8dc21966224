import { describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidInputError } from '../../../functions/domain/errors';
import { evaluateCommand, governingRule } from '../../../functions/domain/policy';
import { resourceSchema } from '../../../functions/domain/resource';
import { ruleSchema } from '../../../functions/domain/rule';

const resource = resourceSchema.parse({
  id: 'postgres-demo',
  name: 'Orders',
  type: 'postgres',
  database: 'postgres',
  clusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf',
  allowedGroups: ['dba', 'sre'],
});
const rule = (overrides: Record<string, unknown>) =>
  ruleSchema.parse({ name: 'r', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], ...overrides });
const alice = { sub: 'a', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
const carol = { sub: 'c', email: 'carol@example.com', name: 'Carol', groups: ['sre'] };
const mallory = { sub: 'm', email: 'mallory@example.com', name: 'Mallory', groups: ['marketing'] };

describe('evaluateCommand', () => {
  it('refuses a person outside the resource\'s groups', () => {
    expect(() => evaluateCommand(mallory, resource, [], undefined)).toThrow(ForbiddenError);
  });

  it('finds no rule when none binds the resource: the command runs at once', () => {
    expect(evaluateCommand(alice, resource, [rule({ resources: ['other'] })], undefined).rule).toBeUndefined();
  });

  it('applies a rule with empty requester groups to everyone, and a scoped rule only to its groups', () => {
    expect(evaluateCommand(alice, resource, [rule({ name: 'all' })], undefined).rule?.name).toBe('all');
    const scoped = [rule({ name: 'sre-only', requesterGroups: ['sre'] })];
    expect(evaluateCommand(alice, resource, scoped, undefined).rule).toBeUndefined();
    expect(evaluateCommand(carol, resource, scoped, undefined).rule?.name).toBe('sre-only');
  });

  it('picks the strictest of several covering rules, whatever their order', () => {
    const rules = [rule({ name: 'loose', approvalsRequired: 1 }), rule({ name: 'strict', approvalsRequired: 3 }), rule({ name: 'mid', approvalsRequired: 2 })];
    expect(governingRule(alice, resource, rules)?.name).toBe('strict');
    expect(governingRule(alice, resource, [...rules].reverse())?.name).toBe('strict');
  });

  it('demands a reason when the rule requires one', () => {
    const rules = [rule({ reasonRequired: true })];
    expect(() => evaluateCommand(alice, resource, rules, '  ')).toThrow(InvalidInputError);
    expect(evaluateCommand(alice, resource, rules, 'ticket OPS-1').rule?.name).toBe('r');
  });
});

describe('ruleSchema', () => {
  it('fills the documented defaults', () => {
    expect(rule({})).toMatchObject({ mode: 'command', approvalsRequired: 1, requesterGroups: [], forceApprovalGroups: [], reviewTimeoutSeconds: 3600, reasonRequired: false });
  });
  it('bounds approvals to 1-5 and refuses unknown fields', () => {
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalGroups: ['g'], approvalsRequired: 6 }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalGroups: ['g'], approvalsRequired: 0 }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalGroups: ['g'], approvers: ['bob'] }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalGroups: [] }).success).toBe(false);
  });
});
