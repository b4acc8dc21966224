/** Webhook registrations, signatures, which recorded events are published, and what a receiver sees of a session. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../functions/domain/errors';
import type { Session } from '../../../functions/domain/session';
import { parseWebhookRegistration, retryDelaySeconds, sessionView, webhookSecret, webhookSignature, webhookTypeOf } from '../../../functions/domain/webhook';

const refusal = (body: unknown, policy: 'public-https' | 'public-https-or-loopback' = 'public-https') => {
  try {
    parseWebhookRegistration(body, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return { message: (error as Error).message, fields: (error as InvalidInputError).details?.fields };
  }
  throw new Error('accepted');
};

describe('parseWebhookRegistration', () => {
  it('names the unknown event type by its index, events[i]', () => {
    expect(refusal({ url: 'https://hooks.example.com/in', events: ['session.done', 'session.exploded'] })).toEqual({
      message: expect.stringMatching(/^events\[1\]: unknown event type "session.exploded"; known: session.requested, /),
      fields: ['events[1]'],
    });
    expect(refusal({ url: 'https://hooks.example.com/in', events: ['session.done', 7] }).fields).toEqual(['events[1]']);
  });

  it('names the url with the reason it is refused, a missing field, and an extra one', () => {
    expect(refusal({ url: 'http://hooks.example.com/in', events: ['session.done'] })).toEqual({ message: 'url: refused as a webhook target: must use https', fields: ['url'] });
    expect(refusal({ url: 'https://10.0.0.1/in', events: ['session.done'] }).message).toBe('url: refused as a webhook target: 10.0.0.1 is not public (private)');
    expect(refusal({ events: ['session.done'] }).fields).toEqual(['url']);
    expect(refusal({ url: 'https://hooks.example.com/in', events: [] }).fields).toEqual(['events']);
    expect(refusal({ url: 'https://hooks.example.com/in', events: ['session.done'], secret: 'mine' }).fields).toEqual(['']);
  });

  it('accepts a public https target, and collapses repeated event types', () => {
    expect(parseWebhookRegistration({ url: 'https://hooks.example.com/in', events: ['session.done', 'rule.changed', 'session.done'] }, 'public-https')).toEqual({
      url: 'https://hooks.example.com/in',
      events: ['session.done', 'rule.changed'],
    });
    expect(parseWebhookRegistration({ url: 'http://127.0.0.1:9/in', events: ['window.active'] }, 'public-https-or-loopback').url).toBe('http://127.0.0.1:9/in');
  });
});

describe('signing', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256 of the webhook secret, in hex, prefixed v1=', () => {
    const secret = webhookSecret('deployment key', 'hook-1');
    const expected = createHmac('sha256', secret).update('1764410400.{"type":"session.done"}').digest('hex');
    expect(webhookSignature(secret, '1764410400', '{"type":"session.done"}')).toBe(`v1=${expected}`);
  });

  it('derives a different secret per webhook and per deployment key', () => {
    const one = webhookSecret('deployment key', 'hook-1');
    expect(one).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(webhookSecret('deployment key', 'hook-1')).toBe(one);
    expect(webhookSecret('deployment key', 'hook-2')).not.toBe(one);
    expect(webhookSecret('another key', 'hook-1')).not.toBe(one);
  });
});

describe('webhookTypeOf', () => {
  it('publishes the session milestones, forced and denied reviews, windows and rule changes, and nothing else', () => {
    expect(webhookTypeOf('session.requested')).toBe('session.requested');
    expect(webhookTypeOf('session.approved')).toBe('session.approved');
    expect(webhookTypeOf('review.denied')).toBe('session.denied');
    expect(webhookTypeOf('review.forced')).toBe('session.forced');
    expect(webhookTypeOf('window.ended')).toBe('window.ended');
    expect(webhookTypeOf('window.revoked')).toBe('window.ended');
    expect(webhookTypeOf('rule.deleted')).toBe('rule.changed');
    for (const type of ['review.requested', 'review.approved', 'session.running', 'notification.failed', 'rule.changed', 'webhook.created', 'security.review_refused']) {
      expect(webhookTypeOf(type)).toBeUndefined();
    }
  });
});

describe('sessionView', () => {
  it('holds no rows, no database error text, no parameter values and no notification address', () => {
    const session: Session = {
      id: 's1', status: 'failed', createdAt: 'a', updatedAt: 'b',
      requester: { sub: 'u1', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
      resource: { id: 'orders', name: 'Orders', type: 'postgres', database: 'shop' },
      command: 'select * from customers where email = :email', parameters: [{ name: 'email', value: { stringValue: 'victim@example.com' } }],
      commandSha256: 'f'.repeat(64), approvalsRequired: 1, forced: false,
      approvals: [{ sub: 'u2', email: 'bob@example.com', name: 'Bob', at: 'c', via: 'web', forced: false, reason: 'looks fine' }],
      error: { code: '23505', message: 'duplicate key value (email)=(victim@example.com)' },
      notification: { channel: 'C1', ts: '1.2' },
    };
    const text = JSON.stringify(sessionView(session));
    expect(text).not.toContain('victim@example.com');
    expect(text).not.toContain('duplicate key');
    expect(text).not.toContain('C1');
    expect(sessionView(session)).toMatchObject({ id: 's1', status: 'failed', parameterCount: 1, error: { code: '23505' }, requester: { email: 'alice@example.com' } });
    expect(Object.keys(sessionView(session).requester)).toEqual(['sub', 'email', 'name']);
  });
});

describe('sessionView of an access window', () => {
  it('says it is a window, until when, and who revoked it; a command run inside one names its grant', () => {
    const window: Session = {
      id: 'w1', status: 'revoked', createdAt: 'a', updatedAt: 'b', kind: 'window', durationSeconds: 3600, windowEndsAt: '2026-11-26T11:00:00.000Z',
      revokedBy: { sub: 'u2', email: 'bob@example.com', name: 'Bob', at: '2026-11-26T10:30:00.000Z' },
      requester: { sub: 'u1', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
      resource: { id: 'orders', name: 'Orders', type: 'postgres', database: 'shop' },
      command: '', commandSha256: 'f'.repeat(64), approvalsRequired: 1, forced: false, approvals: [],
    };
    expect(sessionView(window)).toMatchObject({ kind: 'window', status: 'revoked', durationSeconds: 3600, windowEndsAt: '2026-11-26T11:00:00.000Z', revokedBy: { email: 'bob@example.com', at: '2026-11-26T10:30:00.000Z' } });
    expect(sessionView({ ...window, kind: undefined, durationSeconds: undefined, windowEndsAt: undefined, revokedBy: undefined, grant: 'w0', status: 'done' })).toMatchObject({ grant: 'w0' });
    expect(sessionView({ ...window, kind: undefined, durationSeconds: undefined, windowEndsAt: undefined, revokedBy: undefined })).not.toHaveProperty('kind');
  });
});

describe('retryDelaySeconds', () => {
  it('doubles from the base and stops at 15 minutes', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelaySeconds(attempt, 30))).toEqual([30, 60, 120, 240, 900]);
  });
});
