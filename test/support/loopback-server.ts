/**
 * Small HTTP servers on 127.0.0.1 (port 0) that play someone else's service in a test (an identity
 * provider, an API), each request handed over with its whole body; closed together when the file ends.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export type LoopbackHandler = (request: IncomingMessage, body: string, response: ServerResponse) => unknown;

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Starts a server and answers with its base URL, `http://127.0.0.1:<port>`. */
export async function listen(handler: LoopbackHandler): Promise<string> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk));
    request.on('end', () => void handler(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
