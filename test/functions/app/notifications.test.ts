import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { runNotificationJob } from '../../../functions/app/notifications';
import { reviewSession } from '../../../functions/app/reviews';
import { submitSession } from '../../../functions/app/sessions';
import { fakeDeps, FakeChat } from './fakes';
import { alice, bob, orders, reviewedRule } from './people';

async function pending() {
  const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()], chat: new FakeChat() });
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1' });
  return { deps, id };
}

describe('runNotificationJob', () => {
  it('posts a review request once, keeps where it went and records it', async () => {
    const { deps, id } = await pending();

    await runNotificationJob(deps, { kind: 'review', sessionId: id });
    await runNotificationJob(deps, { kind: 'review', sessionId: id });

    expect(deps.notifier.requested.map((session) => session.id)).toEqual([id]);
    expect((await deps.sessions.get(id))?.notification).toEqual({ channel: 'CREVIEWS', ts: '1.000' });
    const [, requested] = await deps.events.list(sessionStream(id));
    expect(requested).toMatchObject({ type: 'review.requested', details: { notification: { channel: 'CREVIEWS', ts: '1.000' } } });
  });

  it('posts nothing for a review decided before the job ran', async () => {
    const { deps, id } = await pending();
    await reviewSession(deps, bob, id, { decision: 'deny', via: 'web' });
    await runNotificationJob(deps, { kind: 'review', sessionId: id });
    expect(deps.notifier.requested).toEqual([]);
  });

  it('asks for a redraw when a decision lands while the request is on its way', async () => {
    const { deps, id } = await pending();
    deps.notifier.whilePosting = async () => {
      deps.clock.advance(1000);
      await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });
    };
    deps.notifications.jobs.length = 0;

    await runNotificationJob(deps, { kind: 'review', sessionId: id });

    expect(deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: id }, { kind: 'session', sessionId: id }]);
  });

  it("records Slack's failure on the session and fails, so the queue retries the job", async () => {
    const { deps, id } = await pending();
    deps.notifier.failWith = Object.assign(new Error('Slack chat.postMessage failed: channel_not_found'), { code: 'channel_not_found' });

    await expect(runNotificationJob(deps, { kind: 'review', sessionId: id })).rejects.toThrow(/channel_not_found/);
    await expect(runNotificationJob(deps, { kind: 'session', sessionId: id })).rejects.toThrow(/channel_not_found/);

    const failures = (await deps.events.list(sessionStream(id))).filter((event) => event.type === 'notification.failed');
    expect(failures.map((event) => event.details)).toEqual([
      expect.objectContaining({ work: 'review', code: 'channel_not_found' }),
      expect.objectContaining({ work: 'session', code: 'channel_not_found' }),
    ]);
    expect((await deps.sessions.get(id))?.status).toBe('pending_review');
  });

  it('redraws the session as it is now, and answers a click privately', async () => {
    const { deps, id } = await pending();
    await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });

    await runNotificationJob(deps, { kind: 'session', sessionId: id });
    await runNotificationJob(deps, { kind: 'reply', replyTo: 'https://hooks.slack.com/actions/1', text: 'Already decided.' });

    expect(deps.notifier.drawn.map((session) => session.status)).toEqual(['approved']);
    expect(deps.chat?.replies).toEqual([{ replyTo: 'https://hooks.slack.com/actions/1', text: 'Already decided.' }]);
  });
});
