/**
 * Hostile use of the access-window and follow-up routes against the local runtime: window requests
 * with missing, zero, negative, huge, fractional and mistyped durations or where no rule allows a
 * window; revocations by the wrong people, of commands, of windows not active or already ended, and
 * of bad ids; follow-ups with a wrong outcome, by the forcer, of sessions never forced, with long or
 * mistyped notes, and closed a second time. Each case asserts its status (a 400 names the field) and
 * that nothing changed: sessions and their items, events per chain, database rows
 * (test/e2e/hostile/harness.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../eventually';
import { type Answer, callerOf, hostileStackPerFile, refuserOf, settled } from './harness';

const hostile = hostileStackPerFile();
const call = callerOf(hostile);
let demoRule: Record<string, unknown>;
/** alice's window, approved by bob: active. */
let active: string;
/** alice's window, still waiting for its review. */
let pendingWindow: string;
/** alice's window, approved and then revoked by her: ended. */
let revoked: string;
/** alice's command, waiting for its review (a session that is not a window). */
let command: string;
/** alice's command approved normally by grace and run: never forced. */
let approved: string;
/** alice's command force-approved by bob: its follow-up is open. */
let forced: string;
/** alice's command force-approved by bob, its follow-up closed by grace. */
let followedUp: string;

const ok = async (answer: Promise<Answer>, status = 200) => {
  const { status: got, text } = await answer;
  expect(got, text.slice(0, 300)).toBe(status);
  return JSON.parse(text);
};
const statusOf = async (id: string) => (await ok(call('GET', `/sessions/${id}`, 'dana'))).session as { status: string; followUp?: { status: string } };
const reaches = (id: string, status: string) => eventually(async () => ((await statusOf(id)).status === status ? true : undefined), `${id} ${status}`);
const submit = async (body: Record<string, unknown>) => (await ok(call('POST', '/sessions', 'alice', { resource: 'postgres-demo', ...body }), 202)).session.id as string;
const windowOf = (durationSeconds: number) => submit({ kind: 'window', durationSeconds, reason: 'incident 42' });

beforeAll(async () => {
  demoRule = (await ok(call('GET', '/rules/dba-by-command', 'dana'))).rule;
  // Windows allowed; approvers may also force, so one forcer (bob) is an approver who could close a follow-up.
  await ok(call('PUT', '/rules/dba-by-command', 'dana', { ...demoRule, maxWindowSeconds: 3600, forceApprovalGroups: ['sre', 'dba-approvers'] }));
  active = await windowOf(1800);
  revoked = await windowOf(1800);
  pendingWindow = await windowOf(600);
  command = await submit({ command: 'select count(*) from orders' });
  approved = await submit({ command: 'select 1' });
  forced = await submit({ command: 'select 2' });
  followedUp = await submit({ command: 'select 3' });
  // The review routes answer once the workflow has asked for the review.
  const review = (id: string, user: string, body: Record<string, unknown>) =>
    eventually(async () => ((await call('POST', `/sessions/${id}/review`, user, body)).status === 200 ? true : undefined), `${user} reviews ${id}`);
  await review(active, 'bob', { decision: 'approve' });
  await review(revoked, 'bob', { decision: 'approve' });
  await review(approved, 'grace', { decision: 'approve' });
  await review(forced, 'bob', { decision: 'approve', force: true, reason: 'incident 42, nobody else awake' });
  await review(followedUp, 'bob', { decision: 'approve', force: true, reason: 'incident 43' });
  await reaches(active, 'active');
  await reaches(revoked, 'active');
  await ok(call('POST', `/sessions/${revoked}/revoke`, 'alice'));
  for (const id of [approved, forced, followedUp]) await reaches(id, 'done');
  await ok(call('POST', `/sessions/${followedUp}/follow-up`, 'grace', { outcome: 'acknowledged' }));
  expect((await statusOf(forced)).followUp?.status).toBe('open');
  await settled(hostile);
}, 180_000);

const refused = refuserOf(hostile);

