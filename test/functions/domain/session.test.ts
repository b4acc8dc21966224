import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, InvalidInputError } from '../../../functions/domain/errors';
import type { Identity } from '../../../functions/domain/identity';
import { ruleSnapshot, ruleSchema } from '../../../functions/domain/rule';
import {
  decideReview,
  FINAL_STATUSES,
  mayReview,
  MAX_COMMAND_BYTES,
  newSession,
  outcomeRecorded,
  reviewSecondsLeft,
  type Session,
  sha256Hex,
  commandDigest,
  validateCommand,
} from '../../../functions/domain/session';

const person = (name: string, groups: string[]): Identity => ({ sub: `sub-${name}`, email: `${name}@example.com`, name, groups });
const alice = person('alice', ['dba']);
const bob = person('bob', ['dba-approvers']);
const grace = person('grace', ['dba-approvers']);
const henry = person('henry', ['dba', 'dba-approvers']);
const carol = person('carol', ['sre']);
const dana = person('dana', ['admins', 'dba']);

const rule = ruleSchema.parse({
  name: 'dba-by-command',
  resources: ['postgres-demo'],
  approvalGroups: ['dba-approvers'],
  approvalsRequired: 2,
  forceApprovalGroups: ['sre'],
});
const now = new Date('2026-11-26T10:00:00.000Z');
const resource = { id: 'postgres-demo', name: 'Orders', type: 'postgres' as const, database: 'postgres' };

const pending = (requester: Identity = alice): Session =>
  newSession({ id: 's-1', now, requester, resource, command: 'select 1', rule: ruleSnapshot(rule) });

