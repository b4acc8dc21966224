/**
 * Following a session to its end, shared by `exec` and the gateway: long-polls
 * `GET /sessions/{id}?wait=20&after=<updatedAt>` (the API answers as soon as anything changes, so no
 * change is seen late and an idle wait costs one request per 20 s), and describes each state in words.
 */
import type { ApiClient, Session, SessionView } from './api';
import { relativeTime } from './output';

export const FINAL = new Set(['done', 'failed', 'denied', 'expired', 'cancelled', 'ended', 'revoked']);
export const isFinal = (session: Session): boolean => FINAL.has(session.status);

/** The API holds a long-poll at most 25 s (API Gateway's limit is 30); 20 leaves room for the network. */
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
  while (!done(view.session)) {
    const left = options.deadline === undefined ? POLL_SECONDS : Math.floor((options.deadline - Date.now()) / 1000);
    if (left <= 0) return view;
    const next = await client.session(view.session.id, { wait: Math.min(POLL_SECONDS, left), after: view.session.updatedAt, signal: options.signal });
    if (next.session.updatedAt !== view.session.updatedAt || next.session.status !== view.session.status) options.onChange?.(next);
    view = next;
  }
  return view;
}

/** "waiting for review by dba-approvers — 1 of 2 approvals — expires in 59 min — <link>" and friends. */
export function describeWaiting(session: Session, link: string, now = Date.now()): string {
  switch (session.status) {
    case 'pending_review': {
      const groups = session.rule?.approvalGroups.join(', ') || 'an approver';
      const count = session.approvalsRequired > 1 ? ` — ${session.approvals.length} of ${session.approvalsRequired} approvals` : '';
      const expires = session.expiresAt ? ` — expires ${relativeTime(session.expiresAt, now)}` : '';
      return `waiting for review by ${groups}${count}${expires} — ${link}`;
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
