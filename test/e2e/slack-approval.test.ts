/**
 * Approvals from Slack on the local runtime: the review request posted to the Slack stand-in, clicks on
 * its page sent as signed interactivity requests to the real POST /slack/interactions, the message
 * redrawn by the notify Lambda after every decision, whichever way it was made, refused clicks and
 * forged requests in the day's SECURITY stream, and Slack's failures recorded and retried while the
 * session stays approvable through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityStream } from '../../functions/app/audit-trail';
import type { AuditEvent } from '../../functions/domain/audit-chain';
import { subjectOf } from '../../infra/local/identity';
import type { RecordedMessage } from '../../infra/local/slack/stand-in';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from './client';

let stack: LocalStack;
const as: Record<string, ApiClient> = {};

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, web: false, slack: { timeoutMs: 500, retryDelaysMs: [400, 800] } });
  for (const name of ['alice', 'bob', 'grace', 'henry', 'carol', 'dana', 'frank']) as[name] = await ApiClient.as(stack, `${name}@example.com`);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

type Block = Record<string, any>;

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What `GET /local/slack/messages` shows, as the page reads it. */
async function messages(): Promise<RecordedMessage[]> {
  return (await fetch(`${stack.url}/local/slack/messages`)).json() as Promise<RecordedMessage[]>;
}
const reviewMessage = (id: string) =>
  eventually(async () => (await messages()).find((m) => !m.user && JSON.stringify(m.blocks).includes(id)), `the review message of ${id}`);
const latestText = async (message: RecordedMessage) => JSON.stringify((await messages()).find((m) => m.ts === message.ts && m.channel === message.channel)!.latest.blocks);
const visibleTo = async (user: string) => (await messages()).filter((m) => m.user === user);

/** A click on the stand-in's page: the stand-in signs it like Slack and posts it to /slack/interactions. */
async function click(user: string, message: RecordedMessage, action: 'approve' | 'deny') {
  const response = await fetch(`${stack.url}/local/slack/click`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, channel: message.channel, ts: message.ts, action_id: action }),
  });
  return (await response.json()) as { status: number; body: unknown };
}

