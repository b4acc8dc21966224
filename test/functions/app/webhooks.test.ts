/** Webhook use cases against in-memory fakes: registration, dispatch of recorded events, signed delivery with retries. */
import { describe, expect, it } from 'vitest';
import { CONFIG_STREAM, sessionStream } from '../../../functions/app/audit-trail';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { endWindow, openWindow, requestWindow, revokeWindow } from '../../../functions/app/windows';
import { deleteWebhook, deliverAttempt, dispatchRecordedEvents, listDeliveries, listWebhooks, registerWebhook } from '../../../functions/app/webhooks';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../../functions/domain/errors';
import { webhookSecret, webhookSignature } from '../../../functions/domain/webhook';
import { fakeDeps } from './fakes';
import { alice, bob, dana, erin, orders, reviewedRule } from './people';
import { fakeWebhookDeps, ScriptedTransport, WEBHOOK_KEY } from './webhook-fakes';

const target = { url: 'https://hooks.example.com/accessgate', events: ['session.requested', 'session.done', 'rule.changed'] };

describe('registerWebhook', () => {
  it('lets admins register, returns the secret once, and records the registration without it', async () => {
    const deps = fakeWebhookDeps();
    const { id, secret, webhook } = await registerWebhook(deps, dana, target);

    expect(secret).toBe(webhookSecret(WEBHOOK_KEY, id));
    expect(await deps.webhooks.get(id)).toEqual(webhook);
    expect(JSON.stringify([...deps.webhooks.items.values()])).not.toContain(secret);
    const recorded = deps.events.all().filter((event) => event.stream === CONFIG_STREAM);
    expect(recorded.map((event) => event.type)).toEqual(['webhook.created']);
    expect(recorded[0]!.details).toMatchObject({ webhook: id, before: null, after: { url: target.url, events: target.events } });
    expect(JSON.stringify(recorded)).not.toContain(secret);
    expect((await listWebhooks(deps, erin)).map((hook) => hook.id)).toEqual([id]);
  });

  it('refuses anyone but an admin with 403 and stores nothing; auditors may read, others not', async () => {
    const deps = fakeWebhookDeps();
    await expect(registerWebhook(deps, erin, target)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(registerWebhook(deps, alice, target)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listWebhooks(deps, bob)).rejects.toBeInstanceOf(ForbiddenError);
    expect(deps.webhooks.items.size).toBe(0);
    expect(deps.events.all()).toEqual([]);
  });

  it('refuses an unknown event type naming events[i], and a private target naming url', async () => {
    const deps = fakeWebhookDeps();
    await expect(registerWebhook(deps, dana, { ...target, events: ['session.done', 'session.nope'] })).rejects.toMatchObject({ details: { fields: ['events[1]'] } });
    await expect(registerWebhook(deps, dana, { ...target, url: 'https://169.254.169.254/' })).rejects.toBeInstanceOf(InvalidInputError);
    expect(deps.webhooks.items.size).toBe(0);
  });

  it('deletes once, records it, then answers 404', async () => {
    const deps = fakeWebhookDeps();
    const { id } = await registerWebhook(deps, dana, target);
    await deleteWebhook(deps, dana, id);
    expect(deps.webhooks.items.size).toBe(0);
    await expect(deleteWebhook(deps, dana, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(listDeliveries(deps, dana, id)).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.events.all().map((event) => event.type)).toEqual(['webhook.created', 'webhook.deleted']);
  });
});

describe('dispatchRecordedEvents', () => {
  it('queues one job per subscribed webhook per published event, and puts every published event on the bus', async () => {
    const base = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const deps = fakeWebhookDeps({ base });
    const first = await registerWebhook(deps, dana, target);
    const second = await registerWebhook(deps, dana, { url: 'https://other.example.com/', events: ['session.denied'] });
    const session = await submitSession(base, alice, { resource: 'orders', command: 'select 1' });

    const counts = await dispatchRecordedEvents(deps, base.events.all());

    // session.requested (subscribed by the first) and the two webhook.created events (not published).
    expect(counts).toEqual({ jobs: 1, published: 1 });
    expect(deps.queue.sent).toEqual([{ webhookId: first.id, eventId: expect.stringMatching(/^[0-9a-f]{32}$/), type: 'session.requested', body: expect.any(String) }]);
    expect(JSON.parse(deps.queue.sent[0]!.body)).toEqual({ type: 'session.requested', at: expect.any(String), session: expect.objectContaining({ id: session.id, status: 'pending_review' }) });
    expect(deps.bus.events.map((event) => event.type)).toEqual(['session.requested']);
    expect(deps.queue.sent.some((job) => job.webhookId === second.id)).toBe(false);
  });

  it('publishes a revoke as window.ended with reason "revoked", and the window reaching its end with reason "elapsed"', async () => {
    const rules = [reviewedRule({ maxWindowSeconds: 3600 })];
    const base = fakeDeps({ resources: [orders], rules });
    const deps = fakeWebhookDeps({ base });
    await registerWebhook(deps, dana, { url: 'https://hooks.example.com/', events: ['window.active', 'window.ended'] });
    const opened = async () => {
      const window = await requestWindow(base, alice, { resource: 'orders', durationSeconds: 600, reason: 'incident' });
      await reviewSession(base, bob, window.id, { decision: 'approve', via: 'api' });
      await openWindow(base, window.id);
      return window.id;
    };
    const revoked = await opened();
    await revokeWindow(base, bob, revoked);
    const elapsed = await opened();
    base.clock.advance(600_000);
    await endWindow(base, elapsed);

    await dispatchRecordedEvents(deps, base.events.all());

    const bodies = deps.queue.sent.map((job) => JSON.parse(job.body) as { type: string; reason?: string; session: { id: string; status: string } });
    expect(bodies.map(({ type, reason, session }) => [type, reason, session.id, session.status])).toEqual([
      ['window.active', undefined, revoked, 'revoked'],
      ['window.ended', 'revoked', revoked, 'revoked'],
      ['window.active', undefined, elapsed, 'ended'],
      ['window.ended', 'elapsed', elapsed, 'ended'],
    ]);
    expect(deps.bus.events.filter((event) => event.type === 'window.ended').map((event) => JSON.parse(event.body).reason)).toEqual(['revoked', 'elapsed']);
  });

  it('publishes a rule change with the rule as it now stands', async () => {
    const deps = fakeWebhookDeps();
    await registerWebhook(deps, dana, target);
    await deps.events.append(CONFIG_STREAM, { type: 'rule.deleted', actor: { system: 't' }, details: { rule: 'r1', before: { name: 'r1' }, after: null }, at: '2026-11-26T10:00:00.000Z' });
    await dispatchRecordedEvents(deps, deps.events.all());
    expect(deps.queue.sent.map((job) => JSON.parse(job.body))).toEqual([{ type: 'rule.changed', at: '2026-11-26T10:00:00.000Z', rule: { name: 'r1', change: 'deleted', rule: null } }]);
  });

  it('reads no session for events no webhook subscribes to when there is no bus, and each session once per batch', async () => {
    // Prepare: one webhook on session.requested only, no bus; count the session reads
    const base = fakeDeps({ resources: [orders] });
    const deps = { ...fakeWebhookDeps({ base }), bus: undefined };
    await registerWebhook(deps, dana, { url: 'https://hooks.example.com/', events: ['session.requested'] });
    const first = await submitSession(base, alice, { resource: 'orders', command: 'select 1' });
    await base.events.append(sessionStream(first.id), { type: 'session.requested', actor: { system: 't' }, details: {}, at: 'x' });
    await base.events.append(sessionStream(first.id), { type: 'session.done', actor: { system: 't' }, details: {}, at: 'x' });
    const get = base.sessions.get.bind(base.sessions);
    const reads: string[] = [];
    base.sessions.get = async (id) => {
      reads.push(id);
      return get(id);
    };
    // Act
    const counts = await dispatchRecordedEvents(deps, base.events.all());
    // Assess: two session.requested events queued from one read; session.done, wanted by nobody, read nothing
    expect(counts).toEqual({ jobs: 2, published: 0 });
    expect(reads).toEqual([first.id]);
  });

  it('skips events whose session no longer exists and types nobody publishes', async () => {
    const deps = fakeWebhookDeps();
    await registerWebhook(deps, dana, target);
    await deps.events.append(sessionStream('gone'), { type: 'session.done', actor: { system: 't' }, details: {}, at: 'x' });
    await deps.events.append(sessionStream('gone'), { type: 'session.running', actor: { system: 't' }, details: {}, at: 'x' });
    expect(await dispatchRecordedEvents(deps, deps.events.all())).toEqual({ jobs: 0, published: 0 });
    expect(deps.bus.events).toEqual([]);
  });
});

describe('deliverAttempt', () => {
  const job = (webhookId: string) => ({ webhookId, eventId: 'e'.repeat(32), type: 'session.done' as const, body: '{"type":"session.done"}' });

  it('signs "<timestamp>.<body>" with the webhook secret and records a 2xx as delivered', async () => {
    const deps = fakeWebhookDeps();
    const { id, secret } = await registerWebhook(deps, dana, target);

    expect(await deliverAttempt(deps, job(id), 1)).toEqual({ next: 'done' });

    const [request] = deps.transport.requests;
    const timestamp = String(Math.floor(deps.clock.now().getTime() / 1000));
    expect(request).toMatchObject({ url: target.url, body: '{"type":"session.done"}' });
    expect(request!.headers['x-accessgate-timestamp']).toBe(timestamp);
    expect(request!.headers['x-accessgate-signature']).toBe(webhookSignature(secret, timestamp, '{"type":"session.done"}'));
    expect(await listDeliveries(deps, dana, id)).toEqual([{ at: deps.clock.now().toISOString(), attempt: 1, eventId: 'e'.repeat(32), type: 'session.done', status: 204, outcome: 'delivered' }]);
  });

  it('retries a failing receiver with doubling delays, then sends the job to the dead-letter queue', async () => {
    const deps = fakeWebhookDeps({ transport: new ScriptedTransport([{ status: 500 }, { error: 'timed out after 5000 ms' }, { status: 503 }]), maxAttempts: 3 });
    const { id } = await registerWebhook(deps, dana, target);

    const outcomes = [];
    for (let attempt = 1; attempt <= 3; attempt++) outcomes.push(await deliverAttempt(deps, job(id), attempt));

    expect(outcomes).toEqual([{ next: 'retry', delaySeconds: 30 }, { next: 'retry', delaySeconds: 60 }, { next: 'dead_letter' }]);
    expect((await listDeliveries(deps, dana, id)).map(({ attempt, status, error, outcome }) => ({ attempt, status, error, outcome }))).toEqual([
      { attempt: 3, status: 503, error: undefined, outcome: 'dead_lettered' },
      { attempt: 2, status: undefined, error: 'timed out after 5000 ms', outcome: 'retrying' },
      { attempt: 1, status: 500, error: undefined, outcome: 'retrying' },
    ]);
  });

  it('drops a job whose target the transport refused after resolution, without retrying it', async () => {
    const deps = fakeWebhookDeps({ transport: new ScriptedTransport([{ error: 'hooks.example.com resolves to 10.0.0.7, which is not public (private)', refused: true }]) });
    const { id } = await registerWebhook(deps, dana, target);
    expect(await deliverAttempt(deps, job(id), 1)).toEqual({ next: 'done' });
    expect((await listDeliveries(deps, dana, id))[0]).toMatchObject({ outcome: 'refused', error: expect.stringContaining('10.0.0.7') });
  });

  it('drops a job whose webhook was deleted, without calling anyone', async () => {
    const deps = fakeWebhookDeps();
    expect(await deliverAttempt(deps, job('deleted'), 1)).toEqual({ next: 'done' });
    expect(deps.transport.requests).toEqual([]);
  });
});
