/**
 * Hostile values in the rules API's newer fields, against the local runtime: approval steps and their
 * order, reason formats (a catastrophic-backtracking pattern among them), reason links, access window
 * lengths, guardrails, auto-approval, the row ceiling and the follow-up due setting. Each case is sent by
 * an admin as `PUT /rules/dba-by-command` (the demo rule with one field changed) and as `POST /rules` (a
 * new rule), and must be a 400 whose `details.fields` names the field, with nothing changed: no CONFIG
 * event, no rule item, no session, no database row (test/e2e/hostile/harness.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_WINDOW_SECONDS } from '../../../functions/domain/rule';
import { MAX_FOLLOW_UP_HOURS } from '../../../functions/domain/follow-up';
import { callerOf, expectRefused, expectUnchanged, hostileStackPerFile, refuserOf, snapshot } from './harness';

const hostile = hostileStackPerFile();
const call = callerOf(hostile);
let demoRule: Record<string, unknown>;

beforeAll(async () => {
  demoRule = JSON.parse((await call('GET', '/rules/dba-by-command', 'dana')).text).rule;
  expect(demoRule.name).toBe('dba-by-command');
}, 120_000);

const STEPS = [{ groups: ['dba-approvers'], approvals: 1 }];
/** The demo rule as approval steps instead of groups, for the cases on a step's fields. */
const stepped = (steps: unknown, extra: Record<string, unknown> = {}) => {
  const { approvalGroups: _groups, approvalsRequired: _count, ...rest } = demoRule;
  return { ...rest, approvalSteps: steps, ...extra };
};
const catastrophic = '(a|a)'.repeat(40);

/** [case, the field the 400 must name, the rule sent]. */
const cases: [string, string, () => Record<string, unknown>][] = [
  ['approvalSteps empty', 'approvalSteps', () => stepped([])],
  ['approvalSteps a string', 'approvalSteps', () => stepped('dba-approvers')],
  ['approvalSteps null', 'approvalSteps', () => stepped(null)],
  ['six approval steps', 'approvalSteps', () => stepped(Array.from({ length: 6 }, () => STEPS[0]))],
  ['a step with no groups', 'approvalSteps[0].groups', () => stepped([{ groups: [], approvals: 1 }])],
  ['a step with zero approvals', 'approvalSteps[0].approvals', () => stepped([{ groups: ['dba-approvers'], approvals: 0 }])],
  ['a step with 1.5 approvals', 'approvalSteps[0].approvals', () => stepped([{ groups: ['dba-approvers'], approvals: 1.5 }])],
  ['a step with approvals "1"', 'approvalSteps[0].approvals', () => stepped([{ groups: ['dba-approvers'], approvals: '1' }])],
  ['a step with an unknown field', 'approvalSteps[0]', () => stepped([{ ...STEPS[0], quorum: 'all' }])],
  ['a step group of 10 000 characters', 'approvalSteps[0].groups[0]', () => stepped([{ groups: ['g'.repeat(10_000)], approvals: 1 }])],
  ['approvalSteps next to approvalGroups', 'approvalGroups', () => ({ ...demoRule, approvalSteps: STEPS })],
  ['ordered without approvalSteps', 'ordered', () => ({ ...demoRule, ordered: true })],
  ['ordered "yes"', 'ordered', () => stepped(STEPS, { ordered: 'yes' })],
  ['reasonPattern empty', 'reasonPattern', () => ({ ...demoRule, reasonPattern: '' })],
  ['reasonPattern a number', 'reasonPattern', () => ({ ...demoRule, reasonPattern: 12345 })],
  ['reasonPattern (a+)+$', 'reasonPattern', () => ({ ...demoRule, reasonPattern: '(a+)+$' })],
  ['reasonPattern (a|a) forty times', 'reasonPattern', () => ({ ...demoRule, reasonPattern: catastrophic })],
  ['reasonPattern (?:x?){13} spelled out', 'reasonPattern', () => ({ ...demoRule, reasonPattern: '(?:OPS|INC)?'.repeat(13) })],
  ['reasonPattern with four repeats', 'reasonPattern', () => ({ ...demoRule, reasonPattern: 'a*a*a*a*b' })],
  ['reasonPattern with a lookbehind', 'reasonPattern', () => ({ ...demoRule, reasonPattern: '(?<=OPS)-\\d+' })],
  ['reasonPattern with a backreference', 'reasonPattern', () => ({ ...demoRule, reasonPattern: '(OPS)\\1' })],
  ['reasonPattern that does not compile', 'reasonPattern', () => ({ ...demoRule, reasonPattern: 'OPS-[' })],
  ['reasonPattern of 201 characters', 'reasonPattern', () => ({ ...demoRule, reasonPattern: 'a'.repeat(201) })],
  ['reasonLink without reasonPattern', 'reasonLink', () => ({ ...demoRule, reasonLink: 'https://tracker.example.com/{reason}' })],
  ['reasonLink over http', 'reasonLink', () => ({ ...demoRule, reasonPattern: 'OPS-\\d+', reasonLink: 'http://tracker.example.com/{reason}' })],
  ['reasonLink javascript:', 'reasonLink', () => ({ ...demoRule, reasonPattern: 'OPS-\\d+', reasonLink: 'javascript:alert("{reason}")' })],
  ['reasonLink without {reason}', 'reasonLink', () => ({ ...demoRule, reasonPattern: 'OPS-\\d+', reasonLink: 'https://tracker.example.com/' })],
  ['reasonLink of 600 characters', 'reasonLink', () => ({ ...demoRule, reasonPattern: 'OPS-\\d+', reasonLink: `https://tracker.example.com/${'x'.repeat(580)}{reason}` })],
  ['reasonLink relative', 'reasonLink', () => ({ ...demoRule, reasonPattern: 'OPS-\\d+', reasonLink: '/browse/{reason}' })],
  ['maxWindowSeconds 0', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: 0 })],
  ['maxWindowSeconds -60', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: -60 })],
  ['maxWindowSeconds 59', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: 59 })],
  ['maxWindowSeconds 90.5', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: 90.5 })],
  ['maxWindowSeconds over the maximum', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: MAX_WINDOW_SECONDS + 1 })],
  ['maxWindowSeconds 1e308', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: 1e308 })],
  ['maxWindowSeconds "3600"', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: '3600' })],
  ['maxWindowSeconds null', 'maxWindowSeconds', () => ({ ...demoRule, maxWindowSeconds: null })],
  ['guardrails a string', 'guardrails', () => ({ ...demoRule, guardrails: 'strict' })],
  ['guardrails with an unknown guardrail', 'guardrails.deny[0]', () => ({ ...demoRule, guardrails: { deny: ['everything'] } })],
  ['guardrails.deny a string', 'guardrails.deny', () => ({ ...demoRule, guardrails: { deny: 'drop' } })],
  ['guardrails with an unknown field', 'guardrails', () => ({ ...demoRule, guardrails: { deny: ['drop'], allow: ['ddl'] } })],
  ['guardrails.deny repeated 100 times', 'guardrails.deny', () => ({ ...demoRule, guardrails: { deny: Array.from({ length: 100 }, () => 'drop') } })],
  ['autoApprove "everything"', 'autoApprove', () => ({ ...demoRule, autoApprove: 'everything' })],
  ['autoApprove true', 'autoApprove', () => ({ ...demoRule, autoApprove: true })],
  ['autoApprove "READ-ONLY"', 'autoApprove', () => ({ ...demoRule, autoApprove: 'READ-ONLY' })],
  ['maxRowsAffected -1', 'maxRowsAffected', () => ({ ...demoRule, maxRowsAffected: -1 })],
  ['maxRowsAffected 2.5', 'maxRowsAffected', () => ({ ...demoRule, maxRowsAffected: 2.5 })],
  ['maxRowsAffected "10"', 'maxRowsAffected', () => ({ ...demoRule, maxRowsAffected: '10' })],
  ['maxRowsAffected 1e300', 'maxRowsAffected', () => ({ ...demoRule, maxRowsAffected: 1e300 })],
  ['maxRowsAffected past the safe integers', 'maxRowsAffected', () => ({ ...demoRule, maxRowsAffected: 2 ** 60 })],
  ['followUpHours 0', 'followUpHours', () => ({ ...demoRule, followUpHours: 0 })],
  ['followUpHours -5', 'followUpHours', () => ({ ...demoRule, followUpHours: -5 })],
  ['followUpHours 1.5', 'followUpHours', () => ({ ...demoRule, followUpHours: 1.5 })],
  ['followUpHours over the maximum', 'followUpHours', () => ({ ...demoRule, followUpHours: MAX_FOLLOW_UP_HOURS + 1 })],
  ['followUpHours "48"', 'followUpHours', () => ({ ...demoRule, followUpHours: '48' })],
  ['followUpHours without forceApprovalGroups', 'followUpHours', () => ({ ...demoRule, forceApprovalGroups: [], followUpHours: 24 })],
];

