/**
 * The API construct: every route of the governed-command API exists, reaches the right handler with
 * payload format 2.0, and is behind the JWT authorizer except GET /health; the stage logs and throttles.
 */
import { describe, expect, it } from 'vitest';
import { logicalId, synth } from '../synth';

const { stack, template, json } = synth({ corsOrigins: 'https://accessgate.example.com' });
const resources = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
// The HTTP API's routes only: the WebSocket API's belong to the push construct (test/infra/constructs/push.test.ts).
const httpApiId = logicalId(stack.api.httpApi);
const routes = new Map(
  resources('AWS::ApiGatewayV2::Route')
    .filter(([, r]) => (r.Properties!.ApiId as { Ref?: string }).Ref === httpApiId)
    .map(([, r]) => [r.Properties!.RouteKey as string, r.Properties!]),
);
const integrations = new Map(resources('AWS::ApiGatewayV2::Integration').map(([id, r]) => [id, r.Properties!]));
const [authorizerId] = resources('AWS::ApiGatewayV2::Authorizer').map(([id]) => id);

const expected: Record<string, keyof typeof stack.functions> = {
  'GET /health': 'identity',
  'GET /me': 'identity',
  'GET /resources': 'identity',
  'GET /openapi.json': 'identity',
  'POST /sessions': 'sessions',
  'GET /sessions': 'sessions',
  'GET /sessions/{id}': 'sessions',
  'POST /sessions/{id}/cancel': 'sessions',
  'POST /sessions/{id}/revoke': 'sessions',
  'GET /reviews': 'reviews',
  'POST /sessions/{id}/review': 'reviews',
  'POST /sessions/{id}/follow-up': 'reviews',
  'GET /rules': 'rules',
  'POST /rules': 'rules',
  'GET /rules/{name}': 'rules',
  'PUT /rules/{name}': 'rules',
  'DELETE /rules/{name}': 'rules',
};

describe('routes', () => {
  it('are exactly the API of the governed-command workflow', () => {
    // The auditors' routes belong to the evidence construct (test/infra/constructs/evidence.test.ts), the
    // webhooks' to theirs (test/infra/constructs/webhooks.test.ts).
    const own = [...routes.keys()].filter((key) => !key.startsWith('GET /audit/') && !/^\w+ \/webhooks/.test(key));
    expect(own.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s reaches the %s handler through a payload 2.0 Lambda proxy', (routeKey, handler) => {
    const target = routes.get(routeKey)!.Target['Fn::Join'][1][1].Ref as string;
    expect(integrations.get(target)).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.functions[handler]), 'Arn'] },
    });
  });

  it('require a valid JWT on every route but GET /health', () => {
    for (const [routeKey, route] of routes) {
      if (routeKey === 'GET /health') {
        expect(route.AuthorizationType).toBe('NONE');
        expect(route.AuthorizerId).toBeUndefined();
      } else {
        expect(route, routeKey).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      }
    }
  });

  it('addRoute makes a caller give the reason for a public route', () => {
    // @ts-expect-error a public route without publicBecause does not compile
    const options: Parameters<typeof stack.api.addRoute>[3] = { auth: false };
    expect(options.auth).toBe(false);
  });
});

describe('the $default stage', () => {
  const stage = resources('AWS::ApiGatewayV2::Stage')[0][1].Properties!;

  it('deploys automatically and throttles callers', () => {
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
  });

  it('writes JSON access logs naming the caller and route, never bodies or query strings', () => {
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ sub: '$context.authorizer.claims.sub', routeKey: '$context.routeKey', status: '$context.status' });
    expect(stage.AccessLogSettings.Format).not.toMatch(/requestBody|querystring|\$input/i);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });
});

describe('CORS', () => {
  it('admits only the origins given in context, with the Authorization header', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: { AllowOrigins: ['https://accessgate.example.com'], AllowHeaders: ['authorization', 'content-type'] },
    });
  });
});
