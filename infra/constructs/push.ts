/**
 * The push to waiting clients on AWS: a WebSocket API whose `$connect` is guarded by a Lambda authorizer
 * verifying the same JWT the HTTP API's authorizer accepts (same issuer and audience; the token comes
 * as `?token=`, since a browser sets no header on a WebSocket), routes `subscribe` and `ping` (answered
 * on the connection), the Connections table holding which connection watches which session, and the
 * sessions table's stream feeding the function that tells each watcher of a change (PostToConnection).
 *
 * Nothing holds a Lambda while a person decides: a waiting client costs connection-minutes and a few
 * messages (docs/architecture.md, "Waiting for a decision"). Grants are least privilege: the route
 * function reads sessions and writes watches; the push function reads watches, deletes the ones whose
 * connection is gone, reads the sessions stream and may manage connections of this API's stage only.
 */
import { type CfnElement, Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SESSION_CHANGE_PATTERN } from '../../functions/push/session-change-filter';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import { loggedStage } from './stage-access-log';
import type { AccessgateTables } from './tables';

/** A resource's logical id as cdk-nag names it in a finding. */
const logicalIdOf = (construct: Construct): string => Stack.of(construct).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;

export interface PushProps {
  readonly defaults: FunctionDefaults;
  readonly tables: AccessgateTables;
  /** The issuer and audiences the HTTP API's JWT authorizer trusts (infra/constructs/identity.ts). */
  readonly issuer: string;
  readonly audience: readonly string[];
}

/** The stage clients connect to: wss://<api>.execute-api.<region>.amazonaws.com/live */
export const SOCKET_STAGE = 'live';

export class WaitingClientsPush extends Construct {
  readonly socketApi: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  readonly authorizer: AccessgateFunction;
  readonly routes: AccessgateFunction;
  readonly pusher: AccessgateFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PushProps) {
    super(scope, id);
    const { defaults, tables } = props;

    // The authorizer and the routes answer a client that waits on the connection: one read or write each.
    const socketFunction = (name: string, entry: string, description: string) =>
      new AccessgateFunction(this, name, { entry, description, timeout: Duration.seconds(10), defaults });
    this.authorizer = socketFunction('SocketAuthorizer', 'functions/push/authorizer.ts', 'WebSocket $connect: verifies the caller\'s JWT as the HTTP API\'s authorizer does');
    this.authorizer.addEnvironment('JWT_ISSUER', props.issuer);
    this.authorizer.addEnvironment('JWT_AUDIENCE', props.audience.join(','));

    this.routes = socketFunction('SocketRoutes', 'functions/push/socket.ts', 'WebSocket routes: $connect, subscribe to a session the caller may read, ping').bindTable(tables.sessions, 'RO');
    this.routes.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'WatchSessions', actions: ['dynamodb:PutItem'], resources: [tables.connections.table.tableArn] }),
    );

    const integration = new WebSocketLambdaIntegration('SocketRoutesIntegration', this.routes);
    this.socketApi = new apigwv2.WebSocketApi(this, 'SocketApi', {
      description: 'accessgate: pushes session changes to clients waiting on a decision',
      routeSelectionExpression: '$request.body.action',
      connectRouteOptions: {
        integration,
        authorizer: new WebSocketLambdaAuthorizer('JwtAuthorizer', this.authorizer, { identitySource: ['route.request.querystring.token'] }),
      },
    });
    for (const routeKey of ['subscribe', 'ping']) this.socketApi.addRoute(routeKey, { integration, returnResponse: true });

    const logged = loggedStage(this, defaults.logRetention, {
      routeKey: '$context.routeKey',
      eventType: '$context.eventType',
      connectionId: '$context.connectionId',
      sub: '$context.authorizer.principalId',
    });
    this.accessLogs = logged.accessLogs;
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', { webSocketApi: this.socketApi, stageName: SOCKET_STAGE, ...logged.stageSettings });

    this.pusher = new AccessgateFunction(this, 'SessionPush', {
      entry: 'functions/push/stream.ts',
      description: 'Sessions stream: tells each connection watching a session that it changed',
      timeout: Duration.seconds(30),
      defaults,
    });
    this.pusher.addEnvironment('SOCKET_CALLBACK_URL', this.stage.callbackUrl);
    this.pusher.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndForgetWatches',
        actions: ['dynamodb:Query', 'dynamodb:DeleteItem'],
        resources: [tables.connections.table.tableArn],
      }),
    );
    // Only POST (PostToConnection) on this stage: the pusher never reads or closes a connection.
    this.pusher.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PostToWaitingClients',
        actions: ['execute-api:ManageConnections'],
        resources: [Stack.of(this).formatArn({ service: 'execute-api', resource: this.socketApi.apiId, resourceName: `${SOCKET_STAGE}/POST/@connections/*` })],
      }),
    );
    this.readSessionStream(tables, defaults);

    this.acknowledge(tables);
  }

  /** The URL clients open (wss://…/live). */
  get url(): string {
    return this.stage.url;
  }

  /** The scheme and host of `url`, as a CSP connect-src names it. */
  get origin(): string {
    const stack = Stack.of(this);
    return `wss://${this.socketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }

  /**
   * The pusher's mapping on the sessions table's stream, filtered to sessions' own items before Lambda is
   * invoked (functions/push/session-change-filter.ts). LATEST: a client that connects later reads the
   * session first, so old changes are worth nothing. Stream actions on this table's streams only, as in
   * infra/constructs/evidence.ts.
   */
  private readSessionStream(tables: AccessgateTables, defaults: FunctionDefaults): void {
    const table = tables.sessions.table;
    this.pusher.addEventSourceMapping(`SessionStream:${Names.nodeUniqueId(table.node)}`, {
      eventSourceArn: table.tableStreamArn!,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      retryAttempts: 3,
      // A change nobody heard of within a minute is stale: the client has re-read the session by then.
      maxRecordAge: Duration.minutes(1),
      onFailure: new SqsDlq(defaults.deadLetterQueue),
      filters: [lambda.FilterCriteria.filter(SESSION_CHANGE_PATTERN as unknown as Record<string, unknown>)],
    });
    this.pusher.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadSessionStream',
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        resources: [`${table.tableArn}/stream/*`],
      }),
    );
  }

  private acknowledge(tables: AccessgateTables): void {
    const apiId = logicalIdOf(this.socketApi);
    const sessionsId = logicalIdOf(tables.sessions.table);
    const role = this.pusher.role!;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${SOCKET_STAGE}/POST/@connections/*]`,
      reason: 'Connection ids are made by API Gateway when a client connects; the grant covers PostToConnection on this WebSocket API\'s one stage only.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${sessionsId}.Arn>/stream/*]`,
      reason: 'A table\'s stream ARN ends in a label DynamoDB picks when the stream is enabled; the grant covers the streams of the sessions table only, for reading, in the form of the DynamoDB developer guide\'s stream-only policy (iam-policy-read-stream-only.html).',
    });
    for (const route of this.socketApi.node.findAll()) {
      if (route instanceof apigwv2.WebSocketRoute && route.routeKey !== '$connect') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.routeKey} runs on a connection $connect already authorised with the caller's JWT (API Gateway authorises WebSocket connections once, at $connect).`,
        });
      }
    }
  }
}
