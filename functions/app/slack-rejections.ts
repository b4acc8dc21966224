/**
 * Requests to POST /slack/interactions that fail Slack's signature check (forged, tampered with, or
 * replayed with a stale timestamp) are security events: `security.slack_signature_rejected` in the
 * day's SECURITY stream, with the reason, the source IP and the timestamp header as sent. Never the
 * body or the signature: the body is unverified input, and nothing secret belongs in the log.
 *
 * The endpoint is public, so what a flood can make us write is bounded (RecordThrottle): at most one
 * event per reason and source IP per minute, and RECORDS_PER_MINUTE in all, per function instance (the
 * throttle lives in memory, so each Lambda instance has its own allowance). Each event counts the
 * rejections the instance let go unrecorded before it. The 401 waits RECORD_WAIT_MS at most for the
 * write and is the same whatever happens to it: the person knocking learns nothing, and a slow or
 * failing event log cannot make the endpoint slow.
 */
import type { EventActor } from '../domain/audit-chain';
import { RecordThrottle } from '../domain/record-throttle';
import type { SignatureCheck } from '../domain/slack-signature';
import { recordSecurityEvent } from './audit-trail';
import type { Deps } from './ports';

export const SIGNATURE_REJECTED = 'security.slack_signature_rejected';
export const RECORDS_PER_MINUTE = 20;
export const RECORD_WAIT_MS = 500;
/** The sender fills the timestamp header: kept as sent, but cut, so it cannot make the record large. */
const HEADER_CHARS = 32;
/** Nobody can be named for an unsigned request; the event says which part of accessgate refused it. */
const ACTOR: EventActor = { system: 'slack-interactions' };

const throttle = new RecordThrottle({ windowMs: 60_000, maxPerWindow: RECORDS_PER_MINUTE });

export interface RejectedRequest {
  readonly reason: Extract<SignatureCheck, { ok: false }>['reason'];
  /** As API Gateway saw the connection (not a header the sender could set). */
  readonly sourceIp: string | undefined;
  /** X-Slack-Request-Timestamp as sent. */
  readonly timestamp: string | undefined;
}

/** What became of the record: written, turned away by the throttle, failed, or still being written when the 401 went out. */
export type RejectionRecord = 'recorded' | 'throttled' | 'failed' | 'pending';

/** Records a rejected request within the throttle's limits; never throws, and returns within RECORD_WAIT_MS. */
export async function recordRejectedRequest(deps: Pick<Deps, 'events' | 'clock' | 'log'>, request: RejectedRequest, now = Date.now()): Promise<RejectionRecord> {
  const sourceIp = request.sourceIp || 'unknown';
  const admitted = throttle.admit(`${request.reason} ${sourceIp}`, now);
  if (!admitted.record) return 'throttled';
  const write = Promise.resolve()
    .then(() =>
      recordSecurityEvent(deps, SIGNATURE_REJECTED, ACTOR, {
        reason: request.reason,
        sourceIp,
        ...(request.timestamp !== undefined ? { timestamp: request.timestamp.slice(0, HEADER_CHARS) } : {}),
        unrecorded: admitted.unrecorded,
      }),
    )
    .then(
      (): RejectionRecord => 'recorded',
      (error: unknown): RejectionRecord => {
        deps.log.error('security event not recorded', { type: SIGNATURE_REJECTED, reason: request.reason, sourceIp, error: (error as Error)?.message ?? String(error) });
        return 'failed';
      },
    );
  // A write that takes longer finishes on its own (on Lambda, possibly when the instance next runs).
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<RejectionRecord>((resolve) => {
    timer = setTimeout(() => resolve('pending'), RECORD_WAIT_MS);
  });
  return Promise.race([write, waited]).finally(() => clearTimeout(timer));
}
