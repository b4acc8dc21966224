/**
 * The push to waiting clients on the local runtime: the WebSocket API stand-in (infra/local/socket-api.ts)
 * in front of the same authorizer and route handler modules the stack deploys, and the sessions table's
 * stream stand-in (infra/local/event-stream.ts) feeding the same stream handler, with the event source
 * mapping's filter and no batching window (on AWS the mapping has none either).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayAuthorizerResult, DynamoDBStreamEvent } from 'aws-lambda';
import { isSessionChange } from '../../functions/push/session-change-filter';
import { LocalEventStream } from './event-stream';
import { LocalSocketApi } from './socket-api';

type Lambda<E, R> = (event: E, context: unknown) => Promise<R>;
type Bind = <E, C, R>(handler: (event: E, context: C) => Promise<R>) => (event: E, context: C) => Promise<R>;

export interface LocalPush {
  readonly sockets: LocalSocketApi;
  /** Starts the sessions table's stream, watching writes made through `client`. */
  follow(client: DynamoDBDocumentClient, sessionsTable: string): void;
  /** Waits until every session change seen so far has been pushed. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalPush(bind: Bind): Promise<LocalPush> {
  const authorizer = (await import('../../functions/push/authorizer')).handler as Lambda<unknown, APIGatewayAuthorizerResult>;
  const socket = bind((await import('../../functions/push/socket')).handler as Lambda<unknown, { statusCode?: number; body?: string }>);
  const pusher = bind((await import('../../functions/push/stream')).handler as Lambda<DynamoDBStreamEvent, { batchItemFailures: { itemIdentifier: string }[] }>);
  const sockets = new LocalSocketApi({ path: '/socket', authorizer: bind(authorizer), routes: { $connect: socket, subscribe: socket, ping: socket } });
  let stream: LocalEventStream | undefined;
  return {
    sockets,
    follow(client, sessionsTable) {
      stream = new LocalEventStream({
        tableName: sessionsTable,
        updates: true,
        filter: isSessionChange,
        windowMs: 0,
        deliver: (event) => pusher(event, { functionName: 'SessionPush', awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 60_000 }),
      });
      stream.attach(client);
    },
    flush: async () => stream?.flush(),
    async close() {
      await stream?.close();
      await sockets.close();
    },
  };
}
