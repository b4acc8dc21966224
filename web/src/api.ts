/**
 * The browser's HTTP client for the accessgate API: JSON in and out, the bearer token from the signed-in
 * user, and the API's `{error: {code, message}}` turned into an ApiError the pages can show as is.
 * Also what keeps a session on screen current without the user reloading anything: a watch over the
 * WebSocket API (functions/push/session-watch.ts), or, when no socket can be opened, a short long-poll.
 */
import { SessionWatch, WatchRefused } from '../../functions/push/session-watch';
import { isFinal, type SessionView } from './types';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: readonly string[] = [],
  ) {
    super(message);
  }
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string; readonly details?: { readonly fields?: readonly string[] } };
  readonly message?: string;
}

export class Api {
  /** The WebSocket API's address, from GET /me; unset means sessions are followed by polling. */
  socketUrl: string | undefined;

  constructor(
    private readonly base: string,
    private readonly token: () => string | undefined,
    private readonly onUnauthorized: () => void,
  ) {}

  /** Opens a watch on the session over the WebSocket API; undefined when there is none or it cannot connect. */
  async watch(sessionId: string): Promise<SessionWatch | undefined> {
    const token = this.token();
    if (!this.socketUrl || !token) return undefined;
    try {
      return await SessionWatch.open((url) => new WebSocket(url), this.socketUrl, token, sessionId);
    } catch {
      return undefined;
    }
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const token = this.token();
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // Tokens travel only in the header we set; no cookies are involved anywhere.
        credentials: 'omit',
        cache: 'no-store',
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, 'network', `The accessgate API could not be reached (${(error as Error).message}). Check your connection and try again.`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed as T;
    const failure = (parsed ?? {}) as ErrorBody;
    if (response.status === 401) this.onUnauthorized();
    throw new ApiError(
      response.status,
      failure.error?.code ?? (response.status === 401 ? 'unauthenticated' : `http_${response.status}`),
      failure.error?.message ?? failure.message ?? `The API answered ${response.status} ${response.statusText}.`,
      failure.error?.details?.fields ?? [],
    );
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, signal);
  }

  post<T>(path: string, body: unknown = {}, signal?: AbortSignal): Promise<T> {
    return this.request<T>('POST', path, body, signal);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }
}

/**
 * Splits a validation message ("Invalid rule: approvalGroups: name at least one…; approvalsRequired: …")
 * into one message per top-level field, so a form can show each beside its control.
 */
export function fieldErrors(error: ApiError): Map<string, string> {
  const out = new Map<string, string>();
  const body = error.message.replace(/^Invalid [^:]+:\s*/, '');
  for (const part of body.split('; ')) {
    const match = /^([A-Za-z][\w]*)(?:[.[][\w.[\]-]*)?:\s*(.+)$/.exec(part);
    if (match) out.set(match[1], out.has(match[1]) ? `${out.get(match[1])}; ${match[2]}` : match[2]);
  }
  for (const name of error.fields) {
    const top = name.split(/[.[]/)[0];
    if (top && !out.has(top)) out.set(top, error.message);
  }
  return out;
}

export const isAbort = (error: unknown): boolean => (error as Error)?.name === 'AbortError';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** A fallback long-poll holds at most this long (the API bounds ?wait= itself). */
const FALLBACK_WAIT_SECONDS = 20;

/**
 * Keeps a session current until it is final. Through the WebSocket API when it can be opened: nothing
 * is held at the API while nobody decides; each pushed change is read with one plain GET. When no socket
 * can be opened, one short long-poll (`?wait=20&after=<updatedAt>`) at a time, and the socket is tried
 * again after each. Network errors back off and retry; `signal` stops it.
 */
export async function followSession(
  api: Api,
  id: string,
  first: SessionView | undefined,
  onView: (view: SessionView) => void,
  signal: AbortSignal,
  onError: (error: ApiError) => void = () => {},
): Promise<void> {
  let view = first;
  let failures = 0;
  const read = (query = '') => api.get<SessionView>(`/sessions/${encodeURIComponent(id)}${query}`, signal);
  const show = (next: SessionView) => {
    if (!view || next.session.updatedAt !== view.session.updatedAt || next.session.status !== view.session.status) onView(next);
    view = next;
  };
  while (!signal.aborted) {
    try {
      if (!view) {
        view = await read();
        onView(view);
      }
      if (isFinal(view.session.status)) return;
      const watch = await api.watch(id);
      if (watch) {
        try {
          // The session is read once more after subscribing: a change between the first read and the
          // subscribe is in that read, and any later one is pushed.
          show(await read());
          for (let change = await watch.next(view.session, signal); change && !isFinal(view.session.status); change = await watch.next(view.session, signal)) {
            show(await read());
          }
        } finally {
          watch.close();
        }
        if (isFinal(view.session.status)) return;
        // The connection ended (API Gateway ends one after two hours): one poll, then a new connection.
      }
      show(await read(`?wait=${FALLBACK_WAIT_SECONDS}&after=${encodeURIComponent(view.session.updatedAt)}`));
      failures = 0;
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      if (error instanceof WatchRefused) error = new ApiError(403, error.code, error.message);
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
        onError(error);
        return;
      }
      onError(error instanceof ApiError ? error : new ApiError(0, 'network', (error as Error).message));
      failures += 1;
      await sleep(Math.min(15_000, 1000 * 2 ** failures), signal);
    }
  }
}
