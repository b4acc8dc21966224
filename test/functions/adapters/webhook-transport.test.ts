/**
 * The webhook transport against a receiver on loopback (port 0): every address a name resolves to is
 * checked at delivery, and the connection goes to the checked address (the resolver is asked once per
 * attempt, so a rebinding answer has no second lookup to hide in). The resolver is injected; the
 * receiver and the sockets are real.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookTransport, type Resolver } from '../../../functions/adapters/webhook-transport';

let server: Server;
let port: number;
const received: { host?: string; headers: IncomingHttpHeaders; body: string }[] = [];
let status = 204;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ host: request.headers.host, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (status === 0) return; // never answers
      response.writeHead(status, status === 302 ? { location: 'http://169.254.169.254/' } : {}).end('receiver text that is never recorded');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** Answers from a table, counting the questions. */
function resolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

const post = (transport: HttpWebhookTransport, url: string) => transport.post({ url, headers: { 'content-type': 'application/json', 'x-accessgate-signature': 'v1=abc' }, body: '{"type":"session.done"}' });

describe('HttpWebhookTransport', () => {
  it('posts the body and headers to a literal loopback target under the local policy, without resolving anything', async () => {
    const names = resolver({});
    status = 204;
    received.length = 0;
    expect(await post(new HttpWebhookTransport('public-https-or-loopback', 2000, names), `http://127.0.0.1:${port}/in`)).toEqual({ status: 204 });
    expect(received[0]).toMatchObject({ host: `127.0.0.1:${port}`, body: '{"type":"session.done"}' });
    expect(received[0]!.headers['x-accessgate-signature']).toBe('v1=abc');
    expect(names.asked).toEqual([]);
  });

  it('connects a name to the address it checked, asking the resolver once per attempt', async () => {
    // Answers 127.0.0.1 first, then a private address: a second lookup (rebinding) would get the latter.
    const asked: string[] = [];
    const rebinding: Resolver = async (hostname) => {
      asked.push(hostname);
      return [{ address: asked.length === 1 ? '127.0.0.1' : '10.0.0.7', family: 4 }];
    };
    let connections = 0;
    const count = () => connections++;
    server.on('connection', count);
    // https to the plain-HTTP receiver: the TLS handshake fails, but only after the socket reached the checked address.
    const result = await post(new HttpWebhookTransport('public-https-or-loopback', 2000, rebinding), `https://hooks.example.com:${port}/in`);
    server.off('connection', count);
    expect(result).toEqual({ error: expect.any(String) });
    expect(connections).toBe(1);
    expect(asked).toEqual(['hooks.example.com']);
  });

  it.each([
    ['a name resolving to a private address', { 'hooks.example.com': ['10.0.0.7'] }, 'hooks.example.com resolves to 10.0.0.7 is not public (private)'],
    ['a name resolving to the metadata service', { 'hooks.example.com': ['169.254.169.254'] }, 'hooks.example.com resolves to 169.254.169.254 is not public (link-local)'],
    ['a name with one public and one loopback address', { 'hooks.example.com': ['93.184.215.14', '127.0.0.1'] }, 'hooks.example.com resolves to 127.0.0.1 is not public (loopback)'],
    ['a name resolving to an IPv4-mapped loopback', { 'hooks.example.com': ['::ffff:127.0.0.1'] }, 'hooks.example.com resolves to ::ffff:127.0.0.1 is not public (IPv4-mapped or translated non-public)'],
    ['a name resolving to a unique-local IPv6 address', { 'hooks.example.com': ['fd12::1'] }, 'hooks.example.com resolves to fd12::1 is not public (unique-local)'],
  ])('refuses %s after resolution, before any connection', async (_, table, reason) => {
    const names = resolver(table);
    received.length = 0;
    const result = await post(new HttpWebhookTransport('public-https', 2000, names), `https://hooks.example.com:${port}/in`);
    expect(result).toEqual({ error: `refused: ${reason}`, refused: true });
    expect(names.asked).toEqual(['hooks.example.com']);
    expect(received).toEqual([]);
  });

  it('refuses by the URL rules without resolving: plain http, a private literal, loopback under the deployed policy', async () => {
    const names = resolver({});
    const transport = new HttpWebhookTransport('public-https', 2000, names);
    expect(await post(transport, 'http://hooks.example.com/in')).toEqual({ error: 'refused: must use https', refused: true });
    expect(await post(transport, `https://127.0.0.1:${port}/in`)).toEqual({ error: 'refused: 127.0.0.1 is not public (loopback)', refused: true });
    expect(await post(transport, 'https://[::ffff:a9fe:a9fe]/in')).toEqual({ error: 'refused: [::ffff:a9fe:a9fe] is not public (IPv4-mapped or translated non-public)', refused: true });
    expect(names.asked).toEqual([]);
  });

  it('reports a redirect as its status without following it, an unknown name and a silent receiver as errors', async () => {
    const transport = new HttpWebhookTransport('public-https-or-loopback', 300, resolver({}));
    status = 302;
    received.length = 0;
    expect(await post(transport, `http://127.0.0.1:${port}/in`)).toEqual({ status: 302 });
    expect(received).toHaveLength(1);
    expect(await post(transport, 'https://nowhere.example.com/in')).toEqual({ error: 'ENOTFOUND' });
    status = 0;
    expect(await post(transport, `http://127.0.0.1:${port}/in`)).toEqual({ error: 'no answer within 300 ms' });
    status = 204;
  });
});
