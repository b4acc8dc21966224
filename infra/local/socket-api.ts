/**
 * The local stand-in for API Gateway's WebSocket API, on the local API server (`ws://…/socket`), with
 * the same handler modules the stack deploys behind it:
 *
 * - the handshake carries the token as `?token=`; without one it is refused with 401 before any
 *   handler runs (the authorizer's identity source is missing), and the authorizer handler decides the
 *   rest: a thrown "Unauthorized" is 401, a Deny policy 403, anything else thrown 500. The `$connect`
 *   route must then answer 2xx for the connection to open;
 * - each text message is routed on its `action` (the route selection expression `$request.body.action`)
 *   with the authorizer's context in `requestContext.authorizer`, and the route's answer (`body`) is
 *   sent back, as on a route with a route response; a message no route takes is answered the way API
 *   Gateway answers it (`{"message": "Forbidden", …}`);
 * - the management API (PostToConnection, GetConnection, DeleteConnection) at
 *   `/local/socket/@connections/{id}`, answering 410 GoneException for a connection that has ended.
 *
 * It counts what AWS bills: connection-minutes and messages, both ways.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { type WebSocket, WebSocketServer } from 'ws';
import type { LocalMount } from './http-server';

type Lambda<E, R> = (event: E, context: unknown) => Promise<R>;
type RouteReply = { statusCode?: number; body?: string };

export interface LocalSocketApiOptions {
  /** Path of the WebSocket endpoint on the API server. */
  readonly path: string;
  readonly authorizer: Lambda<unknown, APIGatewayAuthorizerResult>;
  /** By route key: `$connect`, `$disconnect` and the actions. */
  readonly routes: Readonly<Record<string, Lambda<unknown, RouteReply | undefined>>>;
}

interface Connection {
  readonly socket: WebSocket;
  readonly authorizer: Record<string, unknown>;
  readonly connectedAt: number;
  lastActiveAt: number;
}

/** API Gateway's frame limit is 32 KB and its message limit 128 KB. */
const MAX_MESSAGE_BYTES = 128 * 1024;
const MANAGEMENT = /^\/local\/socket\/@connections\/([^/]+)$/;

const lambdaContext = (name: string) => ({ functionName: name, awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 30_000 });
/** API Gateway's connection ids look like "L0SM9cOFvHcCIhw=". */
const newConnectionId = () => Buffer.from(crypto.getRandomValues(new Uint8Array(10))).toString('base64');

export class LocalSocketApi {
  private readonly connections = new Map<string, Connection>();
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private endpoint = '';
  /** What AWS would bill for: messages both ways (each 32 KB counts as one) and connection time. */
  readonly usage = { connections: 0, messages: 0, connectionMs: 0 };

  constructor(private readonly options: LocalSocketApiOptions) {}

  /** The wss:// address clients open (here ws://). */
  get url(): string {
    return this.endpoint;
  }

  /** The management API's endpoint (the stage's callback URL on AWS). */
  callbackUrl(apiUrl: string): string {
    return `${apiUrl}/local/socket`;
  }

  /** Connection-minutes so far, open connections counted up to now. */
  connectionMinutes(now = Date.now()): number {
    let ms = this.usage.connectionMs;
    for (const connection of this.connections.values()) ms += now - connection.connectedAt;
    return ms / 60_000;
  }