async function submitModal(user: string, reason: string) {
  const view = await eventually(async () => ((await (await fetch(`${stack.url}/local/slack/views?user=${user}`)).json()) as { id: string; view: Block }[]).at(-1), `a modal for ${user}`);
  const response = await fetch(`${stack.url}/local/slack/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, view_id: view.id, reason }) });
  return { view, reply: (await response.json()) as { status: number; body: any } };
}

const submit = async (who: string, resource: string, command: string, extra: Record<string, unknown> = {}) => {
  const { body } = await as[who].post('/sessions?wait=10', { resource, command, ...extra });
  return body.session.id as string;
};
const types = async (id: string) => ((await as.dana.get(`/sessions/${id}`)).body.events as { type: string }[]).map((e) => e.type);
/** The day's SECURITY stream (and the day before, should the test cross midnight), read as the exporter does. */
async function securityEvents(since: Date): Promise<AuditEvent[]> {
  const days = new Set([since, new Date()].map((at) => securityStream(at.toISOString())));
  return (await Promise.all([...days].map((stream) => stack.deps.events.list(stream)))).flat().filter((event) => event.at >= since.toISOString());
}
const openViews = async (user: string) => (await (await fetch(`${stack.url}/local/slack/views?user=${user}`)).json()) as { id: string; view: Block }[];

describe('approving from Slack', () => {
  it('posts the request, lets bob approve with one click, and then shows the approval and the result', async () => {
    const id = await submit('alice', 'postgres-demo', 'select id, name from customers order by id limit 3', { reason: 'support ticket <4321>' });
    const message = await reviewMessage(id);
    expect(message.channel).toBe('CDBREVIEWS');
    const posted = JSON.stringify(message.blocks);
    for (const expected of ['Alice Anders', 'alice@example.com', '*Groups*\\ndba', 'Orders (production)', '`postgres-demo` · postgres', 'dba-by-command', '0 of 1 from dba-approvers', 'support ticket &lt;4321&gt;', '```select id, name from customers order by id limit 3```', `/#/sessions/${id}`]) {
      expect(posted).toContain(expected);
    }

    // How fast the acknowledgement comes is measured by `npm run bench` (test/bench/slack-ack.ts), not here.
    const ack = await click('UBOB', message, 'approve');
    expect(ack.status).toBe(200);
    // The acknowledgement came first; the notify Lambda decides the click after it.
    await stack.slack.lambda.idle();

    const done = await as.alice.get(`/sessions/${id}?wait=15`);
    expect(done.body.session.status).toBe('done');
    expect(done.body.result.rows).toHaveLength(3);
    const approval = (done.body.events as { type: string; actor: Record<string, string>; details: Record<string, any> }[]).find((e) => e.type === 'review.approved')!;
    // Bob in Slack is the same person as bob's token: same subject.
    expect(approval.actor).toEqual({ sub: subjectOf('bob@example.com'), email: 'bob@example.com', name: 'Bob Brown' });
    expect((await as.bob.get('/me')).body.sub).toBe(subjectOf('bob@example.com'));
    expect(approval.details.approval).toMatchObject({ via: 'slack', forced: false });

    const final = await eventually(async () => {
      const text = await latestText(message);
      return text.includes('executed: 3 rows') ? text : undefined;
    }, 'the message to show the result');
    expect(final).toMatch(/approved by Bob Brown at <!date\^\d+\^[^|]+\|[^>]+> \(1 of 1\)/);
    expect(final).not.toContain('"type":"actions"');
    const dms = await eventually(async () => ((await visibleTo('UALICE')).length >= 2 ? visibleTo('UALICE') : undefined), 'alice\'s direct messages');
    expect(dms.map((m) => m.text)).toEqual([expect.stringContaining('was approved by Bob Brown'), expect.stringContaining('executed: 3 rows')]);
  });

  it('counts double clicks and Slack retries once, and a web approval updates the message too', async () => {
    const rule = (await as.dana.get('/rules/dba-by-command')).body.rule;
    expect((await as.dana.put('/rules/dba-by-command', { ...rule, approvalsRequired: 2 })).status).toBe(200);
    try {
      const id = await submit('alice', 'postgres-demo', 'select 7 as lucky');
      const message = await reviewMessage(id);
      const [first, second] = await Promise.all([stack.slack.standIn!.click({ user: 'UBOB', channel: message.channel, ts: message.ts, actionId: 'approve' }), click('UBOB', message, 'approve')]);
      expect([first.status, second.status]).toEqual([200, 200]);
      await stack.slack.lambda.idle();
      // Slack's retry comes after both halves of the double click were decided: bob hears it counted already.
      const retry = await stack.slack.standIn!.send(first.request, 1);
      expect(retry.status).toBe(200);
      await stack.slack.lambda.idle();

      const pending = (await as.alice.get(`/sessions/${id}`)).body;
      expect(pending.session.status).toBe('pending_review');
      expect(pending.session.approvals.map((a: { email: string }) => a.email)).toEqual(['bob@example.com']);
      expect(pending.events.filter((e: { type: string }) => e.type === 'review.approved')).toHaveLength(1);
      const told = await eventually(async () => (await visibleTo('UBOB')).find((m) => m.ephemeral && m.text.includes('already counted (1 of 2)')), 'bob to hear his approval is already counted');
      expect(told.channel).toBe(message.channel);
      expect(await latestText(message)).toContain('(1 of 2)');

      expect((await as.grace.post(`/sessions/${id}/review`, { decision: 'approve', via: 'web' })).status).toBe(200);
      const final = await eventually(async () => {
        const text = await latestText(message);
        return text.includes('executed: 1 row') ? text : undefined;
      }, 'the message to show the web approval and the result');
      expect(final).toContain('approved by Grace Green');
      expect(final).toContain('(2 of 2)');
    } finally {
      await as.dana.put('/rules/dba-by-command', rule);
    }
  });

  it('tells the requester, an outsider and an unknown person privately, and writes nothing to the session', async () => {
    const id = await submit('henry', 'postgres-demo', 'select count(*) from orders');
    const message = await reviewMessage(id);
    expect((await as.dana.call('DELETE', '/directory/users/grace@example.com')).status).toBe(204);
    try {
      for (const user of ['UHENRY', 'UFRANK', 'UGRACE']) expect((await click(user, message, 'approve')).status).toBe(200);
      expect((await click('UHENRY', message, 'deny')).status).toBe(200);
      await eventually(async () => (await visibleTo('UGRACE')).some((m) => m.ephemeral), 'grace\'s answer');
      const said = async (user: string) => (await visibleTo(user)).filter((m) => m.ephemeral).map((m) => m.text);
      expect(await eventually(async () => ((await said('UHENRY')).length === 2 ? said('UHENRY') : undefined), 'henry\'s answers')).toEqual([
        'You cannot approve or deny your own command; another approver has to.',
        'You cannot approve or deny your own command; another approver has to.',
      ]);
      expect(await said('UFRANK')).toEqual(['Only members of dba-approvers can review this command; nothing was recorded.']);
      expect(await said('UGRACE')).toEqual([expect.stringContaining('does not know grace@example.com')]);
      expect(await types(id)).toEqual(['session.requested', 'session.previewed', 'review.requested']);
      expect((await as.henry.get(`/sessions/${id}`)).body.session).toMatchObject({ status: 'pending_review', approvals: [] });
    } finally {
      const restored = await as.dana.put('/directory/users/grace@example.com', { sub: subjectOf('grace@example.com'), name: 'Grace Green', groups: ['dba-approvers'] });
      expect(restored.status).toBe(201);
    }
    await as.henry.post(`/sessions/${id}/cancel`);
    await eventually(async () => (await latestText(message)).includes('cancelled by the requester'), 'the message to show the cancellation');
  });

  it('denies through the modal with a reason, and force-approves only with one', async () => {
    const id = await submit('alice', 'postgres-demo', 'delete from orders');
    const message = await reviewMessage(id);
    expect((await click('UGRACE', message, 'deny')).status).toBe(200);
    const { view, reply } = await submitModal('UGRACE', 'deletes every order');
    expect(view.view).toMatchObject({ callback_id: 'deny', title: { text: 'Deny command' } });
    expect(reply).toMatchObject({ status: 200 });
    expect((await as.alice.get(`/sessions/${id}?wait=10`)).body.session).toMatchObject({ status: 'denied', denial: { email: 'grace@example.com', reason: 'deletes every order', via: 'slack' } });
    await eventually(async () => (await latestText(message)).includes('denied by Grace Green: deletes every order'), 'the message to show the denial');
    await eventually(async () => (await visibleTo('UALICE')).find((m) => m.text.includes('was denied by Grace Green: deletes every order')), 'alice\'s DM about the denial');

    const own = await submit('carol', 'postgres-demo', 'select 1 as ok');
    const carolMessage = await reviewMessage(own);
    expect((await click('UCAROL', carolMessage, 'approve')).status).toBe(200);
    const empty = await submitModal('UCAROL', '');
    expect(empty.view.view.callback_id).toBe('force');
    expect(empty.reply.body).toEqual({ response_action: 'errors', errors: { reason: 'reason: a forced approval needs a reason' } });
    const forced = await submitModal('UCAROL', 'INC-42: no approver awake');
    expect(forced.reply.status).toBe(200);
    expect((await as.carol.get(`/sessions/${own}?wait=15`)).body.session).toMatchObject({ status: 'done', forced: true, approvals: [{ email: 'carol@example.com', forced: true, via: 'slack', reason: 'INC-42: no approver awake' }] });
    await eventually(async () => (await latestText(carolMessage)).includes('force-approved by Carol Chen'), 'the message to show the forced approval');
  });

  it('records refused clicks as security events of the day, never on the session', async () => {
    const id = await submit('alice', 'postgres-demo', 'select 4 as own');
    const message = await reviewMessage(id);
    const since = new Date();

    expect((await click('UALICE', message, 'approve')).status).toBe(200);
    // Erin's first click: the deny modal opens while Slack says who she is, then turns into the explanation.
    expect((await click('UERIN', message, 'deny')).status).toBe(200);

    await eventually(async () => (await visibleTo('UALICE')).find((m) => m.ephemeral && m.text === 'You cannot approve or deny your own command; another approver has to.'), 'alice\'s answer');
    const explained = await eventually(async () => (await openViews('UERIN')).find((v) => v.view.callback_id === 'refused'), 'erin\'s modal to explain');
    expect(explained.view.blocks).toEqual([expect.objectContaining({ text: expect.objectContaining({ text: 'Only members of dba-approvers can review this command; nothing was recorded.' }) })]);
    expect(explained.view.submit).toBeUndefined();
    expect(await visibleTo('UERIN')).toEqual([]);

    const refused = (await securityEvents(since)).filter((event) => event.details.sessionId === id);
    expect(refused).toEqual([
      expect.objectContaining({
        stream: expect.stringMatching(/^SECURITY#\d{4}-\d{2}-\d{2}$/),
        type: 'security.review_refused',
        actor: { sub: subjectOf('alice@example.com'), email: 'alice@example.com', name: 'Alice Anders' },
        details: { sessionId: id, code: 'self_review', decision: 'approve', force: false, via: 'slack', groups: ['dba'], slackUser: 'UALICE' },
      }),
      expect.objectContaining({
        type: 'security.review_refused',
        actor: expect.objectContaining({ email: 'erin@example.com' }),
        details: expect.objectContaining({ sessionId: id, code: 'not_approver', decision: 'deny', via: 'slack', slackUser: 'UERIN' }),
      }),
    ]);
    expect(await types(id)).toEqual(['session.requested', 'session.previewed', 'review.requested']);
    expect((await as.alice.get(`/sessions/${id}`)).body.session).toMatchObject({ status: 'pending_review', approvals: [] });
    await fetch(`${stack.url}/local/slack/close`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'UERIN', view_id: explained.id }) });
    await as.alice.post(`/sessions/${id}/cancel`);
  });

  it('refuses a request not signed by Slack with 401, records it as a security event, and nothing on the session', async () => {
    const since = new Date();
    const id = await submit('alice', 'postgres-demo', 'select 3');
    const message = await reviewMessage(id);
    const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', user: { id: 'UBOB' }, trigger_id: 't', actions: [{ action_id: 'approve', value: id }] }))}`;
    const forged = await fetch(`${stack.url}/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=' + '0'.repeat(64) },
      body,
    });
    expect(forged.status).toBe(401);
    expect(await types(id)).toEqual(['session.requested', 'session.previewed', 'review.requested']);
    const rejected = (await securityEvents(since)).filter((event) => event.type === 'security.slack_signature_rejected');
    expect(rejected).toEqual([
      expect.objectContaining({ actor: { system: 'slack-interactions' }, details: { reason: 'bad_signature', sourceIp: expect.stringMatching(/127\.0\.0\.1$/), timestamp: expect.stringMatching(/^\d+$/), unrecorded: 0 } }),
    ]);
    expect(await latestText(message)).toContain('"action_id":"approve"');
    await as.alice.post(`/sessions/${id}/cancel`);
  });
});

describe('when Slack fails', () => {
  it('records the failed post with Slack\'s error and retries it until it goes through', async () => {
    stack.slack.standIn!.fail('chat.postMessage', 'ratelimited', 2);
    const id = await submit('alice', 'postgres-demo', 'select 11 as retried');
    const message = await reviewMessage(id);
    expect(message.channel).toBe('CDBREVIEWS');
    // The message is posted before review.requested is recorded, so wait for the record, not the message.
    await eventually(async () => (await types(id)).includes('review.requested'), 'the review request on the record');
    const events = (await as.alice.get(`/sessions/${id}`)).body.events as { type: string; details: Record<string, unknown> }[];
    expect(events.map((e) => e.type)).toEqual(['session.requested', 'session.previewed', 'notification.failed', 'notification.failed', 'review.requested']);
    expect(events[2].details).toEqual({ work: 'review', error: 'Slack chat.postMessage failed: ratelimited', code: 'ratelimited' });
    expect((await click('UBOB', message, 'approve')).status).toBe(200);
    await stack.slack.lambda.idle();
    expect((await as.alice.get(`/sessions/${id}?wait=15`)).body.session.status).toBe('done');
  });

  it('keeps the session approvable through the API while Slack is down', async () => {
    stack.slack.standIn!.fail('chat.postMessage', 'service_unavailable', 100);
    try {
      const id = await submit('alice', 'postgres-demo', 'select 12 as unposted');
      await eventually(async () => (await types(id)).includes('notification.failed'), 'the failure on the record');
      expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
      const done = await as.alice.get(`/sessions/${id}?wait=15`);
      expect(done.body.session.status).toBe('done');
      expect(done.body.events.find((e: { type: string }) => e.type === 'notification.failed').details).toMatchObject({ code: 'service_unavailable' });
    } finally {
      stack.slack.standIn!.clearFaults();
    }
  });

  it('answers a click although the message update times out, then retries the update', async () => {
    const id = await submit('alice', 'postgres-demo', 'select 13 as slow');
    const message = await reviewMessage(id);
    // Slack applies the late update after the client gave up; the retry, later still, draws the final state over it.
    stack.slack.standIn!.hang('chat.update', 600, 1, message.ts);
    const ack = await click('UBOB', message, 'approve');
    expect(ack.status).toBe(200);
    const failure = await eventually(async () => ((await as.alice.get(`/sessions/${id}`)).body.events as { type: string; details: Record<string, unknown> }[]).find((e) => e.type === 'notification.failed'), 'the timeout on the record');
    expect(failure.details).toMatchObject({ work: 'session', code: 'timeout' });
    await eventually(async () => (await latestText(message)).includes('executed: 1 row'), 'the retried update', 15_000);
    await stack.slack.lambda.idle();
    expect(await latestText(message)).toContain('executed: 1 row');
    expect((await as.alice.get(`/sessions/${id}`)).body.session.status).toBe('done');
  });
});
