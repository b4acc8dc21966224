/**
 * Webhooks over HTTP on the local runtime: registration rules, a receiver on loopback (port 0) that
 * checks every signature through a full approve → done flow, and a failing receiver whose jobs are
 * retried and then dead-lettered. Retries use WEBHOOK_RETRY_SECONDS=0, so nothing waits on the clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from './client';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver answering `status`, keeping every request it gets. */
async function receiver(status: number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/accessgate`, received };
}

/** What a receiver should do: recompute v1=HMAC-SHA256(secret, "<timestamp>.<body>") and compare in constant time. */
function signatureValid(secret: string, { headers, body }: Received): boolean {
  const timestamp = String(headers['x-accessgate-timestamp']);
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(String(headers['x-accessgate-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

let stack: LocalStack;
const as: Record<string, ApiClient> = {};
const servers: Server[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10, web: false, settings: { WEBHOOK_RETRY_SECONDS: '0', WEBHOOK_MAX_ATTEMPTS: '3' } });
  for (const name of ['alice', 'bob', 'dana', 'erin']) as[name] = await ApiClient.as(stack, `${name}@example.com`);
}, 120_000);

afterAll(async () => {
  for (const server of servers) server.close();
  await stack?.stop();
});

describe('webhooks on the local runtime', () => {
  it('lets only admins register, names an unknown event type as events[i], and refuses a private target', async () => {
    const target = await receiver(204);
    servers.push(target.server);
    expect((await as.alice.post('/webhooks', { url: target.url, events: ['session.done'] })).status).toBe(403);
    expect((await as.erin.post('/webhooks', { url: target.url, events: ['session.done'] })).status).toBe(403);

    const unknown = await as.dana.post('/webhooks', { url: target.url, events: ['session.done', 'session.exploded'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ message: expect.stringMatching(/^events\[1\]: unknown event type "session.exploded"/), details: { fields: ['events[1]'] } });

    for (const url of ['http://10.0.0.5/in', 'http://169.254.169.254/latest/meta-data', 'https://[::ffff:127.0.0.1]/in', 'http://localhost:1/in']) {
      const refused = await as.dana.post('/webhooks', { url, events: ['session.done'] });
      expect(refused.status, url).toBe(400);
      expect(refused.body.error.details.fields).toEqual(['url']);
    }
    expect((await as.dana.get('/webhooks')).body.webhooks).toEqual([]);
  });

  it('delivers the events of an approve → done flow to a loopback receiver, every one signed with the secret shown once', async () => {
    const target = await receiver(204);
    servers.push(target.server);
    const registered = await as.dana.post('/webhooks', { url: target.url, events: ['session.requested', 'session.approved', 'session.done', 'session.denied'] });
    expect(registered.status).toBe(201);
    const { id, secret } = registered.body as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);

    const listed = await as.erin.get('/webhooks');
    expect(listed.body.webhooks).toEqual([expect.objectContaining({ id, url: target.url })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const submitted = await as.alice.post('/sessions?wait=10', { resource: 'postgres-demo', command: 'select id, name from customers order by id limit 2' });
    const sessionId = submitted.body.session.id as string;
    expect((await as.bob.post(`/sessions/${sessionId}/review`, { decision: 'approve' })).status).toBe(200);
    expect((await as.alice.get(`/sessions/${sessionId}?wait=15`)).body.session.status).toBe('done');

    await vi.waitFor(async () => {
      await stack.webhooks.flush();
      expect(target.received.map((request) => JSON.parse(request.body).type)).toEqual(['session.requested', 'session.approved', 'session.done']);
    }, { timeout: 20_000, interval: 100 });

    for (const request of target.received) {
      expect(signatureValid(secret, request)).toBe(true);
      expect(signatureValid(`${secret}x`, request)).toBe(false);
      const body = JSON.parse(request.body);
      expect(Object.keys(body).sort()).toEqual(['at', 'session', 'type']);
      expect(body.session).toMatchObject({ id: sessionId, requester: { email: 'alice@example.com' }, resource: { id: 'postgres-demo' } });
      expect(request.headers['x-accessgate-event-type']).toBe(body.type);
    }
    const done = JSON.parse(target.received[2]!.body);
    expect(done.session.result).toMatchObject({ rowCount: 2 });
    expect(JSON.stringify(done)).not.toMatch(/"rows"|"columns"/);

    const deliveries = await as.dana.get(`/webhooks/${id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.deliveries.map((d: { type: string; status: number; attempt: number; outcome: string }) => [d.type, d.status, d.attempt, d.outcome]).sort()).toEqual([
      ['session.approved', 204, 1, 'delivered'],
      ['session.done', 204, 1, 'delivered'],
      ['session.requested', 204, 1, 'delivered'],
    ]);

    expect((await as.alice.call('DELETE', `/webhooks/${id}`)).status).toBe(403);
    expect((await as.dana.call('DELETE', `/webhooks/${id}`)).status).toBe(204);
    expect((await as.dana.call('DELETE', `/webhooks/${id}`)).status).toBe(404);
    expect((await as.dana.get(`/webhooks/${id}/deliveries`)).status).toBe(404);
  });

  it('answers a decision while a receiver holds its delivery unanswered', async () => {
    const held: { end(): void }[] = [];
    const received: string[] = [];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(request.url ?? '');
        held.push(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/held`;
    const { body } = await as.dana.post('/webhooks', { url, events: ['session.requested'] });

    const submitted = await as.alice.post('/sessions?wait=10', { resource: 'postgres-demo', command: 'select 2' });
    await vi.waitFor(() => expect(received.length).toBeGreaterThan(0), { timeout: 20_000, interval: 50 });
    // The receiver holds the request open: the review is decided and answered all the same.
    const denied = await as.bob.post(`/sessions/${submitted.body.session.id}/review`, { decision: 'deny' });
    expect(denied.status).toBe(200);
    expect((await as.alice.get(`/sessions/${submitted.body.session.id}`)).body.session.status).toBe('denied');
    for (const response of held) response.end();
    expect((await as.dana.call('DELETE', `/webhooks/${body.id}`)).status).toBe(204);
  });

  it('retries a failing receiver, then puts the job on the dead-letter queue', async () => {
    const target = await receiver(500);
    servers.push(target.server);
    const { body } = await as.dana.post('/webhooks', { url: target.url, events: ['session.denied'] });

    const submitted = await as.alice.post('/sessions?wait=10', { resource: 'postgres-demo', command: 'select 1' });
    const sessionId = submitted.body.session.id as string;
    const denied = await as.bob.post(`/sessions/${sessionId}/review`, { decision: 'deny', reason: 'not today' });
    expect(denied.status).toBe(200);

    await vi.waitFor(async () => {
      await stack.webhooks.flush();
      expect(stack.webhooks.queue.deadLetters.filter((job) => job.webhookId === body.id)).toHaveLength(1);
    }, { timeout: 20_000, interval: 100 });

    expect(target.received).toHaveLength(3);
    for (const request of target.received) expect(signatureValid(body.secret, request)).toBe(true);
    expect(new Set(target.received.map((request) => request.headers['x-accessgate-event-id'])).size).toBe(1);
    const attempts = (await as.dana.get(`/webhooks/${body.id}/deliveries`)).body.deliveries as { attempt: number; status: number; outcome: string; type: string }[];
    expect(attempts.map(({ attempt, status, outcome, type }) => ({ attempt, status, outcome, type }))).toEqual([
      { attempt: 3, status: 500, outcome: 'dead_lettered', type: 'session.denied' },
      { attempt: 2, status: 500, outcome: 'retrying', type: 'session.denied' },
      { attempt: 1, status: 500, outcome: 'retrying', type: 'session.denied' },
    ]);
  });
});
