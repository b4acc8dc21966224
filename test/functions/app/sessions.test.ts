import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { cancelSession, listSessions, readSession, submitSession } from '../../../functions/app/sessions';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../../functions/domain/errors';
import { fakeDeps } from './fakes';
import { alice, bob, dana, erin, mallory, orders, reviewedRule } from './people';

const command = 'select id from orders limit 1';

describe('submitSession', () => {
  it('stores a session that waits for review under the governing rule, records it and starts its workflow', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });

    const session = await submitSession(deps, alice, { resource: 'orders', command, reason: 'ticket 12' });

    expect(session).toMatchObject({ status: 'pending_review', rule: { name: 'dba-by-command' }, approvalsRequired: 1, reason: 'ticket 12' });
    expect(await deps.sessions.get(session.id)).toEqual(session);
    expect(deps.events.types(sessionStream(session.id))).toEqual(['session.requested']);
    expect(deps.workflow.started).toEqual([session.id]);
    // The frozen decision travels as the execution's input: no Task has to look it up.
    expect(deps.workflow.routes.get(session.id)).toEqual({ next: 'review', reviewSeconds: expect.any(Number) });
    expect(await deps.sessions.pendingFor(['dba-approvers'], 10)).toEqual([session]);
    expect(deps.metrics.counts).toEqual(['SessionsRequested']);
  });

  it('approves at once where no rule governs', async () => {
    const deps = fakeDeps({ resources: [orders] });
    const session = await submitSession(deps, alice, { resource: 'orders', command });
    expect(session.status).toBe('approved');
    // Nobody waits for it: it runs without the session workflow (functions/app/command-run.ts).
    expect(deps.runs.started).toEqual([session.id]);
    expect(deps.workflow.started).toEqual([]);
  });

  it('refuses an unknown resource, a person outside its groups and a missing required reason, and stores nothing', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule({ reasonRequired: true })] });
    await expect(submitSession(deps, alice, { resource: 'billing', command })).rejects.toBeInstanceOf(NotFoundError);
    await expect(submitSession(deps, bob, { resource: 'orders', command, reason: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(submitSession(deps, alice, { resource: 'orders', command })).rejects.toBeInstanceOf(InvalidInputError);
    expect(deps.sessions.items.size).toBe(0);
    expect(deps.events.all()).toEqual([]);
    expect(deps.workflow.started).toEqual([]);
    expect(deps.metrics.counts).toEqual([]);
  });
});

describe('readSession', () => {
  it('gives the rows back to the requester only, and refuses a reader who has no part in the session', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    deps.sessions.items.get(id)!.status = 'done';
    await deps.results.put(id, { columns: [{ name: 'id', type: 'int4' }], rows: [[1]], rowCount: 1, truncated: false });

    expect((await readSession(deps, alice, id)).result?.rows).toEqual([[1]]);
    const asApprover = await readSession(deps, bob, id);
    expect(asApprover.result).toBeUndefined();
    expect(asApprover.events.map((event) => event.type)).toEqual(['session.requested']);
    expect((await readSession(deps, erin, id)).result).toBeUndefined();
    await expect(readSession(deps, mallory, id)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('listSessions', () => {
  it('lists everything for admins and auditors by default, and only their own sessions for others', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const mine = await submitSession(deps, alice, { resource: 'orders', command });
    await submitSession(deps, mallory, { resource: 'orders', command });

    expect((await listSessions(deps, dana, { filters: {}, limit: 10 })).items).toHaveLength(2);
    expect((await listSessions(deps, alice, { filters: {}, limit: 10 })).items.map((s) => s.id)).toEqual([mine.id]);
    expect((await listSessions(deps, bob, { scope: 'reviewable', filters: {}, limit: 10 })).items).toHaveLength(2);
    await expect(listSessions(deps, alice, { scope: 'all', filters: {}, limit: 10 })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('cancelSession', () => {
  it('lets the requester withdraw a pending review, records it and ends the workflow\'s wait', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    await deps.sessions.saveTaskToken(id, 'token-1');

    const session = await cancelSession(deps, alice, id);

    expect(session.status).toBe('cancelled');
    expect((await deps.sessions.get(id))?.status).toBe('cancelled');
    expect(await deps.sessions.pendingFor(['dba-approvers'], 10)).toEqual([]);
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested', 'session.cancelled']);
    expect(deps.workflow.resumed).toEqual([{ token: 'token-1', outcome: { decision: 'cancel' } }]);
  });

  it('refuses anyone but the requester, and a review already closed, changing nothing', async () => {
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command });
    await expect(cancelSession(deps, bob, id)).rejects.toBeInstanceOf(ForbiddenError);
    await cancelSession(deps, alice, id);
    await expect(cancelSession(deps, alice, id)).rejects.toBeInstanceOf(ConflictError);
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested', 'session.cancelled']);
  });
});
