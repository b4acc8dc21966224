import { describe, expect, it } from 'vitest';
import { chooseStep, stepProgressText } from '../../../functions/domain/approval-steps';
import { ConflictError } from '../../../functions/domain/errors';
import type { Identity } from '../../../functions/domain/identity';
import { approvalsRequiredOf, approverGroupsOf, ruleSchema, ruleSnapshot, type RuleInput } from '../../../functions/domain/rule';
import { type Approval, decideReview, newSession, type Session } from '../../../functions/domain/session';
import { refusalText, reviewMessage } from '../../../functions/domain/slack-message';

const person = (name: string, groups: string[]): Identity => ({ sub: `sub-${name}`, email: `${name}@example.com`, name, groups });
const alice = person('alice', ['dba']);
const bob = person('bob', ['dba-approvers']);
const grace = person('grace', ['dba-approvers']);
const sam = person('sam', ['sre']);
const both = person('both', ['dba-approvers', 'sre']);
const now = new Date('2026-11-30T10:00:00.000Z');
const resource = { id: 'postgres-demo', name: 'Orders', type: 'postgres' as const, database: 'postgres' };

const stepsRule = (extra: Partial<RuleInput> = {}) =>
  ruleSchema.parse({
    name: 'two-steps',
    resources: ['postgres-demo'],
    approvalSteps: [{ groups: ['dba-approvers'], approvals: 1 }, { groups: ['sre'], approvals: 1 }],
    ...extra,
  });

const pending = (extra: Partial<RuleInput> = {}): Session =>
  newSession({ id: 's-1', now, requester: alice, resource, command: 'select 1', rule: ruleSnapshot(stepsRule(extra)) });

/** Applies decided approvals the way the store does, so each decision sees the ones before it. */
function approveAll(session: Session, ...people: Identity[]): Session {
  return people.reduce<Session>((current, who) => {
    const action = decideReview(current, who, { decision: 'approve', via: 'api' }, now);
    if (action.kind !== 'approve') throw new Error(`expected an approval, got ${action.kind}`);
    return { ...current, approvals: [...current.approvals, action.approval] };
  }, session);
}

const refusal = (fn: () => unknown): ConflictError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConflictError) return error;
    throw error;
  }
  throw new Error('expected a ConflictError');
};

describe('ruleSchema with approvalSteps', () => {
  it('keeps the steps, needs one approval per step member in all, and asks every step group to review', () => {
    const rule = stepsRule({ ordered: true });
    expect(rule.approvalsRequired).toBeUndefined();
    expect(approvalsRequiredOf(rule)).toBe(2);
    expect(approverGroupsOf(rule)).toEqual(['dba-approvers', 'sre']);
    expect(ruleSnapshot(rule)).toMatchObject({ approvalGroups: ['dba-approvers', 'sre'], approvalsRequired: 2, ordered: true });
  });

  it('refuses a rule that gives both ways of saying who approves, naming the field', () => {
    const both = ruleSchema.safeParse({ ...stepsRule(), approvalGroups: ['dba-approvers'] });
    expect(both.success).toBe(false);
    expect(both.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['approvalGroups']);
    const count = ruleSchema.safeParse({ ...stepsRule(), approvalsRequired: 2 });
    expect(count.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['approvalsRequired']);
  });

  it('refuses ordered without steps, an empty step, a step without groups and unknown step fields', () => {
    const plain = { name: 'r', resources: ['postgres-demo'], approvalGroups: ['g'] };
    expect(ruleSchema.safeParse({ ...plain, ordered: true }).error?.issues[0]?.path).toEqual(['ordered']);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalSteps: [] }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalSteps: [{ groups: [], approvals: 1 }] }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'], approvalSteps: [{ groups: ['g'], approvals: 1, who: 'x' }] }).success).toBe(false);
    expect(ruleSchema.safeParse({ name: 'r', resources: ['x'] }).error?.issues[0]?.path).toEqual(['approvalGroups']);
  });

  it('still fills one approval for a rule without steps', () => {
    expect(ruleSchema.parse({ name: 'r', resources: ['x'], approvalGroups: ['g'] }).approvalsRequired).toBe(1);
  });
});

describe('approval steps in decideReview', () => {
  it('records the step an approval counts toward and shows progress per step', () => {
    const session = approveAll(pending(), bob);
    expect(session.approvals[0]?.step).toBe(0);
    expect(stepProgressText(session)).toBe('dba-approvers 1/1 · sre 0/1');
    expect(stepProgressText(approveAll(session, sam))).toBe('dba-approvers 1/1 · sre 1/1');
  });

  it('does not let a second approver from the same group meet the other step', () => {
    const session = approveAll(pending(), bob);
    const error = refusal(() => decideReview(session, grace, { decision: 'approve', via: 'api' }, now));
    expect(error.code).toBe('step_met');
    expect(error.message).toContain('waiting for sre (0/1)');
  });

  it('counts a person in two steps\' groups toward the first unmet step only', () => {
    const first = approveAll(pending(), both);
    expect(first.approvals[0]?.step).toBe(0);
    const afterBob = approveAll(pending(), bob, both);
    expect(afterBob.approvals.map((a) => a.step)).toEqual([0, 1]);
    // Already counted toward one step: approving again is the same approval, not a second step.
    expect(decideReview(first, both, { decision: 'approve', via: 'api' }, now)).toEqual({ kind: 'already_approved' });
  });

  it('in order, refuses a later step until the earlier ones are met', () => {
    const session = pending({ ordered: true });
    const error = refusal(() => decideReview(session, sam, { decision: 'approve', via: 'api' }, now));
    expect(error.code).toBe('step_not_open');
    expect(error.message).toContain('dba-approvers (0/1) must approve first');
    expect(approveAll(session, bob, sam).approvals.map((a) => a.step)).toEqual([0, 1]);
  });

  it('without order, a later step may approve first', () => {
    expect(approveAll(pending(), sam).approvals[0]?.step).toBe(1);
  });

  it('never counts a forced approval toward a step, nor lets the requester approve', () => {
    const forced: Approval = { sub: 'sub-x', email: 'x@example.com', name: 'x', at: now.toISOString(), via: 'api', forced: true, step: 0 };
    expect(stepProgressText({ ...pending(), approvals: [forced] })).toBe('dba-approvers 0/1 · sre 0/1');
    const requester = { ...pending(), requester: { ...bob, groups: bob.groups } };
    expect(() => decideReview(requester, bob, { decision: 'approve', via: 'api' }, now)).toThrow(/your own command/);
  });

  it('chooses among steps open to several groups', () => {
    const session = pending({ approvalSteps: [{ groups: ['dba-approvers', 'sre'], approvals: 2 }] });
    expect(chooseStep(session, ['sre'])).toEqual({ kind: 'step', step: 0 });
    expect(stepProgressText(session)).toBe('dba-approvers or sre 0/2');
  });
});

describe('approval steps on the Slack card', () => {
  it('shows each step\'s progress in the Approvals field', () => {
    const { blocks } = reviewMessage(approveAll(pending(), bob), { webUrl: 'https://accessgate.example.com' });
    const facts = JSON.stringify(blocks.find((block) => block.block_id === 'facts'));
    expect(facts).toContain('*Approvals*\\ndba-approvers 1/1 · sre 0/1');
  });

  it('explains an approval no step can take without calling the review closed', () => {
    const text = refusalText({ kind: 'step_refused', message: 'Every step you can approve for already has its approvals; waiting for sre (0/1) (dba-approvers 1/1 · sre 0/1).' });
    expect(text).toMatch(/waiting for sre \(0\/1\).*Nothing was recorded\.$/);
  });
});
