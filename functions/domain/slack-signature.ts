/**
 * Slack's request signing (v0), both sides: Slack signs every interactivity request with the app's
 * signing secret, and the endpoint must refuse anything it cannot verify before reading a word of it.
 *
 *   basestring = "v0:" + X-Slack-Request-Timestamp + ":" + raw body
 *   signature  = "v0=" + hex(HMAC-SHA256(signing secret, basestring))
 *
 * The raw body is the bytes Slack sent (a base64-encoded API Gateway body must be decoded first): a
 * re-serialised form would not match. Pure: node:crypto only, no I/O.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'v0';

/** Slack's own advice: a timestamp more than five minutes from now is a replay, whatever its signature. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

export function slackSignature(signingSecret: string, timestamp: string, body: string | Buffer): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${SIGNATURE_VERSION}:${timestamp}:`, 'utf8');
  hmac.update(body);
  return `${SIGNATURE_VERSION}=${hmac.digest('hex')}`;
}

export interface SignedRequest {
  readonly signingSecret: string;
  /** X-Slack-Request-Timestamp, seconds since the epoch. */
  readonly timestamp: string | undefined;
  /** X-Slack-Signature. */
  readonly signature: string | undefined;
  readonly body: string | Buffer;
  readonly now: Date;
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing_signature' | 'stale_timestamp' | 'bad_signature' };

export function verifySlackSignature(request: SignedRequest): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp || !signature || !request.signingSecret) return { ok: false, reason: 'missing_signature' };
  // Digits only: "1e9" or " 123" would parse as numbers yet sign a different basestring than Slack's.
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'stale_timestamp' };
  if (Math.abs(request.now.getTime() / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS) {
    return { ok: false, reason: 'stale_timestamp' };
  }
  const expected = Buffer.from(slackSignature(request.signingSecret, timestamp, request.body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time spent independent of
  // how the given signature differs.
  const same = given.length === expected.length ? timingSafeEqual(given, expected) : !timingSafeEqual(expected, expected);
  return same ? { ok: true } : { ok: false, reason: 'bad_signature' };
}
