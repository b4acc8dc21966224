/**
 * A local endpoint speaking Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`), so a
 * handler's real @aws-sdk/client-lambda reaches it through AWS_ENDPOINT_URL_LAMBDA and invokes another
 * handler module of this process, as it would invoke another function on AWS.
 *
 * An `Event` (asynchronous) invocation is answered 202 at once and runs afterwards; when it fails it is
 * run again after each of `retryDelaysMs`, as Lambda retries asynchronous events (twice, by default a
 * minute and two apart) before giving up. A `RequestResponse` invocation answers with the handler's
 * result, or its error with X-Amz-Function-Error, as Lambda does.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;
export type FunctionLoader = () => Promise<{ handler: unknown }>;

export interface LambdaServerOptions {
  /** Function name → the handler module it runs (loaded at first invocation, after the environment is set). */
  readonly functions: Readonly<Record<string, FunctionLoader>>;
  /** Delays before each retry of a failed asynchronous invocation; Lambda's are about [60 000, 120 000]. */
  readonly retryDelaysMs?: readonly number[];
}

export interface LambdaServer {
  readonly url: string;
  /** Resolves once every accepted asynchronous invocation, retries included, has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A function is named by name, partial ARN or full ARN, optionally with a qualifier. */
function functionName(raw: string): string {
  const decoded = decodeURIComponent(raw);
  const match = /(?:^|:function:)([A-Za-z0-9_-]+)(?::[^:]+)?$/.exec(decoded);
  return match?.[1] ?? decoded;
}

export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const retryDelays = options.retryDelaysMs ?? [60_000, 120_000];
  const handlers = new Map<string, Promise<Handler>>();
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const handlerOf = (name: string): Promise<Handler> | undefined => {
    const load = options.functions[name];
    if (!load) return undefined;
    if (!handlers.has(name)) handlers.set(name, load().then((module) => module.handler as Handler));
    return handlers.get(name);
  };
  const context = (name: string) => ({
    functionName: name,
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => 60_000,
    callbackWaitsForEmptyEventLoop: false,
  });

  function runAsync(name: string, handler: Handler, event: unknown): void {
    const attempt = async (number: number): Promise<void> => {
      try {
        await handler(event, context(name));
      } catch (error) {
        const delay = retryDelays[number];
        if (delay === undefined || closed) {
          console.error(JSON.stringify({ message: 'asynchronous invocation failed for good', function: name, attempts: number + 1, error: (error as Error).message }));
          return;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, delay);
          timers.add(timer);
        });
        if (!closed) await attempt(number + 1);
      }
    };
    const run = attempt(0).finally(() => pending.delete(run));
    pending.add(run);
  }

  const server = createServer((request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };
    (async () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
      const body = await readBody(request);
      if (request.method !== 'POST' || !match) return send(404, { message: 'No such operation' }, { 'x-amzn-errortype': 'UnknownOperationException' });
      const name = functionName(match[1]);
      const handler = handlerOf(name);
      if (!handler) return send(404, { Type: 'User', message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      let event: unknown;
      try {
        event = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        return send(400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-errortype': 'InvalidRequestContentException' });
      }
      const type = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      if (type === 'DryRun') return send(204, undefined);
      if (type === 'Event') {
        // Lambda queues the event and answers; the function runs after the caller has its 202.
        const loaded = await handler;
        send(202, undefined);
        setImmediate(() => runAsync(name, loaded, event));
        return;
      }
      try {
        return send(200, (await (await handler)(event, context(name))) ?? null, { 'x-amz-executed-version': '$LATEST' });
      } catch (error) {
        return send(200, { errorType: (error as Error).name, errorMessage: (error as Error).message }, { 'x-amz-function-error': 'Unhandled' });
      }
    })().catch((error: unknown) => send(500, { message: (error as Error).message }, { 'x-amzn-errortype': 'ServiceException' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