describe('newSession', () => {
  it('holds a covered command for review with the rule frozen and the command hashed', () => {
    const session = pending();
    expect(session.status).toBe('pending_review');
    expect(session.commandSha256).toBe(sha256Hex('select 1'));
    expect(session.commandSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(session.approvalsRequired).toBe(2);
    expect(session.expiresAt).toBe('2026-11-26T11:00:00.000Z');
    expect(session.requester).toEqual({ sub: 'sub-alice', email: 'alice@example.com', name: 'alice', groups: ['dba'] });
  });

  it('lets a command no rule covers run at once', () => {
    const session = newSession({ id: 's-2', now, requester: alice, resource, command: 'select 1' });
    expect(session.status).toBe('approved');
    expect(session.approvalsRequired).toBe(0);
    expect(session.expiresAt).toBeUndefined();
  });
});

describe('validateCommand', () => {
  it('refuses empty and whitespace-only commands', () => {
    expect(() => validateCommand('')).toThrow(InvalidInputError);
    expect(() => validateCommand('  \n ')).toThrow(/must not be empty/);
  });
  it('counts bytes, not characters, against the 64 KiB limit', () => {
    expect(() => validateCommand('x'.repeat(MAX_COMMAND_BYTES))).not.toThrow();
    expect(() => validateCommand('é'.repeat(MAX_COMMAND_BYTES / 2 + 1))).toThrow(/over the 65536-byte limit/);
  });
});

describe('decideReview', () => {
  it('lets an approver approve someone else\'s command', () => {
    const action = decideReview(pending(), bob, { decision: 'approve', via: 'web' }, now);
    expect(action).toMatchObject({ kind: 'approve', approval: { sub: 'sub-bob', via: 'web', forced: false, at: now.toISOString() } });
  });

  it('never lets the requester approve their own command, even as an approver', () => {
    expect(() => decideReview(pending(henry), henry, { decision: 'approve', via: 'api' }, now)).toThrow(ForbiddenError);
    expect(() => decideReview(pending(henry), henry, { decision: 'approve', via: 'api' }, now)).toThrow(/your own command/);
    expect(mayReview(henry, pending(henry))).toBe(false);
    expect(mayReview(henry, pending(alice))).toBe(true);
  });

  it('refuses people outside the approval groups, admins included', () => {
    expect(() => decideReview(pending(), dana, { decision: 'approve', via: 'api' }, now)).toThrow(/Only members of dba-approvers/);
    expect(() => decideReview(pending(), dana, { decision: 'deny', via: 'api' }, now)).toThrow(ForbiddenError);
  });

  it('treats a second approval by the same person as already counted', () => {
    const session: Session = { ...pending(), approvals: [{ sub: 'sub-bob', email: 'bob@example.com', name: 'bob', at: now.toISOString(), via: 'web', forced: false }] };
    expect(decideReview(session, bob, { decision: 'approve', via: 'web' }, now)).toEqual({ kind: 'already_approved' });
    expect(decideReview(session, grace, { decision: 'approve', via: 'web' }, now).kind).toBe('approve');
  });

  it('lets a force-approval member approve alone, own command included, only with a reason', () => {
    expect(() => decideReview(pending(carol), carol, { decision: 'approve', force: true, via: 'api' }, now)).toThrow(/needs a reason/);
    const action = decideReview(pending(carol), carol, { decision: 'approve', force: true, reason: 'outage INC-42', via: 'api' }, now);
    expect(action).toMatchObject({ kind: 'force', approval: { forced: true, reason: 'outage INC-42' } });
    expect(() => decideReview(pending(), bob, { decision: 'approve', force: true, reason: 'x', via: 'api' }, now)).toThrow(/force-approve/);
  });

  it('answers a closed review with a conflict, whoever asks', () => {
    for (const status of ['approved', 'denied', 'expired', 'done', 'cancelled'] as const) {
      expect(() => decideReview({ ...pending(), status }, bob, { decision: 'approve', via: 'api' }, now)).toThrow(ConflictError);
      expect(() => decideReview({ ...pending(), status }, dana, { decision: 'deny', via: 'api' }, now)).toThrow(ConflictError);
    }
  });

  it('records a denial with its reason', () => {
    expect(decideReview(pending(), grace, { decision: 'deny', reason: 'drops a table', via: 'slack' }, now)).toMatchObject({
      kind: 'deny',
      denial: { sub: 'sub-grace', reason: 'drops a table', via: 'slack' },
    });
  });
});

describe('reviewSecondsLeft', () => {
  it('counts down to the expiry and never below one second', () => {
    expect(reviewSecondsLeft(pending(), now)).toBe(3600);
    expect(reviewSecondsLeft(pending(), new Date(now.getTime() + 3599_500))).toBe(1);
    expect(reviewSecondsLeft(pending(), new Date(now.getTime() + 7200_000))).toBe(1);
  });
});

describe('commandDigest', () => {
  const parameters = [{ name: 'p1', value: { longValue: 1 } }, { name: 'p2', value: { stringValue: 'a' }, typeHint: 'UUID' as const }];

  it('keeps the plain SHA-256 of a command without parameters, so older sessions still verify', () => {
    expect(commandDigest('select 1')).toBe(sha256Hex('select 1'));
    expect(commandDigest('select 1', [])).toBe(sha256Hex('select 1'));
  });

  it('covers every part of every parameter, whatever the key order it arrived in', () => {
    const digest = commandDigest('select :p1, :p2', parameters);
    expect(digest).not.toBe(sha256Hex('select :p1, :p2'));
    expect(commandDigest('select :p1, :p2', [{ value: { longValue: 1 }, name: 'p1' }, { typeHint: 'UUID', value: { stringValue: 'a' }, name: 'p2' }])).toBe(digest);
    expect(commandDigest('select :p1, :p2', [{ ...parameters[0], value: { longValue: 2 } }, parameters[1]])).not.toBe(digest);
    expect(commandDigest('select :p1, :p2', [parameters[0], { ...parameters[1], typeHint: 'JSON' }])).not.toBe(digest);
    expect(commandDigest('select :p1, :p2', [parameters[1], parameters[0]])).not.toBe(digest);
  });

  it('counts parameters against the command size limit and stores them on the session', () => {
    expect(() => validateCommand('select :p1', [{ name: 'p1', value: { stringValue: 'x'.repeat(MAX_COMMAND_BYTES) } }])).toThrow(InvalidInputError);
    const session = newSession({ id: 's-2', now, requester: alice, resource, command: 'select :p1, :p2', parameters });
    expect(session.parameters).toEqual(parameters);
    expect(session.commandSha256).toBe(commandDigest('select :p1, :p2', parameters));
  });
});

describe('outcomeRecorded', () => {
  it('asks every final status for the event that records it, and nothing of the others', () => {
    expect(FINAL_STATUSES.filter((status) => outcomeRecorded(status, []))).toEqual([]);
    expect(outcomeRecorded('done', ['session.requested', 'session.running'])).toBe(false);
    expect(outcomeRecorded('done', ['session.requested', 'session.done'])).toBe(true);
    expect(outcomeRecorded('denied', ['review.denied'])).toBe(true);
    expect(outcomeRecorded('revoked', ['window.revoked'])).toBe(true);
    expect(outcomeRecorded('pending_review', [])).toBe(true);
    expect(outcomeRecorded('running', [])).toBe(true);
  });
});
