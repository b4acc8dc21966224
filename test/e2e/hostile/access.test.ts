/**
 * Hostile use of the routes by the wrong people, and forged Slack requests, against the local
 * runtime: every demo role on the routes it must not use, reviews of one's own, unknown or closed
 * sessions, and Slack interactivity requests with bad signatures, stale timestamps, replays with a
 * changed payload and missing headers. Each case asserts its documented status (403, 404, 409, 401)
 * and that nothing changed but, at most, the security event recording the refusal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { slackSignature } from '../../../functions/domain/slack-signature';
import { callerOf, DEMO_NAMES, expectRefused, expectUnchanged, hostileStackPerFile, refuserOf, send, settled, snapshot, type Snapshot } from './harness';

const hostile = hostileStackPerFile();
const call = callerOf(hostile);
/** alice's session on postgres-demo, waiting for a review. */
let pending: string;
/** alice's session approved by bob and run: its review is closed. */
let closed: string;

beforeAll(async () => {
  const submit = async () => JSON.parse((await call('POST', '/sessions?wait=5', 'alice', { resource: 'postgres-demo', command: 'select count(*) from orders' })).text).session.id as string;
  pending = await submit();
  closed = await submit();
  expect((await call('POST', `/sessions/${closed}/review`, 'bob', { decision: 'approve' })).status).toBe(200);
  const done = JSON.parse((await call('GET', `/sessions/${closed}?wait=15`, 'alice')).text);
  expect(done.session.status).toBe('done');
  // The run's notifications finish writing their ledger items after the session is done.
  await settled(hostile);
}, 120_000);

const refusedWithoutTrace = refuserOf(hostile);

const RULE = { name: 'hostile-rule', mode: 'command', resources: ['postgres-demo'], requesterGroups: [], approvalGroups: ['dba-approvers'], approvalsRequired: 1, forceApprovalGroups: [], reviewTimeoutSeconds: 600, reasonRequired: false };
const ENTRY = { sub: 'mallory', name: 'Mallory', groups: ['admins'] };
const ADMINS = ['dana'];
const READERS = ['dana', 'erin'];

/** Each route with the body it is sent with and the roles that may use it. */
const guarded: [string, string, unknown, string[]][] = [
  ['POST', '/rules', RULE, ADMINS],
  ['PUT', '/rules/dba-by-command', { ...RULE, name: 'dba-by-command', approvalsRequired: 0 }, ADMINS],
  ['DELETE', '/rules/dba-by-command', undefined, ADMINS],
  ['PUT', '/directory/users/mallory@example.com', ENTRY, ADMINS],
  ['DELETE', '/directory/users/bob@example.com', undefined, ADMINS],
  ['GET', '/directory/users', undefined, READERS],
  ['GET', '/rules', undefined, READERS],
  ['GET', '/audit/sessions', undefined, READERS],
  ['GET', '/audit/events?stream=CONFIG', undefined, READERS],
  ['GET', '/audit/exports?from=2026-01-01&to=2026-12-31', undefined, ['erin']],
  ['GET', '/sessions?scope=all', undefined, READERS],
];
const matrix = guarded.flatMap(([method, path, body, allowed]) => DEMO_NAMES.filter((name) => !allowed.includes(name)).map((name) => [name, method, path, body] as const));

describe('every route × every demo role that must not use it', () => {
  it.each(matrix)('%s on %s %s: 403, nothing written', async (name, method, path, body) => {
    await refusedWithoutTrace(method, path, name, body, 403);
  });

  it.each(['bob', 'grace', 'dana', 'erin'])('%s, in no group the resource allows, submits a command: 403, no session', async (name) => {
    await refusedWithoutTrace('POST', '/sessions', name, { resource: 'postgres-demo', command: 'delete from orders' }, 403);
  });

  it.each(['frank'])('%s reads alice\'s session without being asked to review it: 403', async (name) => {
    await refusedWithoutTrace('GET', `/sessions/${pending}`, name, undefined, 403);
  });

  it.each(['frank', 'bob', 'erin', 'dana'])('%s cancels alice\'s session: 403, still pending', async (name) => {
    await refusedWithoutTrace('POST', `/sessions/${pending}/cancel`, name, undefined, 403);
  });
});

