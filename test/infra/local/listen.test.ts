/**
 * The stand-ins' listen helper: a free loopback port, a refusal when the port asked for is taken, and a
 * close that does not wait for a request the server is still holding (a long-poll).
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../../../infra/local/listen';

const servers: Server[] = [];
const server = (handler: Parameters<typeof createServer>[1] = (_request, response) => response.end('ok')) => {
  const created = createServer(handler);
  servers.push(created);
  return created;
};

afterEach(async () => {
  for (const created of servers.splice(0)) {
    created.closeAllConnections();
    await new Promise((resolve) => created.close(resolve));
  }
});

describe('listenOnLoopback', () => {
  it('takes a free port on 127.0.0.1 and answers there', async () => {
    const listening = await listenOnLoopback(server());
    expect(listening.url).toBe(`http://127.0.0.1:${listening.port}`);
    expect(listening.port).toBeGreaterThan(0);
    expect(await (await fetch(listening.url)).text()).toBe('ok');
    await listening.close();
  });

  it('refuses a port already taken instead of waiting', async () => {
    const first = await listenOnLoopback(server());
    await expect(listenOnLoopback(server(), first.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.close();
  });

  it('closes while a request is still held, and the held request is cut', async () => {
    let held!: () => void;
    const arrived = new Promise<void>((resolve) => (held = resolve));
    const listening = await listenOnLoopback(server(() => held()));
    const request = fetch(listening.url).then(
      () => 'answered',
      () => 'cut',
    );
    await arrived;
    await listening.close();
    expect(await request).toBe('cut');
  });
});
