/**
 * The Slack section of `npm run bench` (alone: `npx tsx test/bench/slack-ack.ts`): how fast
 * POST /slack/interactions acknowledges a click while Slack's API answers every call 500 ms late (the
 * stand-in's delay). Slack gives an app 3 seconds; the target for an Approve is p99 ≤ 150 ms. Measured
 * as Slack would: the round trip of the signed request the stand-in sends, from the click to the
 * acknowledgement.
 *  - Approve: signature check and the hand-over to the notify Lambda (an asynchronous invoke), no Slack
 *    call; the first sample is a person's first click, which used to wait on users.info;
 *  - Deny: views.open, which must happen before the acknowledgement (the trigger id expires after
 *    3 s), so one delayed Slack call is part of it; on a person's first click users.info runs at the
 *    same time (the first sample is that click);
 *  - for reference, click to the message showing the result (users.info, the decision, the execution
 *    and chat.update all run after the ack).
 */
import { pathToFileURL } from 'node:url';
import type { RecordedMessage } from '../../infra/local/slack/stand-in';
import type { LocalStack } from '../../infra/local/stack';
import type { ApiClient } from '../e2e/client';
import { ms, summary } from './stats';

export const SLACK_DELAY_MS = 500;

async function until<T>(probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the Slack stand-in never showed the expected message');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface SlackAckFigures {
  readonly approve: number[];
  readonly deny: number[];
  readonly clickToResult: number[];
}

export async function slackAckBench(stack: LocalStack, requester: ApiClient, samples: number): Promise<SlackAckFigures> {
  const slack = stack.slack.standIn;
  if (!slack) throw new Error('The Slack benchmark needs the stand-in: unset SLACK_BOT_TOKEN.');
  const before = slack.delayMs;
  slack.delayMs = SLACK_DELAY_MS;
  const figures: SlackAckFigures = { approve: [], deny: [], clickToResult: [] };
  const messageOf = (id: string) => until(() => slack.messages.find((m: RecordedMessage) => !m.user && JSON.stringify(m.blocks).includes(id)));
  try {
    for (let i = 0; i < samples; i++) {
      const { body } = await requester.post('/sessions?wait=20', { resource: 'postgres-demo', command: `select ${i} as sample` });
      const id = body.session.id as string;
      const message = await messageOf(id);
      const deny = i % 2 === 1;
      const clicked = performance.now();
      const ack = await slack.click({ user: deny ? 'UGRACE' : 'UBOB', channel: message.channel, ts: message.ts, actionId: deny ? 'deny' : 'approve' });
      if (ack.status !== 200) throw new Error(`the click was answered ${ack.status}: ${JSON.stringify(ack.body)}`);
      (deny ? figures.deny : figures.approve).push(ack.ms);
      if (deny) {
        await requester.post(`/sessions/${id}/cancel`);
      } else if (i % 5 === 0) {
        await until(() => (JSON.stringify(message.latest.blocks).includes('executed:') ? true : undefined));
        figures.clickToResult.push(performance.now() - clicked);
      }
    }
    await stack.slack.lambda.idle();
  } finally {
    slack.delayMs = before;
  }
  return figures;
}


export function slackAckReport(figures: SlackAckFigures): string {
  return [
    `Slack, every Slack API call delayed ${SLACK_DELAY_MS} ms (target: Approve acknowledgement p99 <= 150 ms, Slack allows 3000 ms)`,
    `ack of an Approve click                        ${summary(figures.approve)}`,
    `ack of a Deny click (opens the modal)          ${summary(figures.deny)}`,
    `  of which a person's first (users.info too)   ${ms(figures.deny[0])}`,
    `Approve click to message showing the result    ${summary(figures.clickToResult)}`,
  ].join('\n');
}

// Run alone, the section starts its own local runtime: BENCH_SAMPLES clicks, half of them Deny.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await import('../../infra/local/polyfills');
  const { startLocalStack } = await import('../../infra/local/stack');
  const { ApiClient } = await import('../e2e/client');
  const stack = await startLocalStack({ port: 0, sharedDatabase: true, web: false });
  try {
    const figures = await slackAckBench(stack, await ApiClient.as(stack, 'alice@example.com'), Number(process.env.BENCH_SAMPLES ?? 50));
    console.log(`\n${slackAckReport(figures)}\n`);
  } finally {
    await stack.stop();
  }
}
