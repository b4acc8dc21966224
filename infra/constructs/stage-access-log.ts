/**
 * What the HTTP API's stage and the WebSocket API's stage share: an access log group that outlives the
 * stack, one JSON line per request in it, and the same throttle. Each API adds the fields only it has
 * (an HTTP path and user agent; a WebSocket event type and connection id). Never the request body or
 * query string: a token or a command must not reach the access log.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface LoggedStage {
  readonly accessLogs: logs.LogGroup;
  /** Spread into the stage's props. */
  readonly stageSettings: {
    readonly autoDeploy: true;
    readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
    readonly accessLogSettings: apigwv2.IAccessLogSettings;
  };
}

/** The access log group `AccessLogs` in `scope`, and the stage settings that log into it. */
export function loggedStage(scope: Construct, retention: logs.RetentionDays, fields: Readonly<Record<string, string>>): LoggedStage {
  const accessLogs = new logs.LogGroup(scope, 'AccessLogs', { retention, removalPolicy: RemovalPolicy.RETAIN });
  const format = {
    requestId: '$context.requestId',
    time: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    ...fields,
    status: '$context.status',
    authorizerError: '$context.authorizer.error',
    integrationError: '$context.integrationErrorMessage',
  };
  return {
    accessLogs,
    stageSettings: {
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(accessLogs), format: apigw.AccessLogFormat.custom(JSON.stringify(format)) },
    },
  };
}
