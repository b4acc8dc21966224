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

/**
 * The event that records a session's arrival at each final status. The status is written first and its
 * event just after, so a reader can meet the status alone: a view holding both is read after the second.
 */
const OUTCOME_EVENT_TYPES: Partial<Record<SessionStatus, string>> = {
  done: 'session.done',
  failed: 'session.failed',
  denied: 'review.denied',
  expired: 'session.expired',
  cancelled: 'session.cancelled',
  ended: 'window.ended',
  revoked: 'window.revoked',
};

/** The type of the event that records a session's arrival at `status`, for a final status. */
export const outcomeEventType = (status: SessionStatus): string | undefined => OUTCOME_EVENT_TYPES[status];

/** Whether `eventTypes` hold the event of `status`'s outcome, or `status` has none to wait for. */
export const outcomeRecorded = (status: SessionStatus, eventTypes: readonly string[]): boolean => {
  const type = outcomeEventType(status);
  return type === undefined || eventTypes.includes(type);
};
