/**
 * The CLI's HTTP client for the accessgate API. It speaks only the public HTTP API (the same one the web
 * UI and scripts use) and turns every failure into a CliError: one sentence from the API's own error,
 * one saying what to do, the exit code for its class, and the raw reply for --verbose.
 */
import type { FollowUpItem, Me, QueryResult, ResourceView, ReviewItem, SessionView } from '../../functions/app/api-views';
import type { Session, SqlParameter } from '../../functions/domain/session';
import { type Env, resolveApi, resolveToken } from './config';
import { CliError, EXIT } from './errors';

export type { FollowUpItem, Me, QueryResult, ResourceView, ReviewItem, Session, SessionView, SqlParameter };

export interface SubmitRequest {
  readonly resource: string;
  readonly command: string;
  readonly parameters?: readonly SqlParameter[];
  readonly reason?: string;
}

/** What a failed call looked like, for --verbose. */
interface Failure {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  readonly body?: unknown;
  readonly cause?: string;
}

/** Extra time over a long-poll's own wait before the client gives up on a silent server. */
const NETWORK_GRACE_MS = 15_000;

export class ApiClient {
  constructor(
    readonly api: string,
    private readonly token: string | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /**
   * Where a person opens the session in a browser. The web UI is served at the API's origin (local
   * runtime, CloudFront on AWS) and routes sessions in the fragment, which no API route can shadow.
   */
  link(sessionId: string, webUrl?: string): string {
    return `${(webUrl ?? this.api).replace(/\/+$/, '')}/#/sessions/${sessionId}`;
  }

  async call<T>(method: string, path: string, body?: unknown, waitSeconds = 0, signal?: AbortSignal): Promise<T> {
    const url = `${this.api}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(waitSeconds * 1000 + NETWORK_GRACE_MS)]) : AbortSignal.timeout(waitSeconds * 1000 + NETWORK_GRACE_MS),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const cause = describeNetworkError(error);
      throw new CliError(
        `Could not reach the accessgate API at ${this.api} (${cause}).`,
        this.api.startsWith('http://127.0.0.1') || this.api.startsWith('http://localhost')
          ? 'Start the local runtime with `npm start`, or pass --api with the deployed API URL.'
          : 'Check the URL (--api or ACCESSGATE_API) and your network, then try again.',
        EXIT.unavailable,
        { method, url, cause } satisfies Failure,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (response.ok) return parsed as T;
    throw apiError({ method, url, status: response.status, body: parsed });
  }

  me = () => this.call<Me>('GET', '/me');

  private socket: Promise<{ url: string; token: string } | undefined> | undefined;

  /** Where and with which token to open the WebSocket API (from GET /me, asked once); undefined when there is none. */
  socketAddress(): Promise<{ url: string; token: string } | undefined> {
    this.socket ??= this.token
      ? this.me().then(
          (me) => (me.socketUrl ? { url: me.socketUrl, token: this.token! } : undefined),
          () => undefined,
        )
      : Promise.resolve(undefined);
    return this.socket;
  }
  resources = async () => (await this.call<{ resources: ResourceView[] }>('GET', '/resources')).resources;

  submit(request: SubmitRequest, waitSeconds: number, signal?: AbortSignal): Promise<SessionView> {
    return this.call<SessionView>('POST', `/sessions?wait=${waitSeconds}`, request, waitSeconds, signal);
  }

  session(id: string, options: { wait?: number; after?: string; signal?: AbortSignal } = {}): Promise<SessionView> {
    const query = new URLSearchParams();
    if (options.wait) query.set('wait', String(options.wait));
    if (options.after) query.set('after', options.after);
    const suffix = query.size ? `?${query}` : '';
    return this.call<SessionView>('GET', `/sessions/${encodeURIComponent(id)}${suffix}`, undefined, options.wait ?? 0, options.signal);
  }

  sessions(filters: Record<string, string | undefined>): Promise<{ sessions: Session[]; cursor?: string }> {
    const query = new URLSearchParams(Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return this.call('GET', `/sessions${query.size ? `?${query}` : ''}`);
  }

  reviews = async () => (await this.call<{ reviews: ReviewItem[] }>('GET', '/reviews')).reviews;

  review(id: string, body: { decision: 'approve' | 'deny'; reason?: string; force?: boolean }): Promise<{ session: Session }> {
    return this.call('POST', `/sessions/${encodeURIComponent(id)}/review`, { ...body, via: 'api' });
  }

  followUps = async () => (await this.call<{ followUps: FollowUpItem[] }>('GET', '/reviews?scope=follow-up')).followUps;

  /** Closes a forced session's follow-up (POST /sessions/{id}/follow-up). */
  followUp(id: string, body: { outcome: 'acknowledged' | 'flagged'; note?: string }): Promise<{ session: Session }> {
    return this.call('POST', `/sessions/${encodeURIComponent(id)}/follow-up`, body);
  }

  cancel(id: string): Promise<{ session: Session }> {
    return this.call('POST', `/sessions/${encodeURIComponent(id)}/cancel`, {});
  }

  /** Asks for an access window (POST /sessions with kind "window"); reviewed like a command. */
  requestWindow(request: { resource: string; durationSeconds: number; reason?: string }): Promise<SessionView> {
    return this.call<SessionView>('POST', '/sessions', { ...request, kind: 'window' });
  }

  revoke(id: string): Promise<{ session: Session }> {
    return this.call('POST', `/sessions/${encodeURIComponent(id)}/revoke`, {});
  }
}

function describeNetworkError(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'no answer in time';
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
}

function apiError(failure: Failure): CliError {
  const body = failure.body as { error?: { code?: string; message?: string }; message?: string } | undefined;
  const message = body?.error?.message ?? body?.message ?? `The API answered ${failure.status}.`;
  const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
  const status = failure.status ?? 0;
  if (status === 401) {
    return new CliError('Your sign-in is missing, expired or not valid for this API.', 'Run: accessgate login   (or set ACCESSGATE_TOKEN)', EXIT.auth, failure);
  }
  if (status === 400 || status === 413) return new CliError(sentence, 'Fix the request and try again.', EXIT.usage, failure);
  if (status === 403) return new CliError(sentence, hintFor(body?.error?.code) ?? 'Ask an admin for access if you need it.', EXIT.refused, failure);
  if (status === 404) return new CliError(sentence, 'Check the id or name (accessgate sessions / accessgate resources list what you can see).', EXIT.refused, failure);
  if (status === 409) return new CliError(sentence, 'See its current state with: accessgate session <id>', EXIT.refused, failure);
  return new CliError(`The accessgate API failed (${status}): ${sentence}`, 'Try again; if it keeps failing, re-run with --verbose and report it.', EXIT.unavailable, failure);
}

function hintFor(code: string | undefined): string | undefined {
  switch (code) {
    case 'self_review':
      return 'Ask another approver to review it.';
    case 'not_approver':
    case 'not_force_approver':
      return 'Only members of the rule\'s approval (or force-approval) groups can decide; see accessgate resources.';
    case 'resource_not_allowed':
      return 'See the resources you may use with: accessgate resources';
    case 'guardrail':
      return 'The rule refuses this kind of command whoever would review it: change the command (a WHERE, one statement at a time) or ask an admin about the rule.';
    default:
      return undefined;
  }
}

/** The client for a command: API from --api/env/cache/default, token from env or login's cache. */
export function clientFor(apiFlag: string | undefined, env: Env): ApiClient {
  const api = resolveApi(apiFlag, env);
  return new ApiClient(api, resolveToken(api, env));
}
