/**
 * The push to waiting clients on AWS: the WebSocket API, its routes and the authorizer on $connect
 * (same issuer and audience as the HTTP API's JWT authorizer), the stage's logs and throttling, the
 * sessions stream mapping filtered to sessions' own items, the web UI's CSP allowing the socket, and
 * least-privilege grants (ManageConnections on this API's stage only).
 */
import { describe, expect, it } from 'vitest';
import { SOCKET_STAGE } from '../../../infra/constructs/push';
import { asArray, leastPrivilegeViolations, logicalId, normalized, roleOf, statementsOf, synth } from '../synth';

// With cdk-nag: synthesis throws on any unacknowledged AwsSolutions finding.
const { stack, json } = synth({}, { nag: true });
const push = stack.push;
const ids = {
  api: logicalId(push.socketApi),
  stage: logicalId(push.stage),
  sessions: logicalId(stack.tables.sessions.table),
  connections: logicalId(stack.tables.connections.table),
  authorizer: logicalId(push.authorizer),
  routes: logicalId(push.routes),
  pusher: logicalId(push.pusher),
  dlq: logicalId(stack.operations.deadLetterQueue),
};
const ofType = (type: string): Array<Record<string, any>> => Object.entries(json.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => ({ id, ...r.Properties! }));
/** Resources of the WebSocket API (the HTTP API's are of the same types). */
const onSocketApi = (type: string) => ofType(type).filter((resource) => JSON.stringify(resource.ApiId) === JSON.stringify({ Ref: ids.api }));
const environmentOf = (id: string) => json.Resources[id].Properties!.Environment.Variables as Record<string, unknown>;
const integrationTarget = (integrationId: string) => JSON.stringify(json.Resources[integrationId].Properties!.IntegrationUri);

describe('the WebSocket API', () => {
  it('routes on the message\'s action', () => {
    expect(json.Resources[ids.api].Properties).toMatchObject({ ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
  });

  it('authorises $connect with a Lambda authorizer reading the token from the query string', () => {
    const routes = onSocketApi('AWS::ApiGatewayV2::Route');
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['$connect', 'ping', 'subscribe']);
    const connect = routes.find((route) => route.RouteKey === '$connect')!;
    expect(connect.AuthorizationType).toBe('CUSTOM');
    const [authorizer] = onSocketApi('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer).toMatchObject({ AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(ids.authorizer);
    expect(connect.AuthorizerId).toEqual({ Ref: authorizer.id });
    for (const route of routes) expect(integrationTarget((route.Target['Fn::Join'][1][1] as { Ref: string }).Ref)).toContain(ids.routes);
  });

  it('answers subscribe and ping on the connection (route responses)', () => {
    const responses = onSocketApi('AWS::ApiGatewayV2::RouteResponse');
    const routeKeyOf = (routeRef: { Ref: string }) => json.Resources[routeRef.Ref].Properties!.RouteKey;
    expect(responses.map((response) => routeKeyOf(response.RouteId as { Ref: string })).sort()).toEqual(['ping', 'subscribe']);
  });

  it('verifies tokens with the issuer and audience of the HTTP API\'s JWT authorizer', () => {
    const [httpAuthorizer] = ofType('AWS::ApiGatewayV2::Authorizer').filter((a) => a.AuthorizerType === 'JWT');
    const env = environmentOf(ids.authorizer);
    expect(env.JWT_ISSUER).toEqual(httpAuthorizer.JwtConfiguration.Issuer);
    expect(env.JWT_AUDIENCE).toEqual(asArray(httpAuthorizer.JwtConfiguration.Audience)[0]);
  });

  it('has a throttled stage with access logs', () => {
    const stage = json.Resources[ids.stage].Properties!;
    expect(stage).toMatchObject({ StageName: SOCKET_STAGE, AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(push.accessLogs), 'Arn'] });
  });

  it('is named by GET /me and allowed by the web UI\'s CSP', () => {
    expect(JSON.stringify(environmentOf(logicalId(stack.functions.identity)).SOCKET_URL)).toContain(ids.api);
    const [policy] = ofType('AWS::CloudFront::ResponseHeadersPolicy');
    const csp = JSON.stringify(policy.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain('wss://');
    expect(csp).toContain(ids.api);
  });
});

describe('the sessions stream', () => {
  it('is on, with new images', () => {
    expect(json.Resources[ids.sessions].Properties!.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });

  it('feeds the pusher only sessions\' own items, from the latest record, failures reported and sent to the dead-letter queue', () => {
    const [mapping] = ofType('AWS::Lambda::EventSourceMapping').filter((m) => JSON.stringify(m.EventSourceArn).includes(ids.sessions));
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [ids.sessions, 'StreamArn'] },
      FunctionName: { Ref: ids.pusher },
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(mapping.DestinationConfig)).toContain(ids.dlq);
    expect(JSON.parse(mapping.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { Keys: { pk: { S: [{ prefix: 'SESSION#' }] }, sk: { S: ['META'] } } },
    });
  });
});

describe('grants', () => {
  it('let the pusher manage connections of this API\'s stage only, and nothing else may', () => {
    const manage = statementsOf(json, roleOf(push.pusher)).filter((s) => asArray(s.Action).includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    const resource = JSON.stringify(manage[0].Resource);
    expect(resource).toContain(ids.api);
    expect(resource).toContain(`/${SOCKET_STAGE}/POST/@connections/*`);
    for (const fn of [push.authorizer, push.routes, stack.functions.sessions, stack.functions.identity]) {
      expect(statementsOf(json, roleOf(fn)).flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('execute-api:'))).toEqual([]);
    }
  });

  it('give each push function only what its work needs on the tables', () => {
    const onTable = (fn: { role?: unknown }, tableId: string) =>
      statementsOf(json, roleOf(fn))
        .filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`))
        .map(normalized)
        .flatMap((s) => s.actions)
        .sort();
    expect(onTable(push.authorizer, ids.sessions)).toEqual([]);
    expect(onTable(push.authorizer, ids.connections)).toEqual([]);
    expect(onTable(push.routes, ids.connections)).toEqual(['dynamodb:PutItem']);
    expect(onTable(push.routes, ids.sessions)).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(onTable(push.pusher, ids.connections)).toEqual(['dynamodb:DeleteItem', 'dynamodb:Query']);
    expect(onTable(push.pusher, ids.sessions)).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
  });

  it('are least privilege across the stack', () => {
    expect(leastPrivilegeViolations(json, logicalId(stack.tables.events.table))).toEqual([]);
  });
});
