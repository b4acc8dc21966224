import { describe, expect, it } from 'vitest';
import { securityStream, sessionStream } from '../../../functions/app/audit-trail';
import { submitSession } from '../../../functions/app/sessions';
import { handleInteraction } from '../../../functions/app/slack-reviews';
import type { BlockActions, ViewSubmission } from '../../../functions/domain/slack-interaction';
import { FakeChat, fakeDeps } from './fakes';
import { alice, bob, mallory, orders, reviewedRule } from './people';

const REPLY = 'https://hooks.slack.com/actions/T1/1/x';

async function pending() {
  const chat = new FakeChat({ UALICE: alice.email, UBOB: bob.email, UMALLORY: mallory.email, UNOBODY: 'nobody@example.com' });
  const deps = fakeDeps({ resources: [orders], rules: [reviewedRule({ reasonRequired: true })], people: [alice, bob, mallory], chat });
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1', reason: 'ticket 9' });
  return { deps, chat, id };
}

const click = (user: string, action: 'approve' | 'deny', sessionId: string): BlockActions => ({
  type: 'block_actions',
  user: { id: user },
  trigger_id: `trigger-${user}`,
  response_url: REPLY,
  actions: [{ action_id: action, value: sessionId }],
});

const submit = (user: string, callback: 'deny' | 'force', sessionId: string, reason: string): ViewSubmission => ({
  type: 'view_submission',
  user: { id: user },
  view: { callback_id: callback, private_metadata: JSON.stringify({ sessionId }), state: { values: { reason: { reason: { value: reason } } } } },
});

describe('handleInteraction', () => {
  it("counts bob's Approve as bob's approval via Slack", async () => {
    const { deps, id } = await pending();

    expect(await handleInteraction(deps, click('UBOB', 'approve', id))).toBeUndefined();

    expect(await deps.sessions.get(id)).toMatchObject({ status: 'approved', approvals: [{ sub: bob.sub, via: 'slack' }] });
    expect(deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: id }]);
  });

  it('opens the deny modal on Deny, and denies with the reason given in it', async () => {
    const { deps, chat, id } = await pending();

    await handleInteraction(deps, click('UBOB', 'deny', id));
    expect(chat.opened.map((opened) => opened.view.callback_id)).toEqual(['deny']);
    expect((await deps.sessions.get(id))?.status).toBe('pending_review');

    expect(await handleInteraction(deps, submit('UBOB', 'deny', id, 'too broad'))).toBeUndefined();
    expect(await deps.sessions.get(id)).toMatchObject({ status: 'denied', denial: { sub: bob.sub, reason: 'too broad', via: 'slack' } });
  });

  it('answers a modal submitted without the reason its rule requires beside the field, recording nothing', async () => {
    const { deps, id } = await pending();
    const answer = await handleInteraction(deps, submit('UBOB', 'deny', id, ' '));
    expect(answer).toMatchObject({ response_action: 'errors', errors: { reason: expect.stringContaining('reason') } });
    expect(deps.events.types(sessionStream(id))).toEqual(['session.requested']);
  });

  it("refuses the requester's own click and a non-approver's as security events, and tells them privately", async () => {
    const { deps, id } = await pending();

    await handleInteraction(deps, click('UALICE', 'approve', id));
    await handleInteraction(deps, click('UMALLORY', 'approve', id));

    const refused = await deps.events.list(securityStream(deps.clock.now().toISOString()));
    expect(refused.map((event) => [event.details.code, event.details.via, event.details.slackUser])).toEqual([
      ['self_review', 'slack', 'UALICE'],
      ['not_approver', 'slack', 'UMALLORY'],
    ]);
    expect(deps.notifications.jobs.map((job) => job.kind)).toEqual(['reply', 'reply']);
    expect((await deps.sessions.get(id))?.approvals).toEqual([]);
  });

  it('tells someone the directory does not know that nothing happened, without a security event', async () => {
    const { deps, id } = await pending();
    await handleInteraction(deps, click('UNOBODY', 'approve', id));
    expect(deps.notifications.jobs).toEqual([{ kind: 'reply', replyTo: REPLY, text: expect.stringContaining('nobody@example.com') }]);
    expect(deps.events.all().map((event) => event.type)).toEqual(['session.requested']);
  });

  it('redraws a message whose buttons outlived its review, and says it is decided', async () => {
    const { deps, id } = await pending();
    await handleInteraction(deps, click('UBOB', 'approve', id));
    deps.notifications.jobs.length = 0;

    await handleInteraction(deps, click('UBOB', 'approve', id));

    expect(deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: id }, { kind: 'reply', replyTo: REPLY, text: expect.stringContaining('approved') }]);
  });
});
