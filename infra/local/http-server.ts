/**
 * The local stand-in for API Gateway: turns HTTP requests into payload-2.0 events for the very handler
 * modules the HTTP API invokes on AWS, after verifying the bearer token as the JWT authorizer would
 * (a request without a valid token never reaches a protected handler). Also serves the local-only
 * `POST /dev/token` and any extra local pages (web UI, Slack stand-in) the runtime mounts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { LocalIdentityProvider } from './identity';
import { listenOnLoopback } from './listen';
import { BodyTooLargeError, readBody } from './read-body';

export type ApiLambda = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

export interface RouteBinding {
  /** API Gateway route key, e.g. "GET /sessions/{id}". */
  readonly routeKey: string;
  readonly lambda: ApiLambda;
  /** Routes API Gateway serves without the JWT authorizer. */
  readonly public?: boolean;
}

/** A local page or endpoint; returns false when the request is not its own. */
export type LocalMount = (request: IncomingMessage, body: Buffer, response: ServerResponse) => Promise<boolean>;

interface CompiledRoute extends RouteBinding {
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: string[];
}

function compile(binding: RouteBinding): CompiledRoute {
  const [method, path] = binding.routeKey.split(' ');
  const params: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/\{([^}]+)\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    })}$`,
  );
  return { ...binding, method, pattern, params };
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(JSON.stringify(value));
}

const lambdaContext = (name: string) => ({
  functionName: name,
  awsRequestId: crypto.randomUUID(),
  getRemainingTimeInMillis: () => 30_000,
  callbackWaitsForEmptyEventLoop: false,
});

export interface ApiServerOptions {
  readonly port: number;
  readonly routes: readonly RouteBinding[];
  readonly identity: LocalIdentityProvider;
  readonly mounts?: readonly LocalMount[];
}

export async function startApiServer(options: ApiServerOptions): Promise<{ url: string; port: number; server: Server; close(): Promise<void> }> {
  const routes = options.routes.map(compile);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const body = await readBody(request);
    const method = request.method ?? 'GET';

    if (method === 'POST' && url.pathname === '/dev/token') return issueToken(body, response);
    for (const mount of options.mounts ?? []) if (await mount(request, body, response)) return;

    let matched: { route: CompiledRoute; values: string[] } | undefined;
    let pathKnown = false;
    for (const route of routes) {
      const found = route.pattern.exec(url.pathname);
      if (!found) continue;
      pathKnown = true;
      if (route.method === method) {
        matched = { route, values: found.slice(1) };
        break;
      }
    }
    if (!matched) {
      return sendJson(response, pathKnown ? 405 : 404, {
        error: { code: pathKnown ? 'method_not_allowed' : 'not_found', message: `No route for ${method} ${url.pathname}.` },
      });
    }
    const { route, values } = matched;
    const claims = route.public ? undefined : await options.identity.verify(request.headers.authorization);
    if (!route.public && !claims) {
      // API Gateway's own answer when the JWT authorizer refuses a request.
      response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      response.end(JSON.stringify({ message: 'Unauthorized' }));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const isText = /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? 'application/json');
    const event = {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(route.params.length ? { pathParameters: Object.fromEntries(route.params.map((name, index) => [name, values[index]])) } : {}),
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? '127.0.0.1',
        domainPrefix: 'local',
        http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: crypto.randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: new Date().toUTCString(),
        timeEpoch: Date.now(),
        ...(claims ? { authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: null } } } : {}),
      },
      ...(body.length ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText } : { isBase64Encoded: false }),
    } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

    const result = await route.lambda(event, lambdaContext(route.routeKey));
    const responseHeaders: Record<string, string> = { ...(result.headers as Record<string, string> | undefined) };
    response.writeHead(result.statusCode ?? 200, responseHeaders);
    response.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
  }

  async function issueToken(body: Buffer, response: ServerResponse): Promise<void> {
    let email: unknown;
    try {
      email = (JSON.parse(body.toString('utf8') || '{}') as { email?: unknown }).email;
    } catch {
      return sendJson(response, 400, { error: { code: 'invalid_input', message: 'body: not valid JSON' } });
    }
    if (typeof email !== 'string') return sendJson(response, 400, { error: { code: 'invalid_input', message: 'email: a demo user\'s email is required' } });
    const user = options.identity.user(email);
    if (!user) return sendJson(response, 404, { error: { code: 'not_found', message: `No demo user ${email}.` } });
    return sendJson(response, 200, { token: await options.identity.issue(user), user });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // API Gateway refuses payloads over its limit before any handler runs.
      if (error instanceof BodyTooLargeError) return sendJson(response, 413, { message: 'Request Entity Too Large' });
      console.error(JSON.stringify({ message: 'local API error', error: (error as Error).stack }));
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal_error', message: (error as Error).message } });
      else response.end();
    });
  });
  // Long-polls hold requests up to 25 s; keep Node's defaults from cutting them.
  server.requestTimeout = 60_000;
  return { ...(await listenOnLoopback(server, options.port)), server };
}
