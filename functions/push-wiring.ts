/**
 * The composition root of the push to waiting clients (the WebSocket API's authorizer and routes, and
 * the session stream's pusher), beside wiring.ts and built on the same composition, once per
 * composition at first use. Each adapter is built on first use, so a function is asked only for the
 * settings of what it touches (the authorizer needs the issuer, the pusher the callback URL).
 *
 * On AWS the token verifier fetches the issuer's published keys; the local runtime
 * (infra/local/stack.ts) puts its identity provider in the composition instead. The socket channel is
 * the same adapter on both, pointed at the stage's callback URL or at the local stand-in's.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { JwksTokenVerifier } from './adapters/jwt-verifier';
import { DynamoSessionWatchers } from './adapters/session-watchers';
import { ApiGatewaySocketChannel } from './adapters/socket-channel';
import { traced } from './adapters/tracing';
import type { PushDeps, TokenVerifier } from './app/push-ports';
import { loadPushSettings, type PushSettings } from './config';
import { atFirstUse, requiredSetting } from './first-use';
import { type Composition, perComposition } from './wiring';

export interface PushAdapters {
  readonly tokens?: TokenVerifier;
}

/** The push functions' dependencies on a composition; reads no environment, keeps nothing. */
export function buildPushDeps(settings: PushSettings, base: Composition): PushDeps {
  const required = requiredSetting(settings, 'push to waiting clients');
  const channel = atFirstUse(() => new ApiGatewaySocketChannel(traced(new ApiGatewayManagementApiClient({ endpoint: required('SOCKET_CALLBACK_URL') }))));
  const tokens = atFirstUse(
    () => base.pushAdapters?.tokens ?? new JwksTokenVerifier(required('JWT_ISSUER'), required('JWT_AUDIENCE').split(',').map((value) => value.trim()).filter(Boolean)),
  );
  const { sessions, roles, clock, log } = base.deps;
  return {
    sessions,
    watchers: new DynamoSessionWatchers(base.clients.dynamo, settings.CONNECTIONS_TABLE, clock),
    get channel() {
      return channel();
    },
    get tokens() {
      return tokens();
    },
    roles,
    clock,
    log,
  };
}

/** The push functions' dependencies for the invocation in progress. */
export const pushDeps: () => PushDeps = perComposition((current) => buildPushDeps(loadPushSettings(current.environment), current));
