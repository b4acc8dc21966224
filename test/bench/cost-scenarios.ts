/**
 * The cost model's scenarios, run on the local runtime with a usage meter: what one command does in
 * billed units, on each path, and what AWS charges for it (infra/cost-model.ts, infra/prices.ts).
 * Used by test/bench/cost-model.test.ts (which holds docs/architecture.md to the figures) and by
 * `npm run bench` (test-output/bench.json).
 *
 * Each scenario runs once unmeasured (warm functions, as in steady traffic), then once measured, from
 * its first request until the workflow, the notify Lambda and the audit exporter are idle again:
 *  - reviewed: the requester submits (POST /sessions) to postgres-demo, one approver approves
 *    (POST /sessions/{id}/review), the requester reads the outcome once (GET /sessions/{id});
 *  - reviewed, requester's client waiting an hour: what the CLI's `exec` and the web UI do. The CLI's
 *    own code (cli/lib/wait.ts) submits and follows the session over the WebSocket API while an approver
 *    approves; the hour adds what the measured run cannot wait for: 60 connection-minutes and the pings
 *    that keep the connection open past API Gateway's ten idle minutes (one ping is measured, and an hour
 *    holds six);
 *  - reviewed, a script long-polling for an hour: the first path plus GET /sessions/{id}?wait=20 back to
 *    back (180 requests). One long-poll is measured at 1 and at 3 seconds; its reads grow linearly with
 *    the wait, so the 20-second request is extrapolated from the two, and the Lambda is billed the 20
 *    seconds it is held;
 *  - rule-free: POST /sessions?wait=20 to postgres-staging, which no rule covers, answered when done.
 */
import { addUsage, type CostInput, costOf, scaleUsage } from '../../infra/cost-model';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { emptyUsage, type Usage, UsageMeter, usageBetween } from '../../infra/local/usage-meter';
import WebSocket from 'ws';
import { ApiClient as CliApiClient } from '../../cli/lib/api';
import { followSession, POLL_SECONDS } from '../../cli/lib/wait';
import { PING_EVERY_MS } from '../../functions/push/session-watch';
import { ApiClient } from '../e2e/client';

export const QUERY = 'select id, name, email, country from customers order by id limit 20';
const REVIEWED_RESOURCE = 'postgres-demo';
const RULE_FREE_RESOURCE = 'postgres-staging';
const WAIT_ROUTE = 'GET /sessions/{id}';

export interface CostFigures {
  readonly reviewed: Usage;
  /** Reviewed, the requester's CLI or web UI waiting on the WebSocket API through a one-hour review. */
  readonly reviewedHour: CostInput;
  /** Reviewed, a script long-polling `?wait=20` through a one-hour review. */
  readonly longPollHour: CostInput;
  readonly ruleFree: Usage;
  /** One long-poll of POLL_SECONDS, as extrapolated. */
  readonly longPoll: CostInput;
  readonly costPer1kReviewedUsd: number;
  readonly costPer1kReviewedHourUsd: number;
  readonly costPer1kLongPollHourUsd: number;
  readonly costPer1kRuleFreeUsd: number;
  readonly wruPerReviewed: number;
}

const trace = (what: string) => process.env.COST_TRACE && process.stderr.write(`${new Date().toISOString()} ${what}\n`);

async function until(probe: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`cost scenario: ${what} never happened`);
}