describe('POST /sessions with kind "window"', () => {
  it.each([
    ['no durationSeconds', {}, 'durationSeconds'],
    ['durationSeconds 0', { durationSeconds: 0 }, 'durationSeconds'],
    ['durationSeconds -600', { durationSeconds: -600 }, 'durationSeconds'],
    ['durationSeconds 1.5', { durationSeconds: 1.5 }, 'durationSeconds'],
    ['durationSeconds "600"', { durationSeconds: '600' }, 'durationSeconds'],
    ['durationSeconds null', { durationSeconds: null }, 'durationSeconds'],
    ['durationSeconds true', { durationSeconds: true }, 'durationSeconds'],
    ['durationSeconds one over the rule\'s maximum', { durationSeconds: 3601 }, 'durationSeconds'],
    ['durationSeconds a year', { durationSeconds: 365 * 24 * 3600 }, 'durationSeconds'],
    ['durationSeconds 1e308', { durationSeconds: 1e308 }, 'durationSeconds'],
    ['durationSeconds past the safe integers', { durationSeconds: 2 ** 60 }, 'durationSeconds'],
    ['a command sent along', { durationSeconds: 60, command: 'select 1' }, 'command'],
    ['an empty command sent along', { durationSeconds: 60, command: '' }, 'command'],
    ['parameters sent along', { durationSeconds: 60, parameters: [{ name: 'a', value: { longValue: 1 } }] }, 'command'],
    ['a reason of 3000 characters', { durationSeconds: 60, reason: 'r'.repeat(3000) }, 'reason'],
  ])('%s: 400 naming %s, no window', async (_name, fields, field) => {
    await refused('POST', '/sessions', 'alice', { resource: 'postgres-demo', kind: 'window', ...fields }, 400, field);
  });

  it.each([
    ['kind "windows"', { kind: 'windows', durationSeconds: 60 }, 'kind'],
    ['kind null', { kind: null, durationSeconds: 60 }, 'kind'],
    ['kind "WINDOW"', { kind: 'WINDOW', durationSeconds: 60 }, 'kind'],
    ['a command with durationSeconds', { command: 'select 1', durationSeconds: 60 }, 'durationSeconds'],
  ])('%s: 400 naming %s', async (_name, fields, field) => {
    await refused('POST', '/sessions', 'alice', { resource: 'postgres-demo', ...fields }, 400, field);
  });

  it('on a resource where no rule allows a window: 400 naming kind', async () => {
    await refused('POST', '/sessions', 'alice', { resource: 'postgres-staging', kind: 'window', durationSeconds: 60 }, 400, 'kind');
  });

  it('on a resource that does not exist: 404', async () => {
    await refused('POST', '/sessions', 'alice', { resource: 'postgres-nowhere', kind: 'window', durationSeconds: 60 }, 404);
  });

  it.each(['bob', 'dana', 'erin'])('%s, in no group the resource allows, asks for a window: 403', async (name) => {
    await refused('POST', '/sessions', name, { resource: 'postgres-demo', kind: 'window', durationSeconds: 60 }, 403);
  });

  it('once no rule allows windows any more, a valid request: 400 naming kind', async () => {
    await ok(call('PUT', '/rules/dba-by-command', 'dana', { ...demoRule, forceApprovalGroups: ['sre', 'dba-approvers'] }));
    try {
      await refused('POST', '/sessions', 'alice', { resource: 'postgres-demo', kind: 'window', durationSeconds: 60 }, 400, 'kind');
    } finally {
      await ok(call('PUT', '/rules/dba-by-command', 'dana', { ...demoRule, maxWindowSeconds: 3600, forceApprovalGroups: ['sre', 'dba-approvers'] }));
    }
  });
});

