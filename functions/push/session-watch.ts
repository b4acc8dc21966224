/**
 * The client side of waiting through the WebSocket API (functions/push/socket.ts), shared by the web UI
 * (the browser's WebSocket) and the CLI (Node's, or the ws package's). It uses only the standard
 * WebSocket interface: no Node, browser-only or AWS imports.
 *
 * A watch opens a connection with the caller's token, subscribes to one session and hands out each
 * change the client has not seen yet. Changes are told apart by `updatedAt` and `status` (a status can
 * change within one `updatedAt`); a change the client already knows of, because it read the session
 * after it happened, is skipped. The connection is kept alive past API Gateway's ten idle minutes with
 * a `ping` every nine.
 */

export interface SocketLike {
  send(text: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type SocketFactory = (url: string) => SocketLike;

/** A session as far as a waiting client needs to know whether it changed. */
export interface SessionState {
  readonly status: string;
  readonly updatedAt: string;
}

export interface SessionChangeMessage extends SessionState {
  readonly type: 'session';
  readonly sessionId: string;
}

/** API Gateway closes a connection that has been idle for ten minutes. */
export const PING_EVERY_MS = 9 * 60 * 1000;

/** The socket refused the watch (code and message as GET /sessions/{id} would give them). */
export class WatchRefused extends Error {
  override readonly name = 'WatchRefused';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether `change` tells the client something it does not know from `known`. */
export const isNews = (change: SessionState, known: SessionState): boolean =>
  change.updatedAt > known.updatedAt || (change.updatedAt === known.updatedAt && change.status !== known.status);

export class SessionWatch {
  private readonly pending: SessionChangeMessage[] = [];
  private refusal: WatchRefused | undefined;
  private closed = false;
  private wake: () => void = () => {};
  private readonly pinger: ReturnType<typeof setInterval>;

  private constructor(
    private readonly socket: SocketLike,
    readonly sessionId: string,
  ) {
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      this.closed = true;
      this.wake();
    });
    this.pinger = setInterval(() => this.socket.send(JSON.stringify({ action: 'ping' })), PING_EVERY_MS);
    (this.pinger as { unref?: () => void }).unref?.();
  }

  /** Connects with `token` and subscribes; rejects when the connection cannot be opened. */
  static async open(connect: SocketFactory, url: string, token: string, sessionId: string): Promise<SessionWatch> {
    const socket = connect(`${url}?token=${encodeURIComponent(token)}`);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', () => reject(new Error('The WebSocket connection could not be opened.')));
      socket.addEventListener('close', () => reject(new Error('The WebSocket connection was refused.')));
    });
    const watch = new SessionWatch(socket, sessionId);
    socket.send(JSON.stringify({ action: 'subscribe', sessionId }));
    return watch;
  }

  private receive(data: unknown): void {
    let message: { type?: unknown; sessionId?: unknown; status?: unknown; updatedAt?: unknown; code?: unknown; message?: unknown };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      return;
    }
    if (message.sessionId !== this.sessionId) return;
    if (message.type === 'error') this.refusal = new WatchRefused(String(message.code), String(message.message));
    else if (message.type === 'session' && typeof message.status === 'string' && typeof message.updatedAt === 'string') {
      this.pending.push({ type: 'session', sessionId: this.sessionId, status: message.status, updatedAt: message.updatedAt });
    }
    this.wake();
  }

  /**
   * The next change the client does not know from `known`; undefined once the connection has ended or
   * `signal` aborts. Throws WatchRefused when the subscribe was refused.
   */
  async next(known: SessionState, signal?: AbortSignal): Promise<SessionChangeMessage | undefined> {
    for (;;) {
      if (this.refusal) throw this.refusal;
      while (this.pending.length) {
        const change = this.pending.shift()!;
        if (isNews(change, known)) return change;
      }
      if (this.closed || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  close(): void {
    clearInterval(this.pinger);
    this.closed = true;
    this.socket.close();
    this.wake();
  }
}
