/**
 * The local runtime's composition root: starts the stand-ins (dynalite, the Data API server over PGlite
 * or a real Postgres/MySQL, the Step Functions endpoint over the ASL file), points the AWS SDK at them
 * through its standard AWS_ENDPOINT_URL_* variables, loads the very handler modules the AWS stack
 * deploys, and, once its API server listens and it knows its own URL, builds the one composition
 * (functions/wiring.ts) every handler of this stack runs in. This file and infra/stack.ts are the only
 * places that know which runtime is running.
 */
import './polyfills';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { demoConfig, localClusterArn, localSecretArn } from './demo-config';
import { startLocalDynamo } from './dynamo';
import type { Deps } from '../../functions/app/ports';
import { DEFAULT_GROUPS_CLAIM, type Environment } from '../../functions/config';
import type { Composition } from '../../functions/wiring';
import { type LocalEvidence, openEvidenceStandIns, startLocalEvidence } from './evidence';
import { startApiServer, type LocalMount, type RouteBinding } from './http-server';
import { webMount, type WebMountOptions } from './web';
import { DEMO_USERS, LocalIdentityProvider, localCursorKey, subjectOf } from './identity';
import { type LocalSlack, type LocalSlackOptions, startLocalSlack } from './slack/runtime';
import { startWorkflowServer } from './workflow-server';
import { LocalDeliveryQueue, type LocalWebhooks, startLocalWebhooks } from './webhooks';
import { type Execution, type TaskHandler, type TaskState, WorkflowRunner } from './workflow-runner';
import type { TaskFaultInjector } from './task-faults';
import type { UsageMeter } from './usage-meter';
import type { DynamoFaultQueue } from './dynamo-faults';
import { startDataApiServer } from './data-api/server';
import { MysqlBackend, PostgresBackend, type SqlBackend } from './data-api/backends';
import { openPGliteBackend, seedDemoSchema } from './data-api/demo-schema';
import { startLocalPush, type LocalPush } from './push';
import { type LocalFollowUpReminder, startLocalFollowUpReminder } from './follow-up-reminders';
import type { Clock } from '../../functions/app/ports';

export const LOCAL_STATE_MACHINE_ARNS = {
  session: 'arn:aws:states:us-east-1:000000000000:stateMachine:accessgate-session',
  'command-review': 'arn:aws:states:us-east-1:000000000000:stateMachine:accessgate-command-review',
} as const;

export interface LocalStackOptions {
  /** Folder for all state; undefined keeps everything in memory (tests). */
  readonly dataDir?: string;
  /** API port; 0 picks a free one. */
  readonly port?: number;
  /** A real PostgreSQL server for the postgres resources instead of embedded PGlite. */
  readonly postgresUrl?: string;
  /** A MySQL server; adds the `mysql-rds` resource. */
  readonly mysqlUrl?: string;
  /** Shorten the ASL's retry intervals (tests). */
  readonly retryIntervalMs?: number;
  /** One embedded database behind every postgres resource (tests: one PGlite start instead of two). */
  readonly sharedDatabase?: boolean;
  readonly faults?: Parameters<typeof startDataApiServer>[0]['faults'];
  /** Faults injected into the workflow's Task invocations (the fault-injection suite). */
  readonly taskFaults?: TaskFaultInjector;
  /** Deaths staged between two DynamoDB writes of the local functions (the fault-injection suite). */
  readonly dynamoFaults?: DynamoFaultQueue;
  readonly mounts?: readonly LocalMount[];
  /** The Slack stand-in's delay and the notify Lambda's retry delays (tests, benchmark). */
  readonly slack?: LocalSlackOptions;
  /** The web UI at `/` (built on first request when missing or stale); false leaves it out. */
  readonly web?: WebMountOptions | false;
  /** Length of an audit digest period in seconds; default 3600. */
  readonly digestSeconds?: number;
  /**
   * Product settings, as a function's environment would carry them (functions/config.ts): WEB_URL,
   * GROUPS_CLAIM, RESULT_MAX_ROWS... The stack's own tables, endpoints and Slack settings win over them;
   * WEB_URL defaults to the stack's own URL.
   */
  readonly settings?: Environment;
  /** Counts what the stack does in billed units (the cost model's scenarios); unset counts nothing. */
  readonly usage?: UsageMeter;
  /** The clock every handler reads (tests move it to make a follow-up overdue); unset is the system clock. */
  readonly clock?: Clock;
  /**
   * The run of commands no rule covers (functions/workflow/run.ts) on the Lambda stand-in: its retry
   * delays (Lambda's, a minute and two, unless given), its timeout, and how long a claim may be held
   * (RUN_CLAIM_SECONDS), which tests shorten together with the delays.
   */
  readonly runs?: { readonly retryDelaysMs?: readonly number[]; readonly timeoutMs?: number; readonly claimSeconds?: number };
}

