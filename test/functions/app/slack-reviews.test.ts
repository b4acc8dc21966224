import { describe, expect, it } from 'vitest';
import { securityStream, sessionStream } from '../../../functions/app/audit-trail';
import { runNotificationJob } from '../../../functions/app/notifications';
import type { Deps, NotificationJob } from '../../../functions/app/ports';
import { submitSession } from '../../../functions/app/sessions';
import { handleInteraction, SLACK_WAIT_MS } from '../../../functions/app/slack-reviews';
import type { BlockActions, ViewSubmission } from '../../../functions/domain/slack-interaction';
import type { SlackView } from '../../../functions/domain/slack-message';
import { FakeChat, fakeDeps } from './fakes';
import { alice, bob, mallory, orders, reviewedRule, sam } from './people';

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

/** Runs the Approve clicks handed to the notify Lambda, as it would after the acknowledgement; other jobs stay queued. */
async function decideHandedOver(deps: Deps & { notifications: { jobs: NotificationJob[] } }) {
  const queued = deps.notifications.jobs.splice(0);
  for (const job of queued) {
    if (job.kind === 'approve_click') await runNotificationJob(deps, job);
    else deps.notifications.jobs.push(job);
  }
}

/** A click, and then whatever it handed over: the whole effect of a click. */
async function clickThrough(deps: Deps & { notifications: { jobs: NotificationJob[] } }, interaction: BlockActions) {
  const answer = await handleInteraction(deps, interaction, { receivedAt: 1_000 });
  await decideHandedOver(deps);
  return answer;
}

describe('handleInteraction', () => {
  it("acknowledges bob's Approve at once, then counts it as bob's approval via Slack", async () => {
    const { deps, id } = await pending();

    expect(await handleInteraction(deps, click('UBOB', 'approve', id), { receivedAt: 1_000 })).toBeUndefined();

    expect((await deps.sessions.get(id))?.status).toBe('pending_review');
    expect(deps.notifications.jobs).toEqual([
      { kind: 'approve_click', sessionId: id, slackUser: 'UBOB', triggerId: 'trigger-UBOB', replyTo: REPLY, deadline: 1_000 + SLACK_WAIT_MS },
    ]);

    await decideHandedOver(deps);

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

    await clickThrough(deps, click('UALICE', 'approve', id));
    await clickThrough(deps, click('UMALLORY', 'approve', id));

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
    await clickThrough(deps, click('UNOBODY', 'approve', id));
    expect(deps.notifications.jobs).toEqual([{ kind: 'reply', replyTo: REPLY, text: expect.stringContaining('nobody@example.com') }]);
    expect(deps.events.all().map((event) => event.type)).toEqual(['session.requested']);
  });

  it('redraws a message whose buttons outlived its review, and says it is decided', async () => {
    const { deps, id } = await pending();
    await clickThrough(deps, click('UBOB', 'approve', id));
    deps.notifications.jobs.length = 0;

    await clickThrough(deps, click('UBOB', 'approve', id));

    expect(deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: id }, { kind: 'reply', replyTo: REPLY, text: expect.stringContaining('approved') }]);
  });
});

/** FakeChat whose users.info answers only when the test says, recording the deadline of every call. */
class HeldChat extends FakeChat {
  readonly deadlines: { call: string; deadline?: number }[] = [];
  private release: () => void = () => {};
  private readonly held = new Promise<void>((resolve) => (this.release = resolve));
  pendingLookups = 0;

  override async emailOf(userId: string, deadline?: number) {
    this.deadlines.push({ call: 'users.info', deadline });
    this.pendingLookups++;
    await this.held;
    this.pendingLookups--;
    return super.emailOf(userId);
  }
  override async openView(trigger: string, view: SlackView, deadline?: number) {
    this.deadlines.push({ call: 'views.open', deadline });
    return super.openView(trigger, view);
  }
  answerLookups() {
    this.release();
  }
}

/** Lets every settled promise run on: the fakes do no I/O, so after this the use case waits on the chat alone. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('handleInteraction and Slack\'s 3 seconds', () => {
  async function heldPending() {
    const chat = new HeldChat({ UALICE: alice.email, UBOB: bob.email, USAM: sam.email });
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule({ reasonRequired: true })], people: [alice, bob, mallory, sam], chat });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1', reason: 'ticket 9' });
    return { deps, chat, id };
  }

  it("opens the deny modal while Slack has yet to say who clicked a first Deny, so the click waits for one call, not two", async () => {
    const { deps, chat, id } = await heldPending();

    const handled = handleInteraction(deps, click('UBOB', 'deny', id), { receivedAt: 1_000 });
    await settle();

    // users.info has not answered, and the modal is open already.
    expect(chat.pendingLookups).toBe(1);
    expect(chat.opened.map((opened) => opened.view.callback_id)).toEqual(['deny']);
    chat.answerLookups();
    expect(await handled).toBeUndefined();
    expect(chat.opened).toHaveLength(1);
  });

  it("acknowledges a person's first Approve without asking Slack anything, and decides it once Slack has answered", async () => {
    const { deps, chat, id } = await heldPending();

    // Slack has not said who UBOB is (users.info held): the acknowledgement does not wait for it.
    const answered = await Promise.race([handleInteraction(deps, click('UBOB', 'approve', id), { receivedAt: 1_000 }).then(() => 'answered'), settle().then(() => 'waiting')]);

    expect(answered).toBe('answered');
    expect(chat.deadlines).toEqual([]);
    const deciding = decideHandedOver(deps);
    await settle();
    expect(chat.pendingLookups).toBe(1);
    expect((await deps.sessions.get(id))?.status).toBe('pending_review');
    chat.answerLookups();
    await deciding;
    // users.info is not bounded by Slack's 3 s any more: nobody is waiting for it.
    expect(chat.deadlines).toEqual([{ call: 'users.info', deadline: undefined }]);
    expect(await deps.sessions.get(id)).toMatchObject({ status: 'approved', approvals: [{ sub: bob.sub, via: 'slack' }] });
  });

  it('opens the force-approval modal from the handed-over click, within the deadline the click arrived with', async () => {
    const { deps, chat, id } = await heldPending();
    chat.answerLookups();

    await clickThrough(deps, click('USAM', 'approve', id));

    expect(chat.opened.map((opened) => [opened.trigger, opened.view.callback_id])).toEqual([['trigger-USAM', 'force']]);
    expect(chat.deadlines).toEqual([
      { call: 'users.info', deadline: undefined },
      { call: 'views.open', deadline: 1_000 + SLACK_WAIT_MS },
    ]);
    expect((await deps.sessions.get(id))?.status).toBe('pending_review');
  });

  it('gives every Slack call of a click the deadline its arrival set, SLACK_WAIT_MS later', async () => {
    const { deps, chat, id } = await heldPending();
    chat.answerLookups();

    await handleInteraction(deps, click('UBOB', 'deny', id), { receivedAt: 1_000 });

    expect(chat.deadlines).toEqual([
      { call: 'users.info', deadline: 1_000 + SLACK_WAIT_MS },
      { call: 'views.open', deadline: 1_000 + SLACK_WAIT_MS },
    ]);
  });
});
