/**
 * The HTTP edge shared by every API Lambda: API Gateway v2 events in, JSON out. It reads the caller's
 * identity from the verified JWT claims (never from the body), dispatches on the route key, and maps
 * errors to statuses in exactly one place. Header names, the JSON body, the Lambda context in the log
 * and the error mapping are middy middlewares (see `apiHandler`).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import * as z from '../domain/zod';
import { AppError, InvalidInputError, UnauthenticatedError } from '../domain/errors';
import { type Identity, normalizeEmail } from '../domain/identity';
import { parseOrThrow } from '../domain/validation';
import { logger, powertoolsLog } from '../adapters/log';
import { openCursor, sealCursor } from './cursor';
import { settings } from '../wiring';

/** For failures nobody expected: written even when the function's composition could not be built. */
const log = powertoolsLog();

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

/**
 * Headers on every answer of the API, whatever its content type: a browser must never guess a type
 * (a command or a result rendered as HTML), and nothing the API says about a session may be cached.
 */
export const EDGE_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

export const json = (statusCode: number, value: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...EDGE_HEADERS, ...headers },
  body: JSON.stringify(value),
});

/**
 * The groups claim in the two forms a group list can arrive in, each name taken whole:
 * - a JSON array of strings (a real array, or its JSON text);
 * - API Gateway's flattened form, "[a b c]": its JWT authorizer hands array claims to Lambda as one
 *   string, elements separated by a space. Cognito group names cannot contain whitespace, so for
 *   `cognito:groups` the split is exact.
 * Anything else (a bare or comma-separated string, an array holding a non-string) is not a group list
 * and grants no group: guessing at separators is how `"dba,admins"` once became an admin.
 */
export function parseGroups(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.every((group) => typeof group === 'string' && group !== '') ? [...claim] : [];
  if (typeof claim !== 'string') return [];
  const text = claim.trim();
  if (!text.startsWith('[') || !text.endsWith(']')) return [];
  const inner = text.slice(1, -1).trim();
  if (inner.startsWith('"')) {
    try {
      return parseGroups(JSON.parse(text) as unknown);
    } catch {
      return [];
    }
  }
  return inner.split(' ').filter(Boolean);
}

export function identityFrom(event: ApiEvent): Identity {
  return identityOfClaims(event.requestContext?.authorizer?.jwt?.claims, settings().GROUPS_CLAIM);
}

/**
 * The person verified claims name, in the form API Gateway's JWT authorizer hands them to Lambda (the
 * WebSocket API's authorizer passes the same form on, functions/push/authorizer.ts).
 */
export function identityOfClaims(claims: Readonly<Record<string, unknown>> | undefined, groupsClaim: string): Identity {
  const sub = claims?.sub;
  if (!claims || typeof sub !== 'string' || !sub) throw new UnauthenticatedError('A valid bearer token is required.');
  const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : '';
  const name = typeof claims.name === 'string' && claims.name ? claims.name : email || sub;
  return { sub, email, name, groups: parseGroups(claims[groupsClaim]) };
}

/** The body the JSON middleware parsed; a route that needs one and got none says so. */
function parsedBody(event: ApiEvent): unknown {
  if (event.body === undefined || event.body === '') throw new InvalidInputError('body: a JSON object is required');
  return event.body;
}

/** The composition's cursor key: only a listing that pages needs it. */
function cursorKey(): string {
  const key = settings().CURSOR_KEY;
  if (!key) throw new Error('accessgate is misconfigured: CURSOR_KEY is not set, so no cursor can be signed or checked');
  return key;
}

/**
 * Listing cursors at the edge, sealed on the way out and checked on the way in (functions/api/cursor.ts),
 * each bound to its listing: the route, the caller's subject and what else shapes the query (scope).
 */
