/** The access window's pure rules: what a request may ask, what a window grants, who may revoke it. */
import { describe, expect, it } from 'vitest';
import { ruleSchema } from '../../../functions/domain/rule';
import { newSession, type Session } from '../../../functions/domain/session';
import { assertRevocable, checkWindowRequest, describeDuration, grants } from '../../../functions/domain/window';

const rule = ruleSchema.parse({ name: 'r', resources: ['orders'], approvalGroups: ['approvers'], maxWindowSeconds: 3600 });
const alice = { sub: 'a', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
const bob = { sub: 'b', email: 'bob@example.com', name: 'Bob', groups: ['approvers'] };
const roles = { admins: 'admins', auditors: 'auditors' };
const now = new Date('2026-11-26T10:00:00.000Z');

const window = (changes: Partial<Session> = {}): Session => ({
  ...newSession({ id: 'w', now, requester: alice, resource: { id: 'orders', name: 'Orders', type: 'postgres', database: 'orders' }, command: '', rule: { name: 'r', approvalGroups: ['approvers'], forceApprovalGroups: [], approvalsRequired: 1, reviewTimeoutSeconds: 3600, reasonRequired: false, slackChannel: undefined } }),
  kind: 'window',
  durationSeconds: 600,
  status: 'active',
  windowEndsAt: '2026-11-26T10:10:00.000Z',
  ...changes,
});

describe('maxWindowSeconds', () => {
  it.each([59, 12 * 3600 + 1, 1.5])('is refused at %s', (value) => {
    expect(ruleSchema.safeParse({ ...rule, maxWindowSeconds: value }).success).toBe(false);
  });
});

describe('checkWindowRequest', () => {
  it('accepts a whole number of seconds up to the rule\'s maximum and names the field otherwise', () => {
    expect(checkWindowRequest(rule, 'orders', 3600)).toBe(3600);
    for (const bad of [3601, 0, 2.5, undefined]) expect(() => checkWindowRequest(rule, 'orders', bad)).toThrow(/^durationSeconds:/);
    expect(() => checkWindowRequest({ ...rule, maxWindowSeconds: undefined }, 'orders', 60)).toThrow(/^kind:/);
    expect(() => checkWindowRequest(undefined, 'orders', 60)).toThrow(/^kind:/);
  });
});

describe('grants', () => {
  it('covers its requester on its resource while active, strictly before windowEndsAt', () => {
    expect(grants(window(), alice, 'orders', now)).toBe(true);
    expect(grants(window(), alice, 'orders', new Date('2026-11-26T10:09:59.999Z'))).toBe(true);
    expect(grants(window(), alice, 'orders', new Date('2026-11-26T10:10:00.000Z'))).toBe(false);
    expect(grants(window(), bob, 'orders', now)).toBe(false);
    expect(grants(window(), alice, 'billing', now)).toBe(false);
    for (const status of ['approved', 'ended', 'revoked', 'pending_review'] as const) expect(grants(window({ status }), alice, 'orders', now)).toBe(false);
    expect(grants(window({ kind: undefined }), alice, 'orders', now)).toBe(false);
  });
});

describe('assertRevocable', () => {
  it('answers 403 to outsiders before saying anything about the session, then 400 for a command and 409 for a closed window', () => {
    const mallory = { sub: 'm', email: 'm@example.com', name: 'M', groups: ['dba'] };
    expect(() => assertRevocable(window({ kind: undefined }), mallory, roles)).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => assertRevocable(window({ kind: undefined }), alice, roles)).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => assertRevocable(window({ status: 'ended' }), bob, roles)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => assertRevocable(window(), { ...mallory, groups: ['admins'] }, roles)).not.toThrow();
  });
});

describe('describeDuration', () => {
  it('says a window\'s length in people\'s words', () => {
    expect([45, 60, 1800, 3600, 5400].map(describeDuration)).toEqual(['45 s', '1 min', '30 min', '1 h', '1 h 30 min']);
  });
});
