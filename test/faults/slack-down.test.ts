/**
 * The Slack API down for a whole session: every call the product makes to Slack fails with Slack's
 * `service_unavailable`. The review must stay open through the API, the failure must be on the record,
 * and the approved command must run exactly once and end done.
 */
import { expect, it } from 'vitest';
import { type FaultRuntime, poll, REVIEWED, faultRuntimePerFile } from './harness';

const SLACK_METHODS = ['chat.postMessage', 'chat.update', 'users.info', 'users.lookupByEmail', 'views.open', 'views.update'];

let runtime: FaultRuntime;
faultRuntimePerFile((started) => (runtime = started));

it('keeps the review open through the API, records the failed notification, and runs the approved command once', async () => {
  const slack = runtime.stack.slack.standIn!;
  for (const method of SLACK_METHODS) slack.fail(method, 'service_unavailable', 1_000);
  try {
    const submitted = await runtime.submit('alice', REVIEWED);
    await runtime.reviewWaiting(submitted.id);
    const events = () => runtime.stack.deps.events.list(`SESSION#${submitted.id}`);
    // The review request could not be posted: that is on the record, and the review is in bob's inbox.
    await poll('the failed review request on the record', async () => ((await events()).some((event) => event.type === 'notification.failed') ? true : undefined));
    const inbox = await (await runtime.as('bob')).get('/reviews');
    expect(inbox.body.reviews.map((review: { session: { id: string } }) => review.session.id)).toContain(submitted.id);

    expect((await (await runtime.as('bob')).post(`/sessions/${submitted.id}/review`, { decision: 'approve' })).status).toBe(200);
    const session = await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    expect(session.notification).toBeUndefined();
    expect(slack.calls.some((call) => call.method === 'chat.postMessage')).toBe(true);
    // Background retries of the notifications end (failed) without touching the outcome.
    await runtime.stack.slack.lambda.idle();
    expect((await runtime.session(submitted.id))?.status).toBe('done');
    expect(await runtime.runs(submitted.tag)).toBe(1);
    expect(Object.values(await runtime.chainProblems(submitted.id)).flat()).toEqual([]);
  } finally {
    slack.clearFaults();
  }
});