export const cursorsFor = (request: ApiRequest, ...shape: (string | undefined)[]) => {
  const listing = [request.event.routeKey, request.identity().sub, ...shape].join('|');
  return {
    seal: (position: string | undefined) => (position === undefined ? undefined : sealCursor(cursorKey(), listing, position)),
    open: (cursor: string | undefined) => (cursor === undefined ? undefined : openCursor(cursorKey(), listing, cursor)),
  };
};

/** Longest path parameter any route accepts (an email is at most 254 characters). */
const MAX_PATH_PARAMETER = 256;

/** A path parameter, percent-decoded; a malformed escape or an overlong value is the client's mistake, named as such. */
function pathParameter(event: ApiEvent, name: string): string {
  const raw = event.pathParameters?.[name] ?? '';
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new InvalidInputError(`${name}: malformed percent-encoding in the path`, { fields: [name] });
  }
  if (value.length > MAX_PATH_PARAMETER) throw new InvalidInputError(`${name}: longer than ${MAX_PATH_PARAMETER} characters`, { fields: [name] });
  return value;
}

/** Validates a parsed body or query against a schema; errors name the field. */
export const validate = <T extends z.ZodMiniType>(schema: T, value: unknown, what = 'request'): z.output<T> => parseOrThrow(schema, value, what);

/** Validates a path parameter; a refusal names the parameter (`id`, `name`, `email`) as a body's names its field. */
export const validatePath = <T extends z.ZodMiniType>(schema: T, raw: string, name: string): z.output<T> =>
  (validate(z.object({ [name]: schema }), { [name]: raw }, 'path') as Record<string, z.output<T>>)[name]!;

export function errorResult(error: unknown): ApiResult {
  if (error instanceof AppError) {
    return json(error.status, { error: { code: error.code, ...error.body, message: error.message, ...(error.details ? { details: error.details } : {}) } });
  }
  log.error('unhandled error', { error });
  return json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' } });
}

/**
 * Any JSON body is parsed before routing, whatever its content type (the API has only JSON bodies, and
 * clients that omit the header are common). A request without a body skips the parser: only a route
 * that needs one refuses it.
 */
function jsonBody(): MiddlewareObj<ApiEvent, ApiResult> {
  // disableContentTypeCheck is a documented option that the package's type declarations still lack.
  const parser = httpJsonBodyParser({ disableContentTypeCheck: true } as Parameters<typeof httpJsonBodyParser>[0]);
  return { before: (request) => (request.event.body ? parser.before!(request as never) : undefined) };
}

/** The parser's refusal, in the API's own words: a 400 naming the body. */
function asAppError(error: unknown): unknown {
  const cause = (error as { cause?: { package?: string; message?: string } } | null)?.cause;
  if (cause?.package === '@middy/http-json-body-parser') return new InvalidInputError(`body: not valid JSON (${cause.message ?? 'no body'})`);
  return error;
}

/** Every answer, also an error, carries the edge headers; errors become the API's JSON error shape. */
function edgeAnswers(): MiddlewareObj<ApiEvent, ApiResult> {
  const withEdgeHeaders = (result: ApiResult): ApiResult => ({ ...result, headers: { ...EDGE_HEADERS, ...result.headers } });
  return {
    after: (request) => {
      request.response = withEdgeHeaders(request.response!);
    },
    onError: (request) => {
      request.response = withEdgeHeaders(errorResult(asAppError(request.error)));
    },
  };
}

/** Builds a Lambda handler serving the given routes (keys are API Gateway route keys, e.g. "GET /me"). */
export function apiHandler(routes: Record<string, Route>) {
  return middy<ApiEvent, ApiResult>()
    .use(injectLambdaContext(logger))
    .use(edgeAnswers())
    .use(httpHeaderNormalizer())
    .use(jsonBody())
    .handler(async (event) => {
      const route = routes[event.routeKey];
      if (!route) return json(404, { error: { code: 'no_route', message: `No route for ${event.routeKey}.` } });
      return route({
        event,
        identity: () => identityFrom(event),
        body: () => parsedBody(event),
        path: (name) => pathParameter(event, name),
        query: event.queryStringParameters ?? {},
      });
    });
}
