import { describe, expect, it } from 'vitest';
import { securityStream, sessionStream } from '../../../functions/app/audit-trail';
import { listReviews, reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { ConflictError, ForbiddenError, InvalidInputError } from '../../../functions/domain/errors';
import type { Rule } from '../../../functions/domain/rule';
import { fakeDeps } from './fakes';
import { alice, bob, carol, mallory, orders, reviewedRule, sam } from './people';

async function pending(rule: Partial<Rule> = {}) {
  const deps = fakeDeps({ resources: [orders], rules: [reviewedRule(rule)] });
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'delete from orders where id = 7' });
  await deps.sessions.saveTaskToken(id, 'token-1');
  return { deps, id };
}

describe('reviewSession', () => {
  it('counts the approval that meets the requirement, closes the review, resumes the workflow and asks for a redraw', async () => {
    const { deps, id } = await pending();

    const session = await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });

    expect(session).toMatchObject({ status: 'approved', approvals: [{ sub: bob.sub, via: 'web', forced: false }] });
    expect((await deps.sessions.get(id))?.status).toBe('approved');
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested', 'review.approved', 'session.approved']);
    expect(deps.workflow.resumed).toEqual([{ token: 'token-1', outcome: { decision: 'approve' } }]);
    expect(deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: id }]);
    expect(deps.metrics.counts).toEqual(['SessionsRequested', 'SessionsApproved']);
  });

  it('waits for the second approver when two are required, and counts a repeated approval once', async () => {
    const { deps, id } = await pending({ approvalsRequired: 2 });
    deps.clock.advance(90_000);

    expect((await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' })).status).toBe('pending_review');
    expect((await reviewSession(deps, bob, id, { decision: 'approve', via: 'slack' })).approvals).toHaveLength(1);
    expect(deps.workflow.resumed).toEqual([]);
    const done = await reviewSession(deps, carol, id, { decision: 'approve', via: 'web' });

    expect(done.status).toBe('approved');
    expect(done.approvals.map((approval) => approval.sub)).toEqual([bob.sub, carol.sub]);
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested', 'review.approved', 'review.approved', 'session.approved']);
    expect(deps.workflow.resumed).toHaveLength(1);
    expect(deps.metrics.counts.filter((metric) => metric === 'SessionsApproved')).toHaveLength(1);
    expect(deps.metrics.latencies).toEqual([90_000]);
  });

  it('of two approvers racing for the last approval, counts one, resumes once and tells the other the review is closed', async () => {
    const { deps, id } = await pending();

    const outcomes = await Promise.allSettled([
      reviewSession(deps, bob, id, { decision: 'approve', via: 'web' }),
      reviewSession(deps, carol, id, { decision: 'approve', via: 'slack' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: expect.any(ConflictError) });
    const stored = await deps.sessions.get(id);
    expect(stored?.approvals).toHaveLength(1);
    expect(deps.events.types(sessionStream(id)).filter((type) => type === 'session.approved')).toHaveLength(1);
    expect(deps.workflow.resumed).toHaveLength(1);
    expect(deps.metrics.counts).toEqual(['SessionsRequested', 'SessionsApproved']);
  });

  it('refuses a review of one\'s own command and by a non-approver as security events, leaving the session alone', async () => {
    const { deps, id } = await pending();

    await expect(reviewSession(deps, alice, id, { decision: 'approve', via: 'web' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reviewSession(deps, mallory, id, { decision: 'deny', via: 'api' })).rejects.toBeInstanceOf(ForbiddenError);

    const refusals = await deps.events.list(securityStream(deps.clock.now().toISOString()));
    expect(refusals.map((event) => [event.type, event.details.code])).toEqual([
      ['security.review_refused', 'self_review'],
      ['security.review_refused', 'not_approver'],
    ]);
    expect((await deps.sessions.get(id))?.status).toBe('pending_review');
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested']);
  });

  it('denies with the reason, and lets a force-approver approve alone only with a reason', async () => {
    const denied = await pending();
    const session = await reviewSession(denied.deps, bob, denied.id, { decision: 'deny', via: 'web', reason: 'deletes data' });
    expect(session).toMatchObject({ status: 'denied', denial: { sub: bob.sub, reason: 'deletes data' } });
    expect(denied.deps.workflow.resumed).toEqual([{ token: 'token-1', outcome: { decision: 'deny' } }]);

    const forced = await pending({ approvalsRequired: 2 });
    await expect(reviewSession(forced.deps, sam, forced.id, { decision: 'approve', force: true, via: 'web' })).rejects.toBeInstanceOf(InvalidInputError);
    const approved = await reviewSession(forced.deps, sam, forced.id, { decision: 'approve', force: true, via: 'web', reason: 'outage' });
    expect(approved).toMatchObject({ status: 'approved', forced: true });
    expect(forced.deps.events.types(sessionStream(forced.id))).toEqual(['session.requested', 'review.forced', 'session.approved']);
    expect(denied.deps.metrics.counts).toEqual(['SessionsRequested', 'SessionsDenied']);
    expect(forced.deps.metrics.counts).toEqual(['SessionsRequested', 'SessionsForced', 'SessionsApproved']);
    expect(forced.deps.metrics.latencies).toEqual([0]);
  });

  it('keeps a decision when the redraw cannot be queued, and records the failure on the session', async () => {
    const { deps, id } = await pending();
    deps.notifications.failWith = new Error('Rate exceeded');

    const session = await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });

    expect(session.status).toBe('approved');
    expect((await deps.sessions.get(id))?.status).toBe('approved');
    expect(deps.events.types(sessionStream(id)).at(-1)).toBe('notification.failed');
  });
});

describe('listReviews', () => {
  it('shows an approver what waits for them, and nothing once it is decided', async () => {
    const { deps, id } = await pending();

    expect(await listReviews(deps, bob, 10)).toEqual([expect.objectContaining({ session: expect.objectContaining({ id }), canApprove: true, canForce: false, approvedByYou: false })]);
    expect(await listReviews(deps, mallory, 10)).toEqual([]);
    await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });
    expect(await listReviews(deps, carol, 10)).toEqual([]);
  });
});
