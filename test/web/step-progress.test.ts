/**
 * How the web UI words approval progress (web/src/components/session-summary.ts), on the session page
 * and in the review inbox: each step's progress for a rule with approval steps, "1 of 2" otherwise.
 * The module is browser code, type-checked by web/tsconfig.json, so it is loaded by a path the root
 * project does not follow.
 */
import { describe, expect, it } from 'vitest';
import { newSession } from '../../functions/domain/session';
import { ruleSchema, ruleSnapshot } from '../../functions/domain/rule';

const SUMMARY = '../../web/src/components/session-summary';
const { approvalProgress } = (await import(/* @vite-ignore */ SUMMARY)) as { approvalProgress(session: unknown): string };

const session = (rule: Record<string, unknown>) =>
  newSession({
    id: '00000000-0000-4000-8000-000000000001',
    now: new Date('2026-11-26T10:00:00.000Z'),
    requester: { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
    resource: { id: 'postgres-demo', name: 'Demo', type: 'postgres', database: 'demo' },
    command: 'delete from orders',
    rule: ruleSnapshot(ruleSchema.parse({ name: 'r', resources: ['postgres-demo'], ...rule })),
  });
const bob = { sub: 'bob', email: 'bob@example.com', name: 'Bob', at: '2026-11-26T10:01:00.000Z', via: 'web' as const, forced: false, step: 0 };

describe('approvalProgress', () => {
  it('shows each step for a rule with approval steps: "dba-approvers 1/1 · sre 0/1"', () => {
    const steps = session({ approvalSteps: [{ groups: ['dba-approvers'], approvals: 1 }, { groups: ['sre'], approvals: 1 }] });
    expect(approvalProgress({ ...steps, approvals: [bob] })).toBe('dba-approvers 1/1 · sre 0/1');
    expect(approvalProgress({ ...steps, rule: { ...steps.rule, ordered: true }, approvals: [bob] })).toBe('dba-approvers 1/1 · sre 0/1 (in order)');
  });

  it('counts approvals against the requirement otherwise', () => {
    expect(approvalProgress({ ...session({ approvalGroups: ['dba-approvers'], approvalsRequired: 2 }), approvals: [bob] })).toBe('1 of 2');
  });
});