/** The run function and the reconciler, by the names the stack's constructs give them (infra/function-memory.ts). */
export const RUN_FUNCTION = 'Run';
export const RECONCILE_FUNCTION = 'Reconcile';
/** Lambda's own delays before the two retries of a failed asynchronous invocation. */
const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000] as const;

export interface LocalStack {
  readonly url: string;
  /** The use cases' dependencies the handlers of this stack run on (for tests to read the tables). */
  readonly deps: Deps;
  readonly dataApiUrl: string;
  readonly runner: WorkflowRunner;
  readonly identity: LocalIdentityProvider;
  readonly backends: Map<string, SqlBackend>;
  /** The Slack stand-in (unless real Slack credentials are set) and the notify Lambda's endpoint. */
  readonly slack: LocalSlack;
  /** The audit evidence pipeline: the folder store, the signing key, the exporter's feed, the sealer. */
  readonly evidence: LocalEvidence;
  /** Webhook dispatch and delivery: the queue stand-in (with its dead-letter list) and a flush for tests. */
  readonly webhooks: LocalWebhooks;
  /** The WebSocket API stand-in waiting clients connect to, and the sessions table's stream that feeds it. */
  readonly push: LocalPush;
  /** The overdue follow-up reminder on its hourly timer, and a way to run it now. */
  readonly followUpReminder: LocalFollowUpReminder;
  token(email: string): Promise<string>;
  stop(): Promise<void>;
}

