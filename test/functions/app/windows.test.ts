/**
 * Access windows' use cases against in-memory fakes, with a manual clock: the grant covers only its
 * requester, its resource and its time, whatever its stored status says; revocation and the end race
 * and the first writer wins; every event the story records keeps to the documented schema.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { endWindow, openWindow, requestWindow, revokeWindow } from '../../../functions/app/windows';
import { evaluate, expire } from '../../../functions/app/workflow-tasks';
import { ConflictError, ForbiddenError, InvalidInputError } from '../../../functions/domain/errors';
import { undocumentedFields } from '../../../functions/domain/evidence-schema';
import type { Resource } from '../../../functions/domain/resource';
import { fakeDeps } from './fakes';
import { alice, bob, carol, dana, mallory, orders, reviewedRule } from './people';

const billing: Resource = { ...orders, id: 'billing', name: 'Billing' };
const rules = [reviewedRule({ resources: ['orders', 'billing'], maxWindowSeconds: 3600 })];
const command = 'update orders set state = 1';

/** Alice's window of `seconds`, approved by bob and opened by the workflow task. */
async function openedWindow(seconds = 600) {
  const deps = fakeDeps({ resources: [orders, billing], rules });
  const window = await requestWindow(deps, alice, { resource: 'orders', durationSeconds: seconds, reason: 'incident' });
  await reviewSession(deps, bob, window.id, { decision: 'approve', via: 'api' });
  await openWindow(deps, window.id);
  return { deps, id: window.id };
}

describe('requestWindow', () => {
  it('is reviewed like a command: pending under the governing rule, with its duration and no command', async () => {
    const deps = fakeDeps({ resources: [orders], rules });
    const window = await requestWindow(deps, alice, { resource: 'orders', durationSeconds: 900 });
    expect(window).toMatchObject({ kind: 'window', status: 'pending_review', durationSeconds: 900, command: '', rule: { name: 'dba-by-command', maxWindowSeconds: 3600 } });
    expect(await evaluate(deps, window.id)).toMatchObject({ next: 'review', window: true });
    expect(deps.workflow.started).toEqual([window.id]);
  });

  it('refuses a duration over the maximum, and a resource whose governing rule allows no windows, naming the field', async () => {
    const deps = fakeDeps({ resources: [orders], rules });
    await expect(requestWindow(deps, alice, { resource: 'orders', durationSeconds: 3601 })).rejects.toMatchObject({ details: { fields: ['durationSeconds'] } });
    // A stricter rule without maxWindowSeconds governs: the lenient one cannot open a window around it.
    const strict = fakeDeps({ resources: [orders], rules: [...rules, reviewedRule({ name: 'two-approvers', approvalsRequired: 2 })] });
    await expect(requestWindow(strict, alice, { resource: 'orders', durationSeconds: 60 })).rejects.toMatchObject({ details: { fields: ['kind'] } });
    expect(deps.sessions.items.size + strict.sessions.items.size).toBe(0);
  });
});

describe('a command under an open window', () => {
  it('starts approved by the grant, once the window is open, and records which window granted it', async () => {
    const { deps, id } = await openedWindow();
    const window = await deps.sessions.get(id);
    expect(window).toMatchObject({ status: 'active', windowEndsAt: '2026-11-26T10:10:00.000Z' });

    const ran = await submitSession(deps, alice, { resource: 'orders', command });
    expect(ran).toMatchObject({ status: 'approved', grant: id, approvalsRequired: 0, approvals: [] });
    await expect(deps.events.list(sessionStream(ran.id))).resolves.toMatchObject([{ type: 'session.requested', details: { status: 'approved', grant: id } }]);
    expect(await evaluate(deps, ran.id)).toEqual({ next: 'execute' });
  });

  it('grants nothing to another requester, on another resource, or at or after windowEndsAt even while the status still says active', async () => {
    const { deps, id } = await openedWindow(600);
    expect((await submitSession(deps, mallory, { resource: 'orders', command })).status).toBe('pending_review');
    expect((await submitSession(deps, alice, { resource: 'billing', command })).status).toBe('pending_review');
    deps.clock.advance(600_000);
    expect((await deps.sessions.get(id))?.status).toBe('active');
    const late = await submitSession(deps, alice, { resource: 'orders', command });
    expect(late.status).toBe('pending_review');
    expect(late.grant).toBeUndefined();
  });

  it('is not granted by a window that is approved but not yet open', async () => {
    const deps = fakeDeps({ resources: [orders], rules });
    const window = await requestWindow(deps, alice, { resource: 'orders', durationSeconds: 600 });
    await reviewSession(deps, bob, window.id, { decision: 'approve', via: 'api' });
    expect((await submitSession(deps, alice, { resource: 'orders', command })).status).toBe('pending_review');
  });
});

