import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../functions/domain/audit-event';
import { DECISION_REQUEST_SECONDS, lostApprovalEvents, outcomeEventOf } from '../../../functions/domain/session-outcome';
import { FINAL_STATUSES, type Session, SESSION_STATUSES } from '../../../functions/domain/session';

const bob = { sub: 'sub-bob', email: 'bob@example.com', name: 'Bob' };
const base: Session = {
  id: 's-1',
  status: 'pending_review',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:00:00.000Z',
  requester: { sub: 'sub-alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
  resource: { id: 'orders', name: 'Orders', type: 'postgres', database: 'shop' },
  command: 'select 1',
  commandSha256: 'x',
  approvalsRequired: 1,
  approvals: [],
  forced: false,
  expiresAt: '2026-11-26T10:00:00.000Z',
  windowEndsAt: '2026-11-26T11:00:00.000Z',
};
const result = { rowCount: 1, durationMs: 2, truncated: false };
const error = { code: 'outcome_unknown', message: 'interrupted' };
const denial = { ...bob, at: '2026-11-26T09:30:00.000Z', via: 'slack' as const, reason: 'no' };
/** Long after every write: no request that wrote the session can still be at work. */
const later = new Date('2026-11-27T00:00:00.000Z');

describe('outcomeEventOf', () => {
  it('rebuilds each outcome its writer gives, with the same actor and details', () => {
    expect(outcomeEventOf({ ...base, status: 'done', result }, later)).toEqual({ type: 'session.done', actor: { system: 'accessgate' }, details: { result } });
    expect(outcomeEventOf({ ...base, status: 'failed', error }, later)).toEqual({ type: 'session.failed', actor: { system: 'accessgate' }, details: { error } });
    expect(outcomeEventOf({ ...base, status: 'expired' }, later)).toEqual({ type: 'session.expired', actor: { system: 'accessgate' }, details: { expiresAt: base.expiresAt, approvals: 0 } });
    expect(outcomeEventOf({ ...base, status: 'denied', denial }, later)).toEqual({ type: 'review.denied', actor: bob, details: { denial } });
    expect(outcomeEventOf({ ...base, status: 'ended' }, later)).toEqual({ type: 'window.ended', actor: { system: 'accessgate' }, details: { windowEndsAt: base.windowEndsAt } });
  });

  it('rebuilds a person\'s cancellation and revocation in their name', () => {
    const finishedAt = '2026-11-26T09:40:00.000Z';
    expect(outcomeEventOf({ ...base, status: 'cancelled', finishedAt }, later)).toEqual({ type: 'session.cancelled', actor: { sub: 'sub-alice', email: 'alice@example.com', name: 'Alice' }, details: {} });
    const revokedBy = { ...bob, at: finishedAt };
    expect(outcomeEventOf({ ...base, status: 'revoked', revokedBy, finishedAt }, later)).toEqual({ type: 'window.revoked', actor: bob, details: { windowEndsAt: base.windowEndsAt } });
  });

  it('rebuilds nothing it could not tell truly: an open session, a closed session without its detail', () => {
    const open = SESSION_STATUSES.filter((status) => !FINAL_STATUSES.includes(status));
    for (const status of open) expect(outcomeEventOf({ ...base, status }, later)).toBeUndefined();
    for (const status of ['done', 'failed', 'denied', 'cancelled', 'revoked'] as const) expect(outcomeEventOf({ ...base, status }, later)).toBeUndefined();
  });

  it('leaves a person\'s decision to the request that stored it while that request may still be appending its event', () => {
    const at = (seconds: number) => new Date(Date.parse(denial.at) + seconds * 1000);
    const decided = [
      { ...base, status: 'denied', denial },
      { ...base, status: 'cancelled', finishedAt: denial.at },
      { ...base, status: 'revoked', revokedBy: { ...bob, at: denial.at }, finishedAt: denial.at },
    ] as const satisfies readonly Session[];
    for (const session of decided) {
      expect(outcomeEventOf(session, at(DECISION_REQUEST_SECONDS - 0.001)), session.status).toBeUndefined();
      expect(outcomeEventOf(session, at(DECISION_REQUEST_SECONDS)), session.status).toBeDefined();
    }
  });
});

describe('lostApprovalEvents', () => {
  const carol = { sub: 'sub-carol', email: 'carol@example.com', name: 'Carol' };
  const byBob = { ...bob, at: '2026-11-26T09:10:00.000Z', via: 'web' as const, forced: false };
  const byCarol = { ...carol, at: '2026-11-26T09:20:00.000Z', via: 'slack' as const, forced: false };
  const approved: Session = { ...base, status: 'approved', approvalsRequired: 2, approvals: [byBob, byCarol] };
  const event = (type: string, details: Record<string, unknown>) => ({ type, details }) as unknown as AuditEvent;

  it('rebuilds each approval its record lacks, matched by approver and time, then the approval that met the rule', () => {
    const recorded = [event('review.approved', { approval: byCarol }), event('review.approved', { approval: { ...byBob, at: '2026-11-26T09:00:00.000Z' } })];
    expect(lostApprovalEvents(approved, recorded, later)).toEqual([
      { type: 'review.approved', actor: bob, details: { approval: byBob, approvals: 1, required: 2 } },
      { type: 'session.approved', actor: carol, details: { forced: false, approvals: 2, approvers: [bob.email, carol.email] } },
    ]);
  });

  it('rebuilds a forced approval as review.forced, with the session\'s follow-up', () => {
    const forcedBy = { ...byBob, forced: true };
    const followUp = { dueAt: '2026-11-28T09:10:00.000Z' } as unknown as Session['followUp'];
    const forced: Session = { ...base, status: 'approved', forced: true, followUp, approvals: [forcedBy] };
    expect(lostApprovalEvents(forced, [], later).map((lost) => [lost.type, lost.details])).toEqual([
      ['review.forced', { approval: forcedBy, followUp }],
      ['session.approved', { forced: true, approvals: 1 }],
    ]);
  });

  it('finds nothing lost in a complete record, and leaves approvals younger than a decision\'s request alone', () => {
    const recorded = [event('review.approved', { approval: byBob }), event('review.approved', { approval: byCarol }), event('session.approved', {})];
    expect(lostApprovalEvents(approved, recorded, later)).toEqual([]);
    const soon = new Date(Date.parse(byCarol.at) + 1000);
    expect(lostApprovalEvents(approved, [event('review.approved', { approval: byBob })], soon)).toEqual([]);
  });
});
