/**
 * The API Gateway routes the stack deploys and the routes the handler modules serve (and the local
 * runtime exposes) are written in two places; this keeps them from drifting apart, including which
 * routes go without the JWT authorizer.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { synth } from './synth';

const { json } = synth({ slackChannel: 'C0123456789' });

/** The HTTP API's routes (the WebSocket API's are held to functions/push/socket.ts in test/infra/constructs/push.test.ts). */
const socketApiId = Object.entries(json.Resources).find(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Api' && resource.Properties?.ProtocolType === 'WEBSOCKET')![0];
const deployed = Object.values(json.Resources)
  .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route' && resource.Properties?.ApiId?.Ref !== socketApiId)
  .map((resource) => ({ key: resource.Properties?.RouteKey as string, auth: resource.Properties?.AuthorizationType as string | undefined }));

/** Routes that must stay open: health for load balancers and monitors, Slack because it signs instead. */
const PUBLIC = ['GET /health', 'POST /slack/interactions'];

async function servedRoutes(): Promise<string[]> {
  const keys = ['POST /slack/interactions'];
  for (const file of readdirSync(new URL('../../functions/api/', import.meta.url))) {
    if (!file.endsWith('.ts') || file === 'http.ts') continue;
    const module = (await import(/* @vite-ignore */ new URL(`../../functions/api/${file}`, import.meta.url).href)) as { routes?: Record<string, unknown> };
    keys.push(...Object.keys(module.routes ?? {}));
  }
  return keys.sort();
}

describe('API routes', () => {
  it('deploys exactly the routes the handlers serve', async () => {
    expect(deployed.map((route) => route.key).sort()).toEqual(await servedRoutes());
  });

  it('puts the JWT authorizer on every route but health and Slack', () => {
    const open = deployed.filter((route) => route.auth !== 'JWT').map((route) => route.key).sort();
    expect(open).toEqual([...PUBLIC].sort());
  });
});
