/**
 * The HTTP API (payload format 2.0) in front of the handlers. `addRoute` is the one way to expose a
 * function, and it makes the caller say whether the route is authenticated, so a route cannot end up
 * public by omission: the JWT authorizer guards every route except `/health` and (later) the Slack
 * interactions endpoint, which verifies Slack's request signature itself.
 *
 * The `$default` stage writes JSON access logs (who, which route, status; never bodies or query strings,
 * which can hold SQL) and is throttled so a runaway client cannot flood the databases behind it.
 */
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { loggedStage } from './stage-access-log';

export interface AccessgateApiProps {
  readonly authorizer: apigwv2.IHttpRouteAuthorizer;
  readonly logRetention: logs.RetentionDays;
  /** Browser origins allowed to call the API (a web UI on another host); none by default. */
  readonly corsOrigins?: readonly string[];
}

/**
 * `auth: true`: the JWT authorizer must accept the caller's token. `auth: false`: public, and the caller
 * must say why (the reason becomes the cdk-nag acknowledgement a security reviewer reads).
 */
export type RouteOptions = { readonly auth: true } | { readonly auth: false; readonly publicBecause: string };

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** A route as API Gateway keys it: method, one space, path (`GET /sessions/{id}`). */
export type RouteKey = `${RouteMethod} /${string}`;

export class AccessgateApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  private readonly authorizer: apigwv2.IHttpRouteAuthorizer;
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: AccessgateApiProps) {
    super(scope, id);
    this.authorizer = props.authorizer;
    const origins = props.corsOrigins ?? [];
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'accessgate: approval-gated SQL access to production databases',
      createDefaultStage: false,
      corsPreflight: origins.length
        ? {
            allowOrigins: [...origins],
            allowHeaders: ['authorization', 'content-type'],
            allowMethods: [
              apigwv2.CorsHttpMethod.GET,
              apigwv2.CorsHttpMethod.POST,
              apigwv2.CorsHttpMethod.PUT,
              apigwv2.CorsHttpMethod.DELETE,
            ],
          }
        : undefined,
    });
    const logged = loggedStage(this, props.logRetention, {
      userAgent: '$context.identity.userAgent',
      routeKey: '$context.routeKey',
      path: '$context.path',
      responseLength: '$context.responseLength',
      latencyMs: '$context.responseLatency',
      sub: '$context.authorizer.claims.sub',
    });
    this.accessLogs = logged.accessLogs;
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', { httpApi: this.httpApi, stageName: '$default', ...logged.stageSettings });
  }

  /** The API's base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  addRoute(path: string, method: RouteMethod, fn: lambda.IFunction, options: RouteOptions): apigwv2.HttpRoute[] {
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${fn.node.id}Integration`, fn, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      });
      this.integrations.set(fn, integration);
    }
    const routes = this.httpApi.addRoutes({
      path,
      methods: [apigwv2.HttpMethod[method]],
      integration,
      authorizer: options.auth ? this.authorizer : new apigwv2.HttpNoneAuthorizer(),
    });
    if (!options.auth) {
      for (const route of routes) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${method} ${path} has no JWT authorizer on purpose: ${options.publicBecause}`,
        });
      }
    }
    return routes;
  }

  /** Routes several route keys to one function, each as `addRoute` does, with the same options. */
  addRoutes(fn: lambda.IFunction, routeKeys: readonly RouteKey[], options: RouteOptions): void {
    for (const routeKey of routeKeys) {
      const [method, path] = routeKey.split(' ') as [RouteMethod, string];
      this.addRoute(path, method, fn, options);
    }
  }
}
