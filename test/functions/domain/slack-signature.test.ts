import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { slackSignature, verifySlackSignature } from '../../../functions/domain/slack-signature';
import documented from '../../fixtures/slack/documented-signature.json';

const secret = 'local-signing-secret';
const now = new Date('2026-11-26T10:00:00Z');
const ts = String(now.getTime() / 1000);
const body = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [{ action_id: 'approve', value: 'x' }] }))}`;
/** Computed here independently of the module under test, so the scheme is checked and not echoed. */
const sign = (key: string, timestamp: string, raw: string | Buffer) =>
  `v0=${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`v0:${timestamp}:`), Buffer.from(raw)])).digest('hex')}`;

describe('Slack request signatures', () => {
  it("reproduces Slack's documented example", () => {
    expect(slackSignature(documented.signingSecret, documented.timestamp, documented.body)).toBe(documented.signature);
    const at = new Date(Number(documented.timestamp) * 1000 + 30_000);
    expect(verifySlackSignature({ ...documented, now: at })).toEqual({ ok: true });
  });

  it('accepts a request signed with the secret, as bytes or as text', () => {
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: sign(secret, ts, body), body, now })).toEqual({ ok: true });
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: sign(secret, ts, body), body: Buffer.from(body), now })).toEqual({ ok: true });
  });

  it('refuses a signature made with another secret', () => {
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: sign('another-secret', ts, body), body, now })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a tampered body, even one character', () => {
    const signature = sign(secret, ts, body);
    const tampered = body.replace('approve', 'apprové');
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature, body: tampered, now })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses timestamps more than five minutes from now, in either direction', () => {
    for (const offset of [-301, 301]) {
      const timestamp = String(Number(ts) + offset);
      expect(verifySlackSignature({ signingSecret: secret, timestamp, signature: sign(secret, timestamp, body), body, now })).toEqual({ ok: false, reason: 'stale_timestamp' });
    }
    const edge = String(Number(ts) - 300);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: edge, signature: sign(secret, edge, body), body, now }).ok).toBe(true);
  });

  it('refuses a replay: a captured request sent again later, or with a fresh timestamp on the old signature', () => {
    const captured = { signingSecret: secret, timestamp: ts, signature: sign(secret, ts, body), body };
    expect(verifySlackSignature({ ...captured, now: new Date(now.getTime() + 6 * 60_000) })).toEqual({ ok: false, reason: 'stale_timestamp' });
    const fresh = String(Number(ts) + 360);
    expect(verifySlackSignature({ ...captured, timestamp: fresh, now: new Date(now.getTime() + 6 * 60_000) })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('verifies the decoded bytes of a base64 body, and refuses the encoded text', () => {
    const raw = Buffer.from(`payload=${encodeURIComponent('{"type":"block_actions","user":{"name":"Zoë 東京"}}')}`, 'utf8');
    const signature = sign(secret, ts, raw);
    const encoded = raw.toString('base64');
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature, body: Buffer.from(encoded, 'base64'), now }).ok).toBe(true);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature, body: encoded, now }).ok).toBe(false);
  });

  it('refuses missing or malformed headers', () => {
    const signature = sign(secret, ts, body);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: undefined, signature, body, now })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: undefined, body, now })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifySlackSignature({ signingSecret: '', timestamp: ts, signature, body, now })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifySlackSignature({ signingSecret: secret, timestamp: `${ts}.0`, signature, body, now }).ok).toBe(false);
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: signature.slice(0, -1), body, now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackSignature({ signingSecret: secret, timestamp: ts, signature: signature.replace('v0=', 'v1='), body, now })).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
