/**
 * The browser's HTTP client for the accessgate API: JSON in and out, the bearer token from the signed-in
 * user, and the API's `{error: {code, message}}` turned into an ApiError the pages can show as is.
 * Also the long-poll that keeps a session on screen current without the user reloading anything.
 */
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
  constructor(
    private readonly base: string,
    private readonly token: () => string | undefined,
    private readonly onUnauthorized: () => void,
  ) {}

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

/**
 * Keeps a session current until it is final: each request holds at the API until the session's
 * updatedAt moves past the one we have (or 20 s pass), so a change shows within one round trip and an
 * idle page costs one request per 20 s. Network errors back off and retry; `signal` stops it.
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
  while (!signal.aborted) {
    try {
      if (!view) {
        view = await api.get<SessionView>(`/sessions/${encodeURIComponent(id)}`, signal);
        onView(view);
      }
      if (isFinal(view.session.status)) return;
      const next = await api.get<SessionView>(
        `/sessions/${encodeURIComponent(id)}?wait=20&after=${encodeURIComponent(view.session.updatedAt)}`,
        signal,
      );
      failures = 0;
      if (next.session.updatedAt !== view.session.updatedAt || next.session.status !== view.session.status) onView(next);
      view = next;
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
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