  attach(server: Server, apiUrl: string): void {
    this.endpoint = `${apiUrl.replace(/^http/, 'ws')}${this.options.path}`;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(request, socket, head).catch((error: unknown) => {
        console.error(JSON.stringify({ message: 'local WebSocket API: $connect failed', error: (error as Error).stack }));
        refuse(socket, 500);
      });
    });
  }

  private requestContext(connectionId: string, routeKey: string, eventType: string, authorizer?: Record<string, unknown>) {
    return {
      routeKey,
      eventType,
      connectionId,
      messageDirection: 'IN',
      apiId: 'local',
      stage: 'local',
      domainName: '127.0.0.1',
      requestId: crypto.randomUUID(),
      extendedRequestId: crypto.randomUUID(),
      requestTimeEpoch: Date.now(),
      requestTime: new Date().toUTCString(),
      connectedAt: this.connections.get(connectionId)?.connectedAt ?? Date.now(),
      ...(authorizer ? { authorizer } : {}),
    };
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== this.options.path) return refuse(socket, 404);
    const query = Object.fromEntries(url.searchParams.entries());
    if (!query.token) return refuse(socket, 401);
    const connectionId = newConnectionId();
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]));
    let policy: APIGatewayAuthorizerResult;
    try {
      policy = await this.options.authorizer(
        {
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:us-east-1:000000000000:local/local/$connect`,
          headers,
          queryStringParameters: query,
          requestContext: this.requestContext(connectionId, '$connect', 'CONNECT'),
        },
        lambdaContext('SocketAuthorizer'),
      );
    } catch (error) {
      return refuse(socket, (error as Error).message === 'Unauthorized' ? 401 : 500);
    }
    const allowed = policy.policyDocument.Statement.every((statement) => statement.Effect === 'Allow');
    if (!allowed) return refuse(socket, 403);
    const authorizer = { principalId: policy.principalId, ...policy.context };
    const connect = this.options.routes.$connect;
    if (connect) {
      const answer = await connect({ requestContext: this.requestContext(connectionId, '$connect', 'CONNECT', authorizer), headers, queryStringParameters: query, isBase64Encoded: false }, lambdaContext('$connect'));
      const status = answer?.statusCode ?? 200;
      if (status < 200 || status > 299) return refuse(socket, status);
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.open(connectionId, ws, authorizer));
  }

  private open(connectionId: string, socket: WebSocket, authorizer: Record<string, unknown>): void {
    const connection: Connection = { socket, authorizer, connectedAt: Date.now(), lastActiveAt: Date.now() };
    this.connections.set(connectionId, connection);
    this.usage.connections += 1;
    socket.on('message', (data, isBinary) => {
      connection.lastActiveAt = Date.now();
      this.count(data as Buffer);
      this.route(connectionId, connection, isBinary ? (data as Buffer).toString('base64') : (data as Buffer).toString('utf8'), isBinary).catch((error: unknown) => {
        console.error(JSON.stringify({ message: 'local WebSocket API: route failed', error: (error as Error).stack }));
        this.send(connection, JSON.stringify({ message: 'Internal server error', connectionId, requestId: crypto.randomUUID() }));
      });
    });
    // A frame over the message limit (or any protocol error) ends this connection with its close code, as
    // API Gateway does; without a listener the error would end the whole local runtime.
    socket.on('error', (error) => {
      console.error(JSON.stringify({ message: 'local WebSocket API: connection closed on a protocol error', connectionId, error: error.message }));
    });
    socket.on('close', () => {
      this.connections.delete(connectionId);
      this.usage.connectionMs += Date.now() - connection.connectedAt;
      const disconnect = this.options.routes.$disconnect;
      if (disconnect) {
        void disconnect({ requestContext: this.requestContext(connectionId, '$disconnect', 'DISCONNECT', authorizer), isBase64Encoded: false }, lambdaContext('$disconnect')).catch(() => undefined);
      }
    });
  }

  private async route(connectionId: string, connection: Connection, body: string, isBase64Encoded: boolean): Promise<void> {
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown }).action;
    } catch {
      action = undefined;
    }
    const routeKey = typeof action === 'string' && this.options.routes[action] && !action.startsWith('$') ? action : '$default';
    const route = this.options.routes[routeKey];
    if (!route) {
      this.send(connection, JSON.stringify({ message: 'Forbidden', connectionId, requestId: crypto.randomUUID() }));
      return;
    }
    const answer = await route({ requestContext: this.requestContext(connectionId, routeKey, 'MESSAGE', connection.authorizer), body, isBase64Encoded }, lambdaContext(routeKey));
    if (answer?.body !== undefined) this.send(connection, answer.body);
  }

  private count(data: Buffer | string): void {
    this.usage.messages += Math.max(1, Math.ceil(Buffer.byteLength(data) / (32 * 1024)));
  }

  private send(connection: Connection, text: string): void {
    this.count(text);
    connection.socket.send(text);
  }

  /** The management API: POST sends, GET describes, DELETE closes; an ended connection is 410. */
  readonly mount: LocalMount = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const match = MANAGEMENT.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (!match) return false;
    const connection = this.connections.get(decodeURIComponent(match[1]));
    if (!connection) {
      response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      response.end(JSON.stringify({ message: null }));
      return true;
    }
    if (request.method === 'POST') {
      if (body.length > MAX_MESSAGE_BYTES) {
        response.writeHead(413, { 'content-type': 'application/json', 'x-amzn-errortype': 'PayloadTooLargeException' });
        response.end(JSON.stringify({ message: 'Message too long' }));
        return true;
      }
      this.send(connection, body.toString('utf8'));
      response.writeHead(200).end();
    } else if (request.method === 'DELETE') {
      connection.socket.close(1000);
      response.writeHead(204).end();
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ connectedAt: new Date(connection.connectedAt).toISOString(), lastActiveAt: new Date(connection.lastActiveAt).toISOString() }));
    }
    return true;
  };

  async close(): Promise<void> {
    for (const connection of this.connections.values()) connection.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** Answers a handshake with an HTTP status instead of switching protocols. */
function refuse(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}