function dataFolder(...parts: string[]): string {
  const path = join(...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

type Lambda = (event: unknown, context: unknown) => Promise<unknown>;
const invoke = (handler: Lambda, name: string): TaskHandler => (event) =>
  handler(event, { functionName: name, awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 60_000 });

async function openBackends(options: LocalStackOptions, resources: { id: string; type: string; clusterArn: string }[]) {
  const backends = new Map<string, SqlBackend>();
  let shared: SqlBackend | undefined;
  for (const resource of resources) {
    let backend: SqlBackend;
    if (resource.type === 'mysql') {
      backend = new MysqlBackend(options.mysqlUrl!);
    } else if (options.postgresUrl) {
      backend = shared ??= new PostgresBackend(options.postgresUrl);
    } else if (options.sharedDatabase || !options.dataDir) {
      backend = shared ??= await openPGliteBackend(options.dataDir && dataFolder(options.dataDir, 'pglite', 'shared'));
    } else {
      backend = await openPGliteBackend(dataFolder(options.dataDir, 'pglite', resource.id));
    }
    if (!backends.size || ![...backends.values()].includes(backend)) await seedDemoSchema(backend);
    backends.set(resource.clusterArn, backend);
  }
  return backends;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // Node 20 is what this machine runs; the SDK's notice about its future Node 22 floor is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Tracing is off here (the Tracer turns itself off outside Lambda), but the X-Ray SDK's automatic
  // mode would still hook every promise of this one process, handlers and stand-ins alike, to carry a
  // trace context nobody reads. Set before the handler modules, which load the SDK, are imported.
  process.env.AWS_XRAY_MANUAL_MODE ??= 'true';
  const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
  const config = demoConfig({
    ...(options.mysqlUrl ? { mysqlDatabase: databaseOf(options.mysqlUrl) || 'mysql' } : {}),
    ...(options.postgresUrl ? { postgresDatabase: databaseOf(options.postgresUrl) || 'postgres' } : {}),
  });
  const dynamo = await startLocalDynamo(options.dataDir && join(options.dataDir, 'dynamodb'));
  const backends = await openBackends(options, config.resources);
  const dataApi = await startDataApiServer({
    host: '127.0.0.1',
    port: 0,
    backends,
    secretArns: new Map(config.resources.map((r) => [localClusterArn(r.id), localSecretArn(r.id)])),
    ...(options.faults ? { faults: options.faults } : {}),
  });

  // Every handler runs in this stack's composition, built below once the stack knows its own URL; an
  // invocation that arrives earlier waits for it.
  let composed!: (composition: Composition) => void;
  const composition = new Promise<Composition>((resolve) => {
    composed = resolve;
  });
  const bind = <E, C, R>(handler: (event: E, context: C) => Promise<R>) => async (event: E, context: C): Promise<R> => {
    const { inComposition } = await import('../../functions/wiring');
    const run = () => inComposition(composition, handler)(event, context);
    const name = (context as { functionName?: string } | undefined)?.functionName;
    return options.usage && name ? options.usage.invoke(name, run) : run();
  };

  const slack = await startLocalSlack(options.slack ?? {}, DEMO_USERS, bind);

  // The SDK clients read their endpoints from these; the product's settings are passed explicitly below.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_RDS_DATA: dataApi.url,
    ...slack.endpoints,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;

  const tasks = {
    Evaluate: await import('../../functions/workflow/evaluate'),
    AwaitReview: await import('../../functions/workflow/await-review'),
    Expire: await import('../../functions/workflow/expire'),
    Execute: await import('../../functions/workflow/execute'),
    Record: await import('../../functions/workflow/record'),
    OpenWindow: await import('../../functions/workflow/open-window'),
    EndWindow: await import('../../functions/workflow/end-window'),
  };
  const reconciler = await import('../../functions/workflow/reconcile');
  const runner = new WorkflowRunner({
    stateMachineArns: LOCAL_STATE_MACHINE_ARNS,
    // EventBridge's execution-status rule on AWS, which matches both machines: an execution that ends unfinished reaches the reconciler.
    onExecutionEnd: async (execution) => {
      await invoke(bind(reconciler.handler as Lambda), 'Reconcile')(executionStatusChange(execution));
    },
    ...(options.taskFaults ? { taskFaults: options.taskFaults } : {}),
    ...(options.usage ? { onHistoryEvent: (type: string) => options.usage!.historyEvent(type) } : {}),
    handlers: Object.fromEntries(
      Object.entries(tasks).map(([state, module]) => [state, invoke(bind(module.handler as Lambda), state)]),
    ) as Record<TaskState, TaskHandler>,
    ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
  });
  // A command no rule covers runs by an asynchronous invocation of Run, whose failure destination is
  // the reconciler, as infra/constructs/workflow.ts configures them on AWS.
  const runModule = await import('../../functions/workflow/run');
  const runRetries = options.runs?.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS;
  slack.lambda.register(RUN_FUNCTION, {
    load: async () => ({ handler: bind(runModule.handler as Lambda) }),
    onFailure: RECONCILE_FUNCTION,
    retryDelaysMs: runRetries,
    ...(options.runs?.timeoutMs !== undefined ? { timeoutMs: options.runs.timeoutMs } : {}),
  });
  slack.lambda.register(RECONCILE_FUNCTION, { load: async () => ({ handler: bind(reconciler.handler as Lambda) }), retryDelaysMs: runRetries });
  const workflow = await startWorkflowServer(runner);
  process.env.AWS_ENDPOINT_URL_SFN = workflow.url;

  const api = {
    identity: await import('../../functions/api/identity'),
    sessions: await import('../../functions/api/sessions'),
    reviews: await import('../../functions/api/reviews'),
    rules: await import('../../functions/api/rules'),
    directory: await import('../../functions/api/directory'),
    audit: await import('../../functions/api/audit'),
    webhooks: await import('../../functions/api/webhooks'),
  };
  const routes: RouteBinding[] = Object.values(api).flatMap((module) =>
    Object.keys(module.routes).map((routeKey) => ({
      routeKey,
      lambda: bind(module.handler as RouteBinding['lambda']),
      public: routeKey === 'GET /health',
    })),
  );
  // Slack signs its requests instead of sending a token: public, as on API Gateway.
  const slackInteractions = await import('../../functions/slack/interactions');
  routes.push({ routeKey: 'POST /slack/interactions', lambda: bind(slackInteractions.handler as RouteBinding['lambda']), public: true });
  const settings = options.settings ?? {};
  const identity = await LocalIdentityProvider.open(options.dataDir && join(options.dataDir, 'keys', 'jwt.json'), settings.GROUPS_CLAIM ?? DEFAULT_GROUPS_CLAIM);
  const push = await startLocalPush(bind);
  const server = await startApiServer({
    port: options.port ?? 0,
    routes,
    identity,
    mounts: [push.sockets.mount, ...slack.mounts, ...(options.mounts ?? []), ...(options.web === false ? [] : [webMount(options.web)])],
  });
  push.sockets.attach(server.server, server.url);
  slack.connect(server.url);
  if (slack.standIn) {
    const secret = slack.generatedSecret ? `${slack.signingSecret} (generated; set SLACK_SIGNING_SECRET to choose it)` : 'from SLACK_SIGNING_SECRET';
    console.log(`Slack stand-in: ${server.url}/local/slack, Web API ${slack.standIn.apiUrl}, signing secret ${secret}`);
  }

  // What the AWS stack sets on each function, here for all of them at once; links lead to this server
  // unless the settings name another web URL.
  const periodSeconds = options.digestSeconds ?? 3600;
  const { awsClients, compose } = await import('../../functions/wiring');
  const clients = awsClients();
  options.usage?.meterDynamo(clients.dynamo.middlewareStack, dynamo.endpoint, dynamo.tableNames);
  options.dynamoFaults?.attach(clients.dynamo.middlewareStack);
  const standIns = openEvidenceStandIns({ dataDir: options.dataDir, eventsTable: dynamo.tableNames.EVENTS_TABLE });
  const environment = {
    WEB_URL: server.url,
    CURSOR_KEY: localCursorKey(options.dataDir && join(options.dataDir, 'keys', 'cursor.key')),
    WEBHOOK_KEY: localCursorKey(options.dataDir && join(options.dataDir, 'keys', 'webhook.key')),
    // A receiver on this machine can be tried out; other private addresses stay refused.
    WEBHOOK_TARGETS: 'public-https-or-loopback',
    ...settings,
  };
  const { loadWebhookSettings } = await import('../../functions/config');
  const deliveryQueue = new LocalDeliveryQueue({ maxReceiveCount: loadWebhookSettings(environment).WEBHOOK_MAX_ATTEMPTS });
  const local = compose(
    {
      ...environment,
      ...dynamo.tableNames,
      STATE_MACHINE_ARN: LOCAL_STATE_MACHINE_ARNS.session,
      COMMAND_REVIEW_STATE_MACHINE_ARN: LOCAL_STATE_MACHINE_ARNS['command-review'],
      RUN_FUNCTION_NAME: RUN_FUNCTION,
      ...(options.runs?.claimSeconds !== undefined ? { RUN_CLAIM_SECONDS: String(options.runs.claimSeconds) } : {}),
      ...slack.settings,
      DIGEST_SECONDS: String(periodSeconds),
      SOCKET_URL: push.sockets.url,
      SOCKET_CALLBACK_URL: push.sockets.callbackUrl(server.url),
    },
    {
      clients,
      evidenceAdapters: standIns,
      webhookAdapters: { queue: deliveryQueue },
      // The WebSocket API's authorizer verifies tokens against this runtime's own issuer.
      pushAdapters: { tokens: { verify: (token) => identity.verify(`Bearer ${token}`) } },
      ...(options.clock ? { clock: options.clock } : {}),
    },
  );
  composed(local);
  const webhooks = await startLocalWebhooks(deliveryQueue, { eventsTable: dynamo.tableNames.EVENTS_TABLE, bind, documentClient: clients.dynamo });
  // Attached before anything is written, as the table's stream would see every change.
  push.follow(clients.dynamo, dynamo.tableNames.SESSIONS_TABLE);

  // Started before anything is recorded, so the exporter sees every event, as the table's stream would.
  const evidence = await startLocalEvidence(standIns, { periodSeconds, eventsTable: dynamo.tableNames.EVENTS_TABLE, bind, documentClient: clients.dynamo });

  const { applyConfig } = await import('../../functions/app/catalog');
  await applyConfig(local.deps, config, { system: 'npm start' });
  // The demo users' Slack identities: the same subject as their tokens, so a Slack approval by bob is bob's.
  const { seedDirectory } = await import('../../functions/app/directory');
  await seedDirectory(local.deps, DEMO_USERS.map((user) => ({ ...user, groups: [...user.groups], sub: subjectOf(user.email) })), { system: 'npm start' });

  await redriveOpenSessions(runner, local.deps);
  // EventBridge's hourly schedule on AWS.
  const followUpReminder = await startLocalFollowUpReminder(bind);
  // A deploy's smoke test: the notify function can be invoked (DryRun runs nothing). It also does the
  // SDK's first-call work for Lambda here, not in the first Slack click's acknowledgement.
  if (local.config.NOTIFY_FUNCTION_NAME) {
    const { InvokeCommand } = await import('@aws-sdk/client-lambda');
    await clients.lambda.send(new InvokeCommand({ FunctionName: local.config.NOTIFY_FUNCTION_NAME, InvocationType: 'DryRun' }));
  }

  return {
    url: server.url,
    deps: local.deps,
    dataApiUrl: dataApi.url,
    runner,
    identity,
    backends,
    slack,
    evidence,
    webhooks,
    push,
    followUpReminder,
    async token(email) {
      const user = identity.user(email);
      if (!user) throw new Error(`No demo user ${email}`);
      return identity.issue(user);
    },
    async stop() {
      await followUpReminder.stop();
      await push.close();
      await server.close();
      await slack.close();
      await runner.stop();
      await evidence.close();
      await webhooks.close();
      await workflow.close();
      await dataApi.close();
      for (const backend of new Set(backends.values())) await backend.close();
      await dynamo.close();
    },
  };
}

/** The event EventBridge delivers for an execution's status change, as the reconciler receives it on AWS. */
function executionStatusChange(execution: Execution) {
  return {
    version: '0',
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    time: (execution.stopDate ?? new Date()).toISOString(),
    detail: {
      executionArn: execution.arn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate: (execution.stopDate ?? new Date()).getTime(),
      input: execution.input,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

/**
 * Executions live in memory here, unlike on AWS: after a restart every session that is not final gets
 * its workflow started again. Each Task is idempotent, so this resumes a pending review (with the time
 * left in its window), runs an approved command, and fails one that was interrupted mid-run.
 */
async function redriveOpenSessions(runner: WorkflowRunner, deps: Deps): Promise<void> {
  for (const status of ['pending_review', 'approved', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.sessions.list({ kind: 'all' }, { status }, 100, cursor);
      for (const session of page.items) runner.start(session.id, JSON.stringify({ sessionId: session.id }));
      cursor = page.cursor;
    } while (cursor);
  }
}
