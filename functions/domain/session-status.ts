/**
 * A session's statuses and which of them are final. Imports nothing, so the web UI bundles it as is
 * (web/src/types.ts) and the server re-exports it from session.ts: one list for both.
 */
export const SESSION_STATUSES = [
  'pending_review',
  'approved',
  'running',
  'done',
  'failed',
  'denied',
  'expired',
  'cancelled',
  'active',
  'ended',
  'revoked',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const FINAL_STATUSES: readonly SessionStatus[] = ['done', 'failed', 'denied', 'expired', 'cancelled', 'ended', 'revoked'];
export const isFinal = (status: SessionStatus): boolean => FINAL_STATUSES.includes(status);

/** States that need nobody's action: a caller waiting on a session can stop waiting here. */
export const isSettled = (status: SessionStatus): boolean => status === 'pending_review' || status === 'active' || isFinal(status);
