/**
 * The WebSocket API's routes (route selection on the message's `action`):
 * - `$connect`: reached only once the authorizer accepted the token (functions/push/authorizer.ts);
 * - `subscribe` `{ "action": "subscribe", "sessionId": "…" }`: watch a session the caller may read,
 *   answered `{ "type": "session", sessionId, status, updatedAt }` (its state now) or
 *   `{ "type": "error", sessionId, code, message }` (the refusal GET /sessions/{id} would give);
 * - `ping`: answered `{ "type": "pong" }`, so a client waiting longer than API Gateway's ten idle
 *   minutes keeps its connection.
 * Changes are then pushed as `{ "type": "session", sessionId, status, updatedAt }` (functions/push/stream.ts).
 */
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { watchSession } from '../app/push';
import { AppError, InvalidInputError } from '../domain/errors';
import { identityOfClaims } from '../api/http';
import { pushDeps } from '../push-wiring';
import { settings } from '../wiring';

export type SocketEvent = APIGatewayProxyWebsocketEventV2 & {
  readonly requestContext: { readonly authorizer?: Readonly<Record<string, unknown>> };
};

export interface SocketReply {
  readonly statusCode: number;
  readonly body?: string;
}

const reply = (statusCode: number, message: Record<string, unknown>): SocketReply => ({ statusCode, body: JSON.stringify(message) });
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function subscribeRequest(body: string | undefined): string {
  let sessionId: unknown;
  try {
    sessionId = (JSON.parse(body ?? '') as { sessionId?: unknown }).sessionId;
  } catch {
    throw new InvalidInputError('body: not valid JSON');
  }
  if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) throw new InvalidInputError('sessionId: a session id is required', { fields: ['sessionId'] });
  return sessionId.toLowerCase();
}

async function subscribe(event: SocketEvent): Promise<SocketReply> {
  let sessionId: string | undefined;
  try {
    sessionId = subscribeRequest(event.body);
    const who = identityOfClaims(event.requestContext.authorizer, settings().GROUPS_CLAIM);
    return reply(200, { ...(await watchSession(pushDeps(), who, event.requestContext.connectionId, sessionId)) });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return reply(error.status, { type: 'error', ...(sessionId ? { sessionId } : {}), code: error.code, message: error.message });
  }
}

export const handler = async (event: SocketEvent): Promise<SocketReply> => {
  switch (event.requestContext.routeKey) {
    case '$connect':
      return { statusCode: 200 };
    case 'subscribe':
      return subscribe(event);
    case 'ping':
      return reply(200, { type: 'pong' });
    default:
      return reply(400, { type: 'error', code: 'unknown_action', message: 'action: must be "subscribe" or "ping"' });
  }
};