describe('reviews that must be refused', () => {
  it.each([
    ['alice, the requester, approves her own session', 'alice', 403],
    ['frank, a dba but no approver, approves it', 'frank', 403],
    ['erin, an auditor, approves it', 'erin', 403],
    ['dana, an admin, approves it', 'dana', 403],
  ] as const)('%s: %i, nothing but the security event', async (_name, user, status) => {
    await refusedWithoutTrace('POST', `/sessions/${pending}/review`, user, { decision: 'approve' }, status);
  });

  it('carol forces an approval without a reason: 4xx, still pending', async () => {
    const before = await snapshot(hostile);
    expectRefused(await call('POST', `/sessions/${pending}/review`, 'carol', { decision: 'approve', force: true }));
    expectUnchanged(before, await snapshot(hostile));
  });

  it.each(['bob', 'grace', 'henry'])('%s reviews a session that does not exist: 404', async (name) => {
    await refusedWithoutTrace('POST', '/sessions/00000000-0000-4000-8000-000000000000/review', name, { decision: 'approve' }, 404);
  });

  it.each(['grace', 'henry'])('%s approves a session whose review is closed: 409', async (name) => {
    await refusedWithoutTrace('POST', `/sessions/${closed}/review`, name, { decision: 'approve' }, 409);
  });

  it('bob approves the closed session a second time: 409', async () => {
    await refusedWithoutTrace('POST', `/sessions/${closed}/review`, 'bob', { decision: 'deny' }, 409);
  });

  it('alice cancels a session that already ran: 409', async () => {
    await refusedWithoutTrace('POST', `/sessions/${closed}/cancel`, 'alice', undefined, 409);
  });
});

describe('Slack interactivity requests', () => {
  const now = () => String(Math.floor(Date.now() / 1000));
  const approval = () => `payload=${encodeURIComponent(JSON.stringify({
    type: 'block_actions',
    user: { id: 'UBOB', username: 'bob', name: 'bob', team_id: 'TLOCAL' },
    api_app_id: 'ALOCAL',
    container: { type: 'message', message_ts: '1.000', channel_id: 'CDBREVIEWS' },
    channel: { id: 'CDBREVIEWS' },
    actions: [{ type: 'button', action_id: 'approve', block_id: 'actions', value: pending, action_ts: now() }],
  }))}`;
  const sign = (timestamp: string, body: string, secret = hostile.stack.slack.signingSecret) => slackSignature(secret, timestamp, body);

  const requests: [string, () => { headers: Record<string, string>; body: string }][] = [
    ['no Slack headers', () => ({ headers: {}, body: approval() })],
    ['no signature', () => ({ headers: { 'x-slack-request-timestamp': now() }, body: approval() })],
    ['no timestamp', () => ({ headers: { 'x-slack-signature': sign(now(), approval()) }, body: approval() })],
    ['a made-up signature', () => ({ headers: { 'x-slack-request-timestamp': now(), 'x-slack-signature': `v0=${'ab'.repeat(32)}` }, body: approval() })],
    ['a signature under another secret', () => ({ headers: { 'x-slack-request-timestamp': now(), 'x-slack-signature': sign(now(), approval(), 'not-the-secret') }, body: approval() })],
    ['a v1 signature', () => ({ headers: { 'x-slack-request-timestamp': now(), 'x-slack-signature': sign(now(), approval()).replace('v0=', 'v1=') }, body: approval() })],
    ['a timestamp ten minutes old, signed correctly', () => {
      const stale = String(Math.floor(Date.now() / 1000) - 600);
      return { headers: { 'x-slack-request-timestamp': stale, 'x-slack-signature': sign(stale, approval()) }, body: approval() };
    }],
    ['a timestamp ten minutes ahead, signed correctly', () => {
      const ahead = String(Math.floor(Date.now() / 1000) + 600);
      return { headers: { 'x-slack-request-timestamp': ahead, 'x-slack-signature': sign(ahead, approval()) }, body: approval() };
    }],
    ['a timestamp that is not a number', () => ({ headers: { 'x-slack-request-timestamp': 'yesterday', 'x-slack-signature': sign('yesterday', approval()) }, body: approval() })],
    ['a replayed signature over a changed payload', () => {
      const timestamp = now();
      const harmless = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'UBOB' }, actions: [] }))}`;
      return { headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(timestamp, harmless) }, body: approval() };
    }],
    ['a signature over the body with one byte appended', () => {
      const timestamp = now();
      return { headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(timestamp, approval()) }, body: `${approval()}&` };
    }],
  ];
  it.each(requests)('with %s: 401, the session still pending, only a security event', async (_name, build) => {
    const before = await snapshot(hostile);
    const { headers, body } = build();
    const answer = await send(`${hostile.stack.url}/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    expectRefused(answer, 401);
    const after = await snapshot(hostile);
    expectUnchanged(before, after);
    expect(after.securityTypes.length, 'the refusal is recorded').toBeGreaterThanOrEqual(before.securityTypes.length);
  });

  it.each([
    ['a payload that is not JSON', 'payload=%7Bnot-json'],
    ['no payload field', 'something=else'],
    ['a payload of an unknown type', `payload=${encodeURIComponent(JSON.stringify({ type: 'shortcut_of_doom', user: { id: 'UBOB' } }))}`],
  ])('correctly signed with %s: not a 5xx, nothing written', async (_name, body) => {
    const before: Snapshot = await snapshot(hostile);
    const timestamp = now();
    const answer = await send(`${hostile.stack.url}/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': sign(timestamp, body) }, body });
    expect(answer.status, answer.text).toBeLessThan(500);
    expectUnchanged(before, await snapshot(hostile));
  });
});
