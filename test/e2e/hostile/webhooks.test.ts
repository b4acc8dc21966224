/**
 * Hostile use of the webhooks API against the local runtime: people who may not register, delete or
 * read webhooks; targets with other schemes, credentials, private, link-local and metadata addresses;
 * huge, empty and unknown event lists; bad, unknown and already deleted ids. Each case asserts its
 * status (a 400 names the field) and that nothing changed: no webhook item, no CONFIG event, no
 * delivery, no session, no database row (test/e2e/hostile/harness.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES } from '../../../functions/domain/webhook';
import { callerOf, DEMO_NAMES, hostileStackPerFile, refuserOf } from './harness';

const hostile = hostileStackPerFile();
const call = callerOf(hostile);
/** A webhook dana registered on the loopback address (the local policy allows it). */
let registered: string;
/** A webhook registered and deleted again. */
let deleted: string;

const RECEIVER = 'http://127.0.0.1:9/accessgate';
const VALID = { url: RECEIVER, events: ['session.done'] };

beforeAll(async () => {
  const register = async () => {
    const answer = await call('POST', '/webhooks', 'dana', VALID);
    expect(answer.status, answer.text).toBe(201);
    return JSON.parse(answer.text).id as string;
  };
  registered = await register();
  deleted = await register();
  expect((await call('DELETE', `/webhooks/${deleted}`, 'dana')).status).toBe(204);
}, 120_000);

const refused = refuserOf(hostile);

describe('people who may not use the webhooks API', () => {
  const admins = ['dana'];
  const readers = ['dana', 'erin'];
  const routes: [string, () => string, unknown, string[]][] = [
    ['POST', () => '/webhooks', VALID, admins],
    ['DELETE', () => `/webhooks/${registered}`, undefined, admins],
    ['GET', () => '/webhooks', undefined, readers],
    ['GET', () => `/webhooks/${registered}/deliveries`, undefined, readers],
  ];
  const matrix = routes.flatMap(([method, path, body, allowed]) => DEMO_NAMES.filter((name) => !allowed.includes(name)).map((name) => [name, method, path, body] as const));
  it.each(matrix)('%s on %s: 403, nothing written', async (name, method, path, body) => {
    await refused(method, path(), name, body, 403);
  });

  it('erin, an auditor, registers a webhook: 403', async () => {
    await refused('POST', '/webhooks', 'erin', VALID, 403);
  });

  it('erin deletes one: 403, still listed', async () => {
    await refused('DELETE', `/webhooks/${registered}`, 'erin', undefined, 403);
    expect(JSON.parse((await call('GET', '/webhooks', 'erin')).text).webhooks.map((hook: { id: string }) => hook.id)).toContain(registered);
  });
});

describe('targets a webhook must not have', () => {
  it.each([
    ['ftp', 'ftp://hooks.example.com/in'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/plain,hello'],
    ['gopher', 'gopher://hooks.example.com:70/_POST'],
    ['ws', 'wss://hooks.example.com/in'],
    ['plain http to a public name', 'http://hooks.example.com/in'],
    ['a user name and password', 'https://admin:secret@hooks.example.com/in'],
    ['a private address', 'https://10.0.0.8/in'],
    ['a private address 192.168', 'https://192.168.1.1/in'],
    ['the instance metadata address', 'https://169.254.169.254/latest/meta-data/'],
    ['the metadata address in hex', 'https://0xa9fea9fe/latest/meta-data/'],
    ['the metadata address as one number', 'https://2852039166/latest/'],
    ['a carrier-grade NAT address', 'https://100.64.0.1/in'],
    ['the unspecified address', 'https://0.0.0.0/in'],
    ['a unique-local IPv6 address', 'https://[fd00::1]/in'],
    ['a link-local IPv6 address', 'https://[fe80::1]/in'],
    ['an IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/in'],
    ['a multicast address', 'https://224.0.0.1/in'],
    ['localhost by name', 'https://localhost/in'],
    ['an .internal name', 'https://metadata.google.internal/computeMetadata/v1/'],
    ['a single-label name', 'https://intranet/in'],
    ['a relative URL', '/webhooks/in'],
    ['no URL at all', ''],
    ['a URL of 3000 characters', `https://hooks.example.com/${'x'.repeat(3000)}`],
    ['a URL that is a number', 42],
  ] as const)('%s: 400 naming url', async (_name, url) => {
    await refused('POST', '/webhooks', 'dana', { url, events: ['session.done'] }, 400, 'url');
  });
});

describe('event lists a webhook must not have', () => {
  it.each([
    ['no events', [], 'events'],
    ['events a string', 'session.done', 'events'],
    ['an unknown event type', ['session.exploded'], 'events[0]'],
    ['an unknown event type after known ones', ['session.done', 'window.ended', 'SESSION.DONE'], 'events[2]'],
    ['an event type that is a number', [7], 'events[0]'],
    ['ten thousand event types', Array.from({ length: 10_000 }, () => 'session.done'), 'events'],
    ['every event type three times', [...WEBHOOK_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES], 'events'],
    ['an event type of 100 000 characters', ['s'.repeat(100_000)], 'events[0]'],
  ] as const)('%s: 400 naming %s', async (_name, events, field) => {
    await refused('POST', '/webhooks', 'dana', { url: 'https://hooks.example.com/in', events }, 400, field);
  });

  it.each([
    ['no url', { events: ['session.done'] }, 'url'],
    ['no events', { url: 'https://hooks.example.com/in' }, 'events'],
    ['an unknown field', { ...VALID, secret: 'mine' }, ''],
    ['an array body', [VALID], ''],
  ])('a body with %s: 400', async (_name, body, field) => {
    await refused('POST', '/webhooks', 'dana', body, 400, field || undefined);
  });

  it('a truncated body: 400', async () => {
    await refused('POST', '/webhooks', 'dana', '{"url":', 400);
  });
});

describe('ids a webhook route must refuse', () => {
  const UNKNOWN = '00000000-0000-4000-8000-000000000000';
  it.each([
    ['DELETE', '/webhooks/not-a-webhook', 400],
    ['DELETE', '/webhooks/%ZZ', 400],
    ['DELETE', `/webhooks/${'a'.repeat(300)}`, 400],
    ['DELETE', `/webhooks/${UNKNOWN}`, 404],
    ['GET', '/webhooks/not-a-webhook/deliveries', 400],
    ['GET', '/webhooks/%ZZ/deliveries', 400],
    ['GET', `/webhooks/${UNKNOWN}/deliveries`, 404],
    ['GET', '/webhooks/..%2F..%2Fsessions/deliveries', 400],
  ] as const)('%s %s: %i', async (method, path, status) => {
    await refused(method, path, 'dana', undefined, status, status === 400 ? 'id' : undefined);
  });

  it('a deleted webhook deleted again: 404', async () => {
    await refused('DELETE', `/webhooks/${deleted}`, 'dana', undefined, 404);
  });

  it('a deleted webhook\'s deliveries: 404', async () => {
    await refused('GET', `/webhooks/${deleted}/deliveries`, 'dana', undefined, 404);
  });
});
