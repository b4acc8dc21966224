/**
 * The Slack Web API adapter's deadline, against the Slack stand-in: a click has 3 seconds in all, so a
 * call given a deadline stops waiting exactly then, whatever the per-call timeout. Time is faked (the
 * stand-in's hold runs on the same fake clock), so the test does not depend on how busy the machine is.
 */
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { SlackApi } from '../../../functions/adapters/slack';
import type { SlackView } from '../../../functions/domain/slack-message';
import { SlackStandIn } from '../../../infra/local/slack/stand-in';

const BOT_TOKEN = 'xoxb-deadline-test';
let slack: SlackStandIn;

beforeAll(async () => {
  slack = await SlackStandIn.start({ botToken: BOT_TOKEN, signingSecret: 'unused', users: [{ id: 'UGRACE', email: 'grace@example.com', name: 'Grace Green' }] });
});

afterEach(() => {
  vi.useRealTimers();
  slack.clearFaults();
});

afterAll(async () => {
  await slack.close();
});

const MODAL: SlackView = {
  type: 'modal',
  callback_id: 'deny',
  private_metadata: '{}',
  title: { type: 'plain_text', text: 'Deny' },
  close: { type: 'plain_text', text: 'Cancel' },
  blocks: [],
};

const settledYet = (promise: Promise<unknown>) => {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
};

it('stops waiting for a call at its deadline, long before the per-call timeout, and answers timeout', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const api = new SlackApi({ token: async () => BOT_TOKEN, apiUrl: slack.apiUrl, timeoutMs: 60_000 });
  slack.hang('views.open', 50_000);
  const deadline = Date.now() + 2_000;

  const opening = api.openView(slack.mintTrigger('UGRACE'), MODAL, deadline);
  const state = settledYet(opening);
  await vi.advanceTimersByTimeAsync(1_999);
  expect(state.settled).toBe(false);
  await vi.advanceTimersByTimeAsync(1);

  await expect(opening).rejects.toMatchObject({ code: 'timeout' });
});

it('starts no call once the deadline has passed', async () => {
  const api = new SlackApi({ token: async () => BOT_TOKEN, apiUrl: slack.apiUrl, timeoutMs: 60_000 });
  const before = slack.calls.length;

  await expect(api.emailOf('UGRACE', Date.now() - 1)).rejects.toMatchObject({ code: 'timeout' });
  await expect(api.openView(slack.mintTrigger('UGRACE'), MODAL, Date.now() - 1)).rejects.toMatchObject({ code: 'timeout' });

  expect(slack.calls.length).toBe(before);
});