export async function measureCosts(): Promise<CostFigures> {
  // The digest sealer and the table export run on schedules, not per command.
  const meter = new UsageMeter(new Set(['DigestSealer', 'TableExport']));
  const stack: LocalStack = await startLocalStack({ port: 0, sharedDatabase: true, web: false, usage: meter });
  try {
    const alice = await ApiClient.as(stack, 'alice@example.com');
    const bob = await ApiClient.as(stack, 'bob@example.com');
    // A review nobody decides keeps its execution running: the long-polls settle without the workflow.
    let reviewOpen = false;
    // Until a whole pass over every consumer finds nothing more to do: a stream consumer can write (and
    // wake another) after the one before it went idle, and a measurement must not catch that work.
    const settle = async (workflowsEnded = !reviewOpen) => {
      for (let pass = 0; pass < 50; pass++) {
        const before = JSON.stringify(meter.snapshot());
        if (workflowsEnded) await stack.runner.idle();
        await stack.slack.lambda.idle();
        await stack.evidence.flush();
        await stack.webhooks.flush();
        await stack.push.flush();
        // A task Lambda the workflow invoked (AwaitReview storing its token, then notifying) runs outside
        // every idle above while its execution waits.
        while (meter.invocationsRunning > 0) await new Promise((resolve) => setTimeout(resolve, 10));
        if (JSON.stringify(meter.snapshot()) === before) return;
        trace(`settle: pass ${pass} found more work`);
      }
      throw new Error('cost scenario: the stack never went quiet');
    };
    const measured = async (scenario: () => Promise<void>): Promise<Usage & { socketMessages: number }> => {
      await settle();
      const before = meter.snapshot();
      const messagesBefore = stack.push.sockets.usage.messages;
      await meter.capture(async () => {
        await scenario();
        await settle();
      });
      return { ...usageBetween(before, meter.snapshot()), socketMessages: stack.push.sockets.usage.messages - messagesBefore };
    };
    const awaitingReview = async (): Promise<string> => {
      const submitted = await alice.post('/sessions', { resource: REVIEWED_RESOURCE, command: QUERY });
      if (submitted.status >= 300) throw new Error(`submit answered ${submitted.status}`);
      const id = submitted.body.session.id as string;
      // Until the review waits on a stored token and approvers were told, as a person would find it.
      await until(async () => (await meter.aside(() => stack.deps.sessions.get(id)))?.status === 'pending_review' && stack.runner.isReviewWaiting(id), 'the review wait');
      await until(async () => Boolean(await meter.aside(() => stack.deps.sessions.taskToken(id))), 'the stored task token');
      // A person decides seconds later, once the preview, the notifications and the stream consumers are
      // done: an approval racing them would bill refused writes that vary from run to run.
      await settle(false);
      return id;
    };
    const reviewed = async () => {
      const id = await awaitingReview();
      const approved = await bob.post(`/sessions/${id}/review`, { decision: 'approve' });
      if (approved.status !== 200) throw new Error(`approve answered ${approved.status}: ${JSON.stringify(approved.body)}`);
      await stack.runner.idle();
      const done = await alice.get(`/sessions/${id}`);
      if (done.body.session.status !== 'done') throw new Error(`reviewed session ended ${done.body.session.status}`);
    };
    const token = await stack.token('alice@example.com');
    // The CLI's `exec`: submit, then follow over the WebSocket API until the approver's decision has run.
    const watched = async () => {
      const cli = new CliApiClient(stack.url, token);
      const first = await cli.submit({ resource: REVIEWED_RESOURCE, command: QUERY }, POLL_SECONDS);
      const id = first.session.id;
      const following = followSession(cli, first);
      await until(async () => (await meter.aside(() => stack.deps.sessions.get(id)))?.status === 'pending_review' && stack.runner.isReviewWaiting(id), 'the review wait');
      await until(async () => Boolean(await meter.aside(() => stack.deps.sessions.taskToken(id))), 'the stored task token');
      await until(() => stack.push.sockets.usage.connections > connectionsBefore, 'the watch');
      await settle(false);
      const approved = await bob.post(`/sessions/${id}/review`, { decision: 'approve' });
      if (approved.status !== 200) throw new Error(`approve answered ${approved.status}: ${JSON.stringify(approved.body)}`);
      const done = await following;
      if (done.session.status !== 'done') throw new Error(`watched session ended ${done.session.status}`);
    };
    let connectionsBefore = 0;
    const ruleFree = async () => {
      const reply = await alice.post('/sessions?wait=20', { resource: RULE_FREE_RESOURCE, command: QUERY });
      if (reply.body?.session?.status !== 'done') throw new Error(`rule-free session ended ${reply.body?.session?.status}`);
    };

    trace('started');
    await reviewed();
    trace('reviewed once');
    await ruleFree();
    trace('rule-free once');
    const reviewedUsage = await measured(reviewed);
    const ruleFreeUsage = await measured(ruleFree);
    connectionsBefore = stack.push.sockets.usage.connections;
    await watched();
    trace('watched once');
    connectionsBefore = stack.push.sockets.usage.connections;
    const watchedUsage = await measured(watched);

    // One keep-alive ping on an open connection: the route's invocation and the two messages.
    const socket = new WebSocket(`${stack.push.sockets.url}?token=${encodeURIComponent(token)}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const ping = await measured(async () => {
      const pong = new Promise((resolve) => socket.once('message', resolve));
      socket.send(JSON.stringify({ action: 'ping' }));
      await pong;
    });
    socket.close();

    // One waiting client's long-poll, on a review nobody decides.
    reviewOpen = true;
    const waiting = await awaitingReview();
    const { body } = await alice.get(`/sessions/${waiting}`);
    const poll = (seconds: number) => measured(async () => {
      await alice.get(`/sessions/${waiting}?wait=${seconds}&after=${encodeURIComponent(body.session.updatedAt)}`);
    });
    const short = await poll(1);
    const long = await poll(3);
    // On a loaded machine the server's timers run late and a run can read less than the one before: no
    // negative rate is extrapolated.
    const readsPerSecond = Math.max(0, (long.readUnits - short.readUnits) / 2);
    const longPoll: CostInput = {
      ...long,
      readUnits: long.readUnits + (POLL_SECONDS - 3) * readsPerSecond,
      heldMs: { [WAIT_ROUTE]: POLL_SECONDS * 1000 },
    };
    await alice.post(`/sessions/${waiting}/cancel`, {});
    reviewOpen = false;
    await settle();

    const HOUR_MS = 3_600_000;
    const reviewedHour = addUsage(watchedUsage, scaleUsage(ping, Math.floor(HOUR_MS / PING_EVERY_MS)), { ...emptyUsage(), connectionMinutes: HOUR_MS / 60_000 });
    const longPollHour = addUsage(reviewedUsage, scaleUsage(longPoll, HOUR_MS / 1000 / POLL_SECONDS));
    return {
      reviewed: reviewedUsage,
      reviewedHour,
      longPollHour,
      ruleFree: ruleFreeUsage,
      longPoll,
      costPer1kReviewedUsd: costOf(reviewedUsage).total * 1000,
      costPer1kReviewedHourUsd: costOf(reviewedHour).total * 1000,
      costPer1kLongPollHourUsd: costOf(longPollHour).total * 1000,
      costPer1kRuleFreeUsd: costOf(ruleFreeUsage).total * 1000,
      wruPerReviewed: reviewedUsage.writeUnits,
    };
  } finally {
    await stack.stop();
  }
}
