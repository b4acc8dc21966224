/**
 * The HTTP edge shared by every API Lambda: API Gateway v2 events in, JSON out. It reads the caller's
 * identity from the verified JWT claims (never from the body), parses the body, dispatches on the
 * route key, and maps errors to statuses in exactly one place.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { AppError, InvalidInputError, UnauthenticatedError } from '../domain/errors';
import type { Identity } from '../domain/identity';
import { parseOrThrow } from '../domain/validation';
import { config } from '../config';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface ApiRequest {
  readonly event: ApiEvent;
  readonly identity: () => Identity;
  readonly body: () => unknown;
  readonly path: (name: string) => string;
  readonly query: Readonly<Record<string, string | undefined>>;
}

export type Route = (request: ApiRequest) => Promise<ApiResult>;

export const json = (statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(value),
});

/**
 * API Gateway's JWT authorizer hands array claims to Lambda flattened as "[a b c]"; Cognito's groups
 * claim arrives that way. Accept that, a real array, and a comma-separated string.
 */
export function parseGroups(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string' || claim.trim() === '') return [];
  const text = claim.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    if (inner.startsWith('"')) {
      try {
        return (JSON.parse(text) as unknown[]).map(String);
      } catch {
        // not JSON: fall back to the authorizer's space-separated form
      }
    }
    return inner.split(/[\s,]+/).filter(Boolean);
  }
  return text.split(',').map((group) => group.trim()).filter(Boolean);
}

export function identityFrom(event: ApiEvent): Identity {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || !sub) throw new UnauthenticatedError('A valid bearer token is required.');
  const email = typeof claims.email === 'string' ? claims.email : '';
  const name = typeof claims.name === 'string' && claims.name ? claims.name : email || sub;
  return { sub, email, name, groups: parseGroups(claims[config().GROUPS_CLAIM]) };
}

function parseBody(event: ApiEvent): unknown {
  if (!event.body) throw new InvalidInputError('body: a JSON object is required');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`body: not valid JSON (${(error as Error).message})`);
  }
}

/** Validates a parsed body or query against a schema; errors name the field. */
export const validate = <T extends z.ZodType>(schema: T, value: unknown, what = 'request'): z.output<T> => parseOrThrow(schema, value, what);

export function errorResult(error: unknown): ApiResult {
  if (error instanceof AppError) {
    return json(error.status, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
  }
  console.error(JSON.stringify({ message: 'unhandled error', error: (error as Error)?.stack ?? String(error) }));
  return json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' } });
}

/** Builds a Lambda handler serving the given routes (keys are API Gateway route keys, e.g. "GET /me"). */
export function apiHandler(routes: Record<string, Route>) {
  return middy<ApiEvent, ApiResult>().handler(async (event) => {
    const route = routes[event.routeKey];
    if (!route) return json(404, { error: { code: 'no_route', message: `No route for ${event.routeKey}.` } });
    const request: ApiRequest = {
      event,
      identity: () => identityFrom(event),
      body: () => parseBody(event),
      path: (name) => decodeURIComponent(event.pathParameters?.[name] ?? ''),
      query: event.queryStringParameters ?? {},
    };
    try {
      return await route(request);
    } catch (error) {
      return errorResult(error);
    }
  });
}