describe('revokeWindow', () => {
  it('lets the requester, an approver of the rule or an admin revoke, and refuses others (403), commands (400) and closed windows (409)', async () => {
    for (const revoker of [alice, carol, dana]) {
      const { deps, id } = await openedWindow();
      await expect(revokeWindow(deps, mallory, id)).rejects.toBeInstanceOf(ForbiddenError);
      expect(await revokeWindow(deps, revoker, id)).toMatchObject({ status: 'revoked', revokedBy: { email: revoker.email } });
      await expect(revokeWindow(deps, revoker, id)).rejects.toBeInstanceOf(ConflictError);
      expect((await submitSession(deps, alice, { resource: 'orders', command })).status).toBe('pending_review');
    }
    const { deps } = await openedWindow();
    const plain = await submitSession(deps, alice, { resource: 'orders', command });
    await expect(revokeWindow(deps, alice, plain.id)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('wins over the end that comes after it: EndWindow leaves a revoked window revoked and records nothing', async () => {
    const { deps, id } = await openedWindow();
    await revokeWindow(deps, alice, id);
    expect(await endWindow(deps, id)).toEqual({ status: 'revoked' });
    expect(deps.events.types(sessionStream(id)).filter((type) => type.startsWith('window.'))).toEqual(['window.active', 'window.revoked']);
  });
});

describe('the workflow tasks', () => {
  it('open once: a re-driven OpenWindow keeps the first end, and Evaluate sends an open window back to wait', async () => {
    const { deps, id } = await openedWindow(600);
    deps.clock.advance(120_000);
    expect(await evaluate(deps, id)).toEqual({ next: 'window' });
    expect(await openWindow(deps, id)).toEqual({ windowEndsAt: '2026-11-26T10:10:00.000Z' });
    expect(deps.events.types(sessionStream(id)).filter((type) => type === 'window.active')).toHaveLength(1);
  });

  it('end an active window once, and a revoke after the end is refused', async () => {
    const { deps, id } = await openedWindow(60);
    deps.clock.advance(60_000);
    expect(await endWindow(deps, id)).toEqual({ status: 'ended' });
    expect(await endWindow(deps, id)).toEqual({ status: 'ended' });
    await expect(revokeWindow(deps, alice, id)).rejects.toBeInstanceOf(ConflictError);
    expect(deps.events.types(sessionStream(id)).filter((type) => type === 'window.ended')).toHaveLength(1);
  });

  it('route an approval that raced the review timeout to the window, not to Execute', async () => {
    const deps = fakeDeps({ resources: [orders], rules });
    const window = await requestWindow(deps, alice, { resource: 'orders', durationSeconds: 60 });
    await reviewSession(deps, bob, window.id, { decision: 'approve', via: 'api' });
    expect(await expire(deps, window.id)).toEqual({ next: 'window' });
  });

  it('record every event of a window story within the documented schema', async () => {
    const { deps, id } = await openedWindow();
    await submitSession(deps, alice, { resource: 'orders', command });
    await revokeWindow(deps, alice, id);
    const events = deps.events.all();
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['session.requested', 'window.active', 'window.revoked']));
    for (const event of events) expect(undocumentedFields(event), event.type).toEqual([]);
  });
});
