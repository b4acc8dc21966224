/**
 * The push to waiting clients against in-memory fakes of its ports: a watch is refused exactly where a
 * read would be, and stores nothing then; a change reaches every connection that may read the session,
 * and a connection that has gone is forgotten.
 */
import { describe, expect, it } from 'vitest';
import type { PushDeps, SessionChange, SessionWatchers, SocketChannel, TokenVerifier, Watcher } from '../../../functions/app/push-ports';
import { CONNECTION_LIFETIME_MS, pushSessionChange, watchSession } from '../../../functions/app/push';
import { submitSession } from '../../../functions/app/sessions';
import { ForbiddenError, NotFoundError } from '../../../functions/domain/errors';
import { fakeDeps } from './fakes';
import { alice, bob, erin, mallory, orders, reviewedRule } from './people';

class InMemoryWatchers implements SessionWatchers {
  readonly entries = new Map<string, { watcher: Watcher; until: Date }>();
  async watch(sessionId: string, watcher: Watcher, until: Date) {
    this.entries.set(`${sessionId}/${watcher.connectionId}`, { watcher, until });
  }
  async watchers(sessionId: string) {
    return [...this.entries].filter(([key]) => key.startsWith(`${sessionId}/`)).map(([, entry]) => entry.watcher);
  }
  async forget(sessionId: string, connectionId: string) {
    this.entries.delete(`${sessionId}/${connectionId}`);
  }
}

class RecordingChannel implements SocketChannel {
  readonly sent: Array<{ connectionId: string; message: SessionChange }> = [];
  readonly gone = new Set<string>();
  async send(connectionId: string, message: SessionChange) {
    if (this.gone.has(connectionId)) return 'gone' as const;
    this.sent.push({ connectionId, message });
    return 'sent' as const;
  }
}

const noTokens: TokenVerifier = { verify: async () => undefined };

async function setUp() {
  const base = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
  const watchers = new InMemoryWatchers();
  const channel = new RecordingChannel();
  const deps: PushDeps = { sessions: base.sessions, watchers, channel, tokens: noTokens, roles: base.roles, clock: base.clock, log: base.log };
  const session = await submitSession(base, alice, { resource: 'orders', command: 'select 1' });
  return { base, deps, watchers, channel, session };
}

describe('watchSession', () => {
  it('watches a session its requester may read until the connection could last no longer, and answers its state', async () => {
    const { deps, watchers, session, base } = await setUp();
    const state = await watchSession(deps, alice, 'conn-a', session.id);
    expect(state).toEqual({ type: 'session', sessionId: session.id, status: 'pending_review', updatedAt: session.updatedAt });
    expect([...watchers.entries.values()]).toEqual([{ watcher: { connectionId: 'conn-a', who: alice }, until: new Date(base.clock.now().getTime() + CONNECTION_LIFETIME_MS) }]);
  });

  it('lets reviewers and auditors watch, as they may read it', async () => {
    const { deps, watchers, session } = await setUp();
    await watchSession(deps, bob, 'conn-b', session.id);
    await watchSession(deps, erin, 'conn-e', session.id);
    expect(watchers.entries.size).toBe(2);
  });

  it('refuses someone who may not read the session, and stores nothing', async () => {
    const { deps, watchers, session } = await setUp();
    await expect(watchSession(deps, mallory, 'conn-m', session.id)).rejects.toThrow(ForbiddenError);
    await expect(watchSession(deps, mallory, 'conn-m', '00000000-0000-4000-8000-999999999999')).rejects.toThrow(NotFoundError);
    expect(watchers.entries.size).toBe(0);
  });
});

describe('pushSessionChange', () => {
  it('tells every watching connection, and forgets the ones that have gone', async () => {
    const { deps, watchers, channel, session } = await setUp();
    await watchSession(deps, alice, 'conn-a', session.id);
    await watchSession(deps, bob, 'conn-b', session.id);
    channel.gone.add('conn-b');

    const outcome = await pushSessionChange(deps, { ...session, status: 'approved', updatedAt: '2026-11-26T10:05:00.000Z' });

    expect(outcome).toEqual({ sent: 1, gone: 1, refused: 0 });
    expect(channel.sent).toEqual([{ connectionId: 'conn-a', message: { type: 'session', sessionId: session.id, status: 'approved', updatedAt: '2026-11-26T10:05:00.000Z' } }]);
    expect([...watchers.entries.keys()]).toEqual([`${session.id}/conn-a`]);
  });

  it('sends nothing to a watcher who may not read the session', async () => {
    const { deps, watchers, channel, session } = await setUp();
    // A watch entry that no subscribe could have made (mallory may not read the session).
    await watchers.watch(session.id, { connectionId: 'conn-m', who: mallory }, new Date(Date.now() + 60_000));
    expect(await pushSessionChange(deps, session)).toEqual({ sent: 0, gone: 0, refused: 1 });
    expect(channel.sent).toEqual([]);
  });
});
