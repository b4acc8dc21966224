/**
 * `npm run bench`: figures on the local runtime (in memory, embedded PGlite), printed, never asserted.
 *  - submit-to-rows latency on postgres-staging (no review) vs the same query straight to the local
 *    Data API server, and their ratio: what the governance path costs;
 *  - approve-to-rows latency on postgres-demo (one approval);
 *  - sessions per second with 20 concurrent clients;
 *  - the AWS cost per 1,000 commands on each path, from counts (test/bench/cost-scenarios.ts).
 * The figures also go to test-output/bench.json (test/bench/bench-json.ts).
 */
import '../../infra/local/polyfills';
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { localClusterArn, localSecretArn } from '../../infra/local/demo-config';
import { startLocalStack } from '../../infra/local/stack';
import { ApiClient } from '../e2e/client';
import { recordBenchFigures } from './bench-json';
import { measureCosts } from './cost-scenarios';
import { slackAckBench, slackAckReport } from './slack-ack';
import { percentile, summary } from './stats';

const QUERY = 'select id, name, email, country from customers order by id limit 20';
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

const stack = await startLocalStack({ port: 0, sharedDatabase: true });
try {
  const alice = await ApiClient.as(stack, 'alice@example.com');
  const bob = await ApiClient.as(stack, 'bob@example.com');
  const dataApi = new RDSDataClient({ endpoint: stack.dataApiUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const direct = () =>
    dataApi.send(
      new ExecuteStatementCommand({
        resourceArn: localClusterArn('postgres-staging'),
        secretArn: localSecretArn('postgres-staging'),
        database: 'postgres',
        sql: QUERY,
        includeResultMetadata: true,
      }),
    );
  const governed = async () => {
    const reply = await alice.post('/sessions?wait=20', { resource: 'postgres-staging', command: QUERY });
    if (reply.body?.session?.status !== 'done') throw new Error(`session ended ${reply.body?.session?.status}: ${JSON.stringify(reply.body?.session?.error)}`);
  };

  for (let i = 0; i < 20; i++) {
    await direct();
    await governed();
  }

  const directTimes: number[] = [];
  const governedTimes: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    directTimes.push((await timed(direct))[0]);
    governedTimes.push((await timed(governed))[0]);
  }

  const approveTimes: number[] = [];
  for (let i = 0; i < Math.max(20, SAMPLES / 4); i++) {
    const { body } = await alice.post('/sessions?wait=20', { resource: 'postgres-demo', command: QUERY });
    const id = body.session.id as string;
    const [elapsed] = await timed(async () => {
      await bob.post(`/sessions/${id}/review`, { decision: 'approve' });
      const done = await alice.get(`/sessions/${id}?wait=20`);
      if (done.body.session.status !== 'done') throw new Error(`approved session ended ${done.body.session.status}`);
    });
    approveTimes.push(elapsed);
  }

  const clients = 20;
  const perClient = Math.max(10, Math.floor(SAMPLES / 10));
  const [elapsed] = await timed(() => Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient; i++) await governed();
  })));
  const throughput = (clients * perClient) / (elapsed / 1000);

  const slack = await slackAckBench(stack, alice, Math.max(20, SAMPLES / 4));

  const ratio = percentile(governedTimes, 50) / percentile(directTimes, 50);
  console.log(`
accessgate benchmark (local runtime, in-memory dynalite, embedded PGlite; ${new Date().toISOString()})
query: ${QUERY}

submit-to-rows, postgres-staging (no review)   ${summary(governedTimes)}
same query straight to the local Data API      ${summary(directTimes)}
ratio (p50 governed / p50 direct)              ${ratio.toFixed(1)}x
approve-to-rows, postgres-demo (1 approval)    ${summary(approveTimes)}
sessions per second, ${clients} concurrent clients   ${throughput.toFixed(1)} /s  (${clients * perClient} sessions in ${(elapsed / 1000).toFixed(1)} s)

${slackAckReport(slack)}
`);
  dataApi.destroy();
  recordBenchFigures(
    {
      governedP50Ms: percentile(governedTimes, 50),
      directP50Ms: percentile(directTimes, 50),
      ratio,
      approveToRowsP50Ms: percentile(approveTimes, 50),
      sessionsPerSecond: throughput,
      slackAckP99Ms: percentile(slack.approve, 99),
    },
    true,
  );
} finally {
  await stack.stop();
}

// On a stack of its own: the usage meter counts every request it serves.
const cost = await measureCosts();
console.log(`AWS cost per 1,000 commands, from counts (infra/prices.ts)
reviewed, requester not waiting                $${cost.costPer1kReviewedUsd.toFixed(4)}   ${cost.reviewed.transitions} transitions, ${cost.wruPerReviewed} write units per command
reviewed, requester's client waiting one hour  $${cost.costPer1kReviewedHourUsd.toFixed(4)}   the CLI or web UI on the WebSocket API
reviewed, a script long-polling for one hour   $${cost.costPer1kLongPollHourUsd.toFixed(4)}   GET /sessions/{id}?wait=20 back to back
no rule covers it                              $${cost.costPer1kRuleFreeUsd.toFixed(4)}   ${cost.ruleFree.transitions} transitions
`);
recordBenchFigures({
  costPer1kReviewedUsd: cost.costPer1kReviewedUsd,
  costPer1kReviewedHourUsd: cost.costPer1kReviewedHourUsd,
  costPer1kLongPollHourUsd: cost.costPer1kLongPollHourUsd,
  costPer1kRuleFreeUsd: cost.costPer1kRuleFreeUsd,
  wruPerReviewed: cost.wruPerReviewed,
});
