/**
 * Following a session to its end, shared by `exec` and the gateway: through the WebSocket API when it
 * can be opened (functions/push/session-watch.ts; nothing is held at the API while nobody decides, and
 * each pushed change is read with one plain GET), otherwise by short long-polls
 * `GET /sessions/{id}?wait=20&after=<updatedAt>` (the API answers as soon as anything changes), and
 * describes each state in words.
 */
import { previewLine } from '../../functions/domain/preview-line';
import { type SocketFactory, SessionWatch, WatchRefused } from '../../functions/push/session-watch';
import type { ApiClient, Session, SessionView } from './api';
import { relativeTime } from './output';

export const FINAL = new Set(['done', 'failed', 'denied', 'expired', 'cancelled', 'ended', 'revoked']);
export const isFinal = (session: Session): boolean => FINAL.has(session.status);

/** A fallback long-poll: the API holds one at most 25 s (API Gateway gives up at 30); 20 leaves room for the network. */
export const POLL_SECONDS = 20;

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Epoch ms after which the wait returns the session as it is. */
  readonly deadline?: number;
  readonly onChange?: (view: SessionView) => void;
  /** When to stop following, if not at a final status (a window: once it is active). */
  readonly until?: (session: Session) => boolean;
}

export async function followSession(client: ApiClient, first: SessionView, options: WaitOptions = {}): Promise<SessionView> {
  let view = first;
  const done = options.until ?? isFinal;
  const changed = (next: SessionView) => {
    if (next.session.updatedAt !== view.session.updatedAt || next.session.status !== view.session.status) options.onChange?.(next);
    view = next;
  };
  while (!done(view.session)) {
    const left = options.deadline === undefined ? POLL_SECONDS : Math.floor((options.deadline - Date.now()) / 1000);
    if (left <= 0) return view;
    const watch = await openWatch(client, view.session.id);
    if (watch) {
      const stop = options.deadline === undefined ? options.signal : AbortSignal.any([...(options.signal ? [options.signal] : []), AbortSignal.timeout(Math.max(0, options.deadline - Date.now()))]);
      try {
        // Read once more after subscribing: a change before the subscribe is in this read, any later one is pushed.
        changed(await client.session(view.session.id, { signal: options.signal }));
        while (!done(view.session) && (await watch.next(view.session, stop))) changed(await client.session(view.session.id, { signal: options.signal }));
      } catch (error) {
        // A refused watch: the poll below gets the API's own refusal, worded for the CLI.
        if (!(error instanceof WatchRefused)) throw error;
      } finally {
        watch.close();
      }
      if (options.signal?.aborted) throw options.signal.reason;
      if (done(view.session) || stop?.aborted) return view;
      // The connection ended (API Gateway ends one after two hours): one poll, then a new connection.
    }
    changed(await client.session(view.session.id, { wait: Math.min(POLL_SECONDS, left), after: view.session.updatedAt, signal: options.signal }));
  }
  return view;
}

/** Node 22 has a WebSocket of its own; on Node 20 the ws package stands in when installed. */
async function socketFactory(): Promise<SocketFactory | undefined> {
  const native = (globalThis as unknown as { WebSocket?: new (url: string) => never }).WebSocket;
  if (native) return (url) => new native(url);
  try {
    const { default: WebSocket } = await import('ws');
    return (url) => new WebSocket(url) as never;
  } catch {
    return undefined;
  }
}

/** A watch on the session over the WebSocket API, or undefined when there is none or it cannot connect. */
async function openWatch(client: ApiClient, sessionId: string): Promise<SessionWatch | undefined> {
  const [address, connect] = await Promise.all([client.socketAddress(), socketFactory()]);
  if (!address || !connect) return undefined;
  try {
    return await SessionWatch.open(connect, address.url, address.token, sessionId);
  } catch {
    return undefined;
  }
}

/**
 * What tells one waiting state from the next for a status line: the status, the approvals so far, and
 * whether the preview has arrived (it is stored after submission, before the review request).
 */
export const waitingKey = (session: Session): string => `${session.status}:${session.approvals.length}:${session.preview ? 'previewed' : ''}`;

/**
 * "waiting for review by dba-approvers — 1 of 2 approvals — expires in 59 min — preview: write ·
 * orders · 10 rows (ceiling 11) — <link>" and friends: the requester sees the counts the reviewers see.
 */
export function describeWaiting(session: Session, link: string, now = Date.now()): string {
  switch (session.status) {
    case 'pending_review': {
      const groups = session.rule?.approvalGroups.join(', ') || 'an approver';
      const count = session.approvalsRequired > 1 ? ` — ${session.approvals.length} of ${session.approvalsRequired} approvals` : '';
      const expires = session.expiresAt ? ` — expires ${relativeTime(session.expiresAt, now)}` : '';
      const preview = session.preview ? ` — preview: ${previewLine(session.preview)}` : '';
      return `waiting for review by ${groups}${count}${expires}${preview} — ${link}`;
    }
    case 'approved': {
      const by = session.approvals.map((approval) => approval.email || approval.name).join(', ');
      return by ? `approved by ${by} — starting` : 'starting';
    }
    case 'running':
      return `running on ${session.resource.id}…`;
    case 'active':
      return `window open on ${session.resource.id} until ${session.windowEndsAt} (ends ${relativeTime(session.windowEndsAt, now)})`;
    default:
      return session.status;
  }
}
