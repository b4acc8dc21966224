/**
 * A local endpoint speaking Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`), so a
 * handler's real @aws-sdk/client-lambda reaches it through AWS_ENDPOINT_URL_LAMBDA and invokes another
 * handler module of this process, as it would invoke another function on AWS.
 *
 * An `Event` (asynchronous) invocation is answered 202 at once and runs afterwards; when it fails it is
 * run again after each of the function's retry delays, with the same request id, as Lambda retries
 * asynchronous events (twice, by default a minute and two apart). Once the retries are spent, a
 * function with an on-failure destination has that function invoked, asynchronously too, with the
 * invocation record Lambda sends (condition RetriesExhausted, the original payload, the last error).
 * A `RequestResponse` invocation answers with the handler's result, or its error with
 * X-Amz-Function-Error, as Lambda does.
 *
 * `faults` lets the fault-injection suite make Lambda misbehave as it may on AWS: an attempt that fails
 * before the handler runs, an accepted event whose answer is lost (the caller's SDK sends it again), an
 * event delivered twice at once (Lambda's queue is at-least-once).
 */
import { createServer } from 'node:http';
import { listenOnLoopback } from './listen';
import { readBody } from './read-body';

export type Handler = (event: unknown, context: unknown) => Promise<unknown>;
export type FunctionLoader = () => Promise<{ handler: unknown }>;

/** A function as its asynchronous invocation configuration has it. */
export interface LocalFunction {
  readonly load: FunctionLoader;
  /** The function Lambda invokes with the invocation record once it gives up on an event. */
  readonly onFailure?: string;
  /** This function's retry delays, instead of the server's. */
  readonly retryDelaysMs?: readonly number[];
  /**
   * The function's timeout: an attempt still running then fails as Lambda reports it (Sandbox.Timedout).
   * Lambda stops the function's process; here the handler runs on in the background, and whatever it
   * still writes meets the state the retries left.
   */
  readonly timeoutMs?: number;
}

/** What an invocation of a function meets instead of Lambda behaving well. */
export type LambdaFault =
  /** The attempt fails before the handler runs (the function could not start), with this error type. */
  | { readonly kind: 'error'; readonly errorType: string; readonly message: string }
  /** The event is accepted and queued, but the answer never reaches the caller. */
  | { readonly kind: 'loseResponse' }
  /** The accepted event is delivered twice at once. */
  | { readonly kind: 'duplicate' };

export interface LambdaFaultInjector {
  /** Asked at each accepted invocation (`loseResponse`, `duplicate`) and before each attempt (`error`). */
  next(functionName: string, moment: 'accept' | 'attempt'): LambdaFault | undefined;
}

export interface LambdaServerOptions {
  /** Function name → the handler module it runs (loaded at first invocation, after the environment is set). */
  readonly functions: Readonly<Record<string, FunctionLoader | LocalFunction>>;
  /** Delays before each retry of a failed asynchronous invocation; Lambda's are about [60 000, 120 000]. */
  readonly retryDelaysMs?: readonly number[];
  readonly faults?: LambdaFaultInjector;
}

export interface LambdaServer {
  readonly url: string;
  /** Adds a function once the server runs (the local stack's own, next to those it was started with). */
  register(name: string, fn: FunctionLoader | LocalFunction): void;
  /** Resolves once every accepted asynchronous invocation, retries and destinations included, has finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A function is named by name, partial ARN or full ARN, optionally with a qualifier. */
function functionName(raw: string): string {
  const decoded = decodeURIComponent(raw);
  const match = /(?:^|:function:)([A-Za-z0-9_-]+)(?::[^:]+)?$/.exec(decoded);
  return match?.[1] ?? decoded;
}

const functionArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const defaultRetryDelays = options.retryDelaysMs ?? [60_000, 120_000];
  const functions = new Map<string, LocalFunction>();
  const handlers = new Map<string, Promise<Handler>>();
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const register = (name: string, fn: FunctionLoader | LocalFunction) => functions.set(name, typeof fn === 'function' ? { load: fn } : fn);
  for (const [name, fn] of Object.entries(options.functions)) register(name, fn);

  const handlerOf = (name: string): Promise<Handler> | undefined => {
    const fn = functions.get(name);
    if (!fn) return undefined;
    if (!handlers.has(name)) handlers.set(name, fn.load().then((module) => module.handler as Handler));
    return handlers.get(name);
  };
  const context = (name: string, requestId = crypto.randomUUID()) => ({
    functionName: name,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 60_000,
    callbackWaitsForEmptyEventLoop: false,
  });
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const withTimeout = async (name: string, work: Promise<unknown>): Promise<unknown> => {
    const timeoutMs = functions.get(name)?.timeoutMs;
    if (timeoutMs === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`), { name: 'Sandbox.Timedout' })), timeoutMs);
    });
    // The abandoned handler's own failure, if any, is nobody's to hear now.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** One asynchronous event: its attempts, with the same request id, then the destination if all failed. */
  function runAsync(name: string, event: unknown): void {
    const requestId = crypto.randomUUID();
    const retryDelays = functions.get(name)?.retryDelaysMs ?? defaultRetryDelays;
    const attempt = async (number: number): Promise<void> => {
      try {
        const fault = options.faults?.next(name, 'attempt');
        if (fault?.kind === 'error') throw Object.assign(new Error(fault.message), { name: fault.errorType });
        await withTimeout(name, (await handlerOf(name)!)(event, context(name, requestId)));
      } catch (error) {
        const delay = retryDelays[number];
        if (delay === undefined || closed) {
          console.error(JSON.stringify({ message: 'asynchronous invocation failed for good', function: name, attempts: number + 1, error: (error as Error).message }));
          if (!closed) giveUp(name, event, requestId, number + 1, error as Error);
          return;
        }
        await wait(delay);
        if (!closed) await attempt(number + 1);
      }
    };
    const run = attempt(0).finally(() => pending.delete(run));
    pending.add(run);
  }

  /** Lambda's on-failure destination: the invocation record, delivered as an asynchronous event of its own. */
  function giveUp(name: string, event: unknown, requestId: string, attempts: number, error: Error): void {
    const destination = functions.get(name)?.onFailure;
    if (!destination || !functions.has(destination)) return;
    runAsync(destination, {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId, functionArn: `${functionArn(name)}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: attempts },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: error.name, errorMessage: error.message },
    });
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
        await handler;
        const fault = options.faults?.next(name, 'accept');
        const deliveries = fault?.kind === 'duplicate' ? 2 : 1;
        for (let i = 0; i < deliveries; i++) setImmediate(() => runAsync(name, event));
        if (fault?.kind === 'loseResponse') {
          request.socket.destroy();
          return;
        }
        send(202, undefined);
        return;
      }
      try {
        return send(200, (await (await handler)(event, context(name))) ?? null, { 'x-amz-executed-version': '$LATEST' });
      } catch (error) {
        return send(200, { errorType: (error as Error).name, errorMessage: (error as Error).message }, { 'x-amz-function-error': 'Unhandled' });
      }
    })().catch((error: unknown) => send(500, { message: (error as Error).message }, { 'x-amzn-errortype': 'ServiceException' }));
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    register,
    async idle() {
      // A run can end by starting another (a retry's destination): wait until nothing is left.
      while (pending.size) await Promise.allSettled([...pending]);
    },
    close: () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      return listening.close();
    },
  };
}
