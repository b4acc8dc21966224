/**
 * Puts a local stand-in's HTTP server (API Gateway, Step Functions, Lambda, Secrets Manager) on the
 * loopback address: port 0 takes a free port, so stacks and tests never collide.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  readonly url: string;
  readonly port: number;
  /** Stops the server, ending open connections too: a held long-poll or keep-alive socket would keep it open. */
  close(): Promise<void>;
}

/** Resolves once `server` listens on 127.0.0.1:`port`; rejects when it cannot (the port is taken). */
export async function listenOnLoopback(server: Server, port = 0): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
