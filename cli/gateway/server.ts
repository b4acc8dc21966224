/**
 * The gateway's listener: a local TCP server that PostgreSQL clients connect to as to a database.
 *
 * pg-gateway (0.2.4) answers the start-up: SSLRequest (refused: the server is local, traffic stays on
 * the machine by default), the StartupMessage and protocol version, and authentication (trust, or an
 * MD5 password challenge). Once a client is authenticated the gateway sends the parameters clients
 * expect and a BackendKeyData (so psql's Ctrl-C can cancel a statement waiting for review), then
 * detaches pg-gateway and runs the query phase itself (connection.ts): pg-gateway 0.2.4's per-message
 * hook resumes the socket between messages of one chunk, which can re-enter its reader while a
 * statement waits for approval, and it implements only the start of the simple protocol.
 *
 * CancelRequest and GSSENCRequest packets are read before pg-gateway sees a connection: it knows
 * neither (it would take them for a start-up message with a bad protocol version).
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { hashMd5Password, PostgresConnection, type PostgresConnectionOptions } from 'pg-gateway';
import { GatewayConnection } from './connection';
import type { Governor } from './governor';
import * as wire from './wire';
import { loadSqlParsers } from '../lib/sql';

export interface GatewayOptions {
  readonly governor: Governor;
  /** Cancels a session by id (the requester's own cancel through the API). */
  readonly cancelSession: (sessionId: string) => Promise<void>;
  readonly host?: string;
  readonly port?: number;
  /** With a password clients must answer an MD5 challenge; without one only loopback clients are let in. */
  readonly password?: string;
  /** Reported as server_version; clients such as psql pick their catalogue queries by it. */
  readonly serverVersion?: string;
  readonly onConnection?: (info: { user: string; database: string; remote: string }) => void;
}

export interface Gateway {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

export const isLoopbackHost = (host: string): boolean => host === 'localhost' || isLoopback(host);

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  // Statements are cut and read by the server's parser (cli/lib/sql.ts), loaded before the first client.
  await loadSqlParsers();
  const live = new Map<number, { secret: number; connection: GatewayConnection }>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    preamble(socket, Buffer.alloc(0));
  });

  /** Reads the first packet: cancel and GSS encryption requests are handled here, anything else goes to pg-gateway. */
  function preamble(socket: Socket, pending: Buffer): void {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (data.length < 8) {
        socket.resume();
        preamble(socket, data);
        return;
      }
      const code = data.readInt32BE(4);
      if (code === wire.CANCEL_REQUEST_CODE && data.length >= 16) {
        const target = live.get(data.readInt32BE(8));
        if (target && target.secret === data.readInt32BE(12)) void target.connection.cancel();
        socket.end();
        return;
      }
      if (code === wire.GSSENC_REQUEST_CODE) {
        socket.write('N');
        socket.resume();
        preamble(socket, data.subarray(8));
        return;
      }
      startup(socket, data);
    });
  }

  function startup(socket: Socket, first: Buffer): void {
    const pid = randomInt(1, 2 ** 31 - 1);
    const secret = randomInt(-(2 ** 31), 2 ** 31 - 1);
    const config: PostgresConnectionOptions = {
      authMode: options.password ? 'md5Password' : 'none',
      async onStartup() {
        // Trust is for this machine only: a client from elsewhere must know the password.
        if (!options.password && !isLoopback(socket.remoteAddress)) {
          startupConnection.sendError({ severity: 'FATAL', code: '28000', message: 'accessgate connect trusts only clients on this machine; start it with --password to accept others' });
          socket.end();
          return true;
        }
        return false;
      },
      async validateCredentials(credentials) {
        if (credentials.authMode !== 'md5Password' || !options.password) return false;
        return credentials.hash === (await hashMd5Password(credentials.user, options.password, credentials.salt));
      },
    };

    class Startup extends PostgresConnection {
      override async completeAuthentication(): Promise<void> {
        this.isAuthenticated = true;
        const parameters = this.clientInfo?.parameters ?? { user: '' };
        this.sendAuthenticationOk();
        const status: [string, string][] = [
          ['server_version', options.serverVersion ?? '16.0'],
          ['server_encoding', 'UTF8'],
          ['client_encoding', 'UTF8'],
          ['DateStyle', 'ISO, MDY'],
          ['IntervalStyle', 'postgres'],
          ['TimeZone', 'UTC'],
          ['integer_datetimes', 'on'],
          ['standard_conforming_strings', 'on'],
          ['is_superuser', 'off'],
          ['session_authorization', parameters.user],
          ['application_name', parameters.application_name ?? ''],
        ];
        for (const [name, value] of status) this.sendParameterStatus(name, value);
        this.sendData(wire.backendKeyData(pid, secret));
        this.sendReadyForQuery('idle');
        const detached = this.detach();
        const connection = new GatewayConnection(detached, options.governor, options.cancelSession);
        live.set(pid, { secret, connection });
        detached.on('close', () => live.delete(pid));
        handedOver = connection;
        options.onConnection?.({ user: parameters.user, database: parameters.database ?? parameters.user, remote: socket.remoteAddress ?? '' });
      }
    }

    let handedOver: GatewayConnection | undefined;
    // Bytes pg-gateway had already read past the start-up belong to the query phase.
    config.onMessage = async (data) => {
      if (!handedOver) return false;
      handedOver.feed(Buffer.from(data));
      return true;
    };
    const startupConnection = new Startup(socket, config);
    void startupConnection.handleData(first).finally(() => socket.resume());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5433, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 5433);
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