const refused = refuserOf(hostile);
/** An admin's rule refused with a 400 naming `field`, nothing changed. */
const refusedNaming = (method: string, path: string, body: Record<string, unknown>, field: string) => refused(method, path, 'dana', body, 400, field);

describe('PUT /rules/dba-by-command with one hostile field', () => {
  it.each(cases)('%s: 400 naming %s, the rule unchanged', async (_name, field, rule) => {
    await refusedNaming('PUT', '/rules/dba-by-command', rule(), field);
  });
});

describe('POST /rules, a new rule with one hostile field', () => {
  it.each(cases)('%s: 400 naming %s, no rule created', async (_name, field, rule) => {
    await refusedNaming('POST', '/rules', { ...rule(), name: 'hostile-new-rule' }, field);
  });
});

describe('a rule the check admits cannot stall a submission', () => {
  it('the slowest admitted alternation pattern answers a crafted reason within the request timeout', async () => {
    const pattern = `${'(a|a)'.repeat(12)}a*b`;
    expect((await call('PUT', '/rules/dba-by-command', 'dana', { ...demoRule, reasonPattern: pattern })).status).toBe(200);
    try {
      const before = await snapshot(hostile);
      const answer = await call('POST', '/sessions', 'alice', { resource: 'postgres-demo', command: 'select 1', reason: `${'a'.repeat(199)}c` });
      expectRefused(answer, 400);
      expect(answer.text).toContain('reason');
      expectUnchanged(before, await snapshot(hostile));
    } finally {
      expect((await call('PUT', '/rules/dba-by-command', 'dana', demoRule)).status).toBe(200);
    }
  });
});

describe('path parameters of the admin routes', () => {
  it.each([
    ['PUT', '/rules/Not%20A%20Name', 'name'],
    ['DELETE', `/rules/${'r'.repeat(200)}`, 'name'],
    ['PUT', '/directory/users/not-an-email', 'email'],
    ['DELETE', '/directory/users/%40%40', 'email'],
  ] as const)('%s %s: 400 naming %s, nothing changed', async (method, path, field) => {
    await refusedNaming(method, path, method === 'PUT' && path.startsWith('/rules') ? demoRule : { sub: 'x', name: 'X', groups: [] }, field);
  });
});
