/**
 * Access windows over HTTP on the local runtime, with the real workflow (its Wait state included): a
 * window is reviewed like a command, then its requester's commands on its resource run without review,
 * each its own session under the grant; it is revoked or runs out, and commands wait for review again.
 * What ran is counted in the database itself: every governed command inserts a tagged row.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './client';
import { eventually } from './eventually';
import { probeStack } from './probe-stack';

const PROBE = 'window_probe';
const RULE = '/rules/dba-by-command';
let demoRule: Record<string, unknown>;
const e2e = probeStack(PROBE, ['alice', 'frank', 'bob', 'carol', 'dana']);
const { as, rowsTagged } = e2e;

beforeAll(async () => {
  demoRule = (await as.dana.get(RULE)).body.rule;
  expect((await as.dana.put(RULE, { ...demoRule, maxWindowSeconds: 3600 })).status).toBe(200);
});

const session = async (id: string) => (await as.dana.get(`/sessions/${id}`)).body;
const statusOf = (id: string, status: string) => eventually(async () => ((await session(id)).session.status === status ? true : undefined), `${id} ${status}`);
const eventTypes = async (id: string): Promise<string[]> => (await session(id)).events.map((event: { type: string }) => event.type);

/** Submits an insert of `tag` and waits up to 10 s for it to settle (done, or waiting for review). */
const command = async (who: ApiClient, tag: string) => {
  const reply = await who.post('/sessions?wait=10', { resource: 'postgres-demo', command: `insert into ${PROBE} values ('${tag}')` });
  expect(reply.status).toBe(202);
  return reply.body.session;
};

/** Alice asks for a window, bob approves it, and it is active. */
async function activeWindow(durationSeconds: number) {
  const asked = await as.alice.post('/sessions', { resource: 'postgres-demo', kind: 'window', durationSeconds, reason: 'incident 42' });
  expect(asked.status).toBe(202);
  expect(asked.body.session).toMatchObject({ kind: 'window', status: 'pending_review', durationSeconds, command: '' });
  const id = asked.body.session.id as string;
  await eventually(async () => ((await as.bob.get('/reviews')).body.reviews.some((r: { session: { id: string } }) => r.session.id === id) ? true : undefined), 'the window in bob\'s inbox');
  expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
  await statusOf(id, 'active');
  return id;
}

describe('the rule field maxWindowSeconds', () => {
  it.each([[10], [1.5], [13 * 3600], ['600']])('refuses %j with a 400 naming the field', async (value) => {
    const reply = await as.dana.put(RULE, { ...demoRule, maxWindowSeconds: value });
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body.error)).toContain('maxWindowSeconds');
  });
});

describe('asking for a window', () => {
  it('refuses a duration over the rule\'s maximum, a missing one, and a command sent along, naming the field', async () => {
    const over = await as.alice.post('/sessions', { resource: 'postgres-demo', kind: 'window', durationSeconds: 3601 });
    expect(over.status).toBe(400);
    expect(over.body.error.details.fields).toEqual(['durationSeconds']);
    const missing = await as.alice.post('/sessions', { resource: 'postgres-demo', kind: 'window' });
    expect(missing.body.error.details.fields).toEqual(['durationSeconds']);
    const withCommand = await as.alice.post('/sessions', { resource: 'postgres-demo', kind: 'window', durationSeconds: 60, command: 'select 1' });
    expect(withCommand.body.error.details.fields).toEqual(['command']);
  });

  it('refuses a window where no rule allows one (400 naming kind)', async () => {
    expect((await as.dana.put(RULE, demoRule)).status).toBe(200);
    try {
      const reply = await as.alice.post('/sessions', { resource: 'postgres-demo', kind: 'window', durationSeconds: 60 });
      expect(reply.status).toBe(400);
      expect(reply.body.error.details.fields).toEqual(['kind']);
    } finally {
      expect((await as.dana.put(RULE, { ...demoRule, maxWindowSeconds: 3600 })).status).toBe(200);
    }
  });
});

describe('an approved window', () => {
  it('runs its requester\'s commands without review, each under the grant, until revoked; then commands wait again', async () => {
    const before = await command(as.alice, 'before-window');
    expect(before.status).toBe('pending_review');

    const id = await activeWindow(600);
    const window = (await session(id)).session;
    expect(Date.parse(window.windowEndsAt) - Date.parse(window.startedAt)).toBe(600_000);
    expect(await eventTypes(id)).toContain('window.active');
    // A command waiting before the window opened is not approved by it: the grant covers new submissions.
    expect((await session(before.id)).session.status).toBe('pending_review');

    const inside = [await command(as.alice, 'inside'), await command(as.alice, 'inside')];
    for (const ran of inside) {
      expect(ran).toMatchObject({ status: 'done', grant: id, approvals: [] });
      const events = (await session(ran.id)).events;
      expect(events[0]).toMatchObject({ type: 'session.requested', details: { status: 'approved', grant: id } });
    }
    expect(await rowsTagged('inside')).toBe(2);

    // Only the window's requester: frank, on the same resource under the same rule, still waits.
    expect(await command(as.frank, 'frank-inside')).toMatchObject({ status: 'pending_review' });
    expect(await rowsTagged('frank-inside')).toBe(0);

    // Who may revoke: not carol (neither requester, approver nor admin), not frank; a command is not a window.
    expect((await as.carol.post(`/sessions/${id}/revoke`)).status).toBe(403);
    expect((await as.frank.post(`/sessions/${id}/revoke`)).status).toBe(403);
    expect((await as.alice.post(`/sessions/${inside[0].id}/revoke`)).status).toBe(400);

    const revoked = await as.alice.post(`/sessions/${id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.session).toMatchObject({ status: 'revoked', revokedBy: { email: 'alice@example.com' } });
    expect((await as.alice.post(`/sessions/${id}/revoke`)).status).toBe(409);
    expect(await eventTypes(id)).toContain('window.revoked');

    const after = await command(as.alice, 'after-revoke');
    expect(after.status).toBe('pending_review');
    expect(after.grant).toBeUndefined();
    expect(await rowsTagged('after-revoke')).toBe(0);
    expect(await rowsTagged('inside')).toBe(2);
  });

  it('may be revoked by an approver of its rule and by an admin', async () => {
    const byApprover = await activeWindow(600);
    expect((await as.bob.post(`/sessions/${byApprover}/revoke`)).body.session).toMatchObject({ status: 'revoked', revokedBy: { email: 'bob@example.com' } });
    const byAdmin = await activeWindow(600);
    expect((await as.dana.post(`/sessions/${byAdmin}/revoke`)).body.session).toMatchObject({ status: 'revoked', revokedBy: { email: 'dana@example.com' } });
  });

  it('ends by time through the workflow\'s Wait, after which commands wait for review again', async () => {
    const id = await activeWindow(1);
    await statusOf(id, 'ended');
    expect(await eventTypes(id)).toEqual(expect.arrayContaining(['window.active', 'window.ended']));
    expect((await as.alice.post(`/sessions/${id}/revoke`)).status).toBe(409);
    const after = await command(as.alice, 'after-end');
    expect(after.status).toBe('pending_review');
    expect(await rowsTagged('after-end')).toBe(0);
  });
});