describe('POST /sessions/{id}/revoke', () => {
  it.each(['frank', 'carol', 'erin'])('%s, neither requester, approver nor admin, revokes alice\'s active window: 403, still active', async (name) => {
    await refused('POST', `/sessions/${active}/revoke`, name, undefined, 403);
    expect((await statusOf(active)).status).toBe('active');
  });

  it('a command, not a window: 400 naming id', async () => {
    await refused('POST', `/sessions/${command}/revoke`, 'alice', undefined, 400, 'id');
  });

  it('a window already revoked: 409', async () => {
    await refused('POST', `/sessions/${revoked}/revoke`, 'alice', undefined, 409);
  });

  it('a window still waiting for its review: 409, still pending', async () => {
    await refused('POST', `/sessions/${pendingWindow}/revoke`, 'alice', undefined, 409);
  });

  it.each([
    ['not-a-session', 400],
    ['%ZZ', 400],
    ['x'.repeat(300), 400],
    ['00000000-0000-4000-8000-000000000000', 404],
  ] as const)('id %s: %i', async (id, status) => {
    await refused('POST', `/sessions/${id}/revoke`, 'alice', undefined, status, status === 400 ? 'id' : undefined);
  });

  it('a body sent along is ignored, not trusted: frank still gets 403', async () => {
    await refused('POST', `/sessions/${active}/revoke`, 'frank', { requester: 'frank', force: true }, 403);
  });
});

describe('POST /sessions/{id}/follow-up', () => {
  it.each([
    ['no outcome', {}],
    ['outcome "approved"', { outcome: 'approved' }],
    ['outcome ""', { outcome: '' }],
    ['outcome 1', { outcome: 1 }],
    ['outcome "ACKNOWLEDGED"', { outcome: 'ACKNOWLEDGED' }],
    ['outcome an array', { outcome: ['acknowledged'] }],
  ])('%s: 400 naming outcome, still open', async (_name, body) => {
    await refused('POST', `/sessions/${forced}/follow-up`, 'grace', body, 400, 'outcome');
  });

  it.each([
    ['a note of 2001 characters', { outcome: 'acknowledged', note: 'n'.repeat(2001) }, 'note'],
    ['a note of 100 000 characters', { outcome: 'flagged', note: 'n'.repeat(100_000) }, 'note'],
    ['a note that is a number', { outcome: 'acknowledged', note: 42 }, 'note'],
    ['a note that is an object', { outcome: 'acknowledged', note: { text: 'x' } }, 'note'],
    ['an unknown field', { outcome: 'acknowledged', closedBy: 'alice' }, ''],
  ])('%s: 400 naming %s, still open', async (_name, body, field) => {
    await refused('POST', `/sessions/${forced}/follow-up`, 'grace', body, 400, field);
  });

  it('bob, who forced the approval, closes its follow-up: 403, still open', async () => {
    const answer = await refused('POST', `/sessions/${forced}/follow-up`, 'bob', { outcome: 'acknowledged' }, 403);
    expect(answer.text).toContain('follow_up_forcer');
    expect((await statusOf(forced)).followUp?.status).toBe('open');
  });

  it.each(['alice', 'frank', 'carol', 'erin', 'dana'])('%s, no approver of the rule, closes it: 403, still open', async (name) => {
    await refused('POST', `/sessions/${forced}/follow-up`, name, { outcome: 'flagged' }, 403);
  });

  it('a session that was never forced: 409', async () => {
    await refused('POST', `/sessions/${approved}/follow-up`, 'grace', { outcome: 'acknowledged' }, 409);
  });

  it.each(['frank', 'erin'])('%s, no approver, follows up a session never forced: 403, not whether it was forced', async (name) => {
    await refused('POST', `/sessions/${approved}/follow-up`, name, { outcome: 'acknowledged' }, 403);
  });

  it('a window: 409', async () => {
    await refused('POST', `/sessions/${active}/follow-up`, 'grace', { outcome: 'acknowledged' }, 409);
  });

  it.each(['grace', 'henry'])('a follow-up already closed, closed again by %s: 409', async (name) => {
    await refused('POST', `/sessions/${followedUp}/follow-up`, name, { outcome: 'flagged', note: 'second opinion' }, 409);
  });

  it.each([
    ['not-a-session', 400],
    ['%ZZ', 400],
    ['00000000-0000-4000-8000-000000000000', 404],
  ] as const)('id %s: %i', async (id, status) => {
    await refused('POST', `/sessions/${id}/follow-up`, 'grace', { outcome: 'acknowledged' }, status, status === 400 ? 'id' : undefined);
  });
});
