/**
 * The composition root of every function. `compose` builds a composition (settings, AWS clients, the
 * use cases' dependencies) from a function's settings, with no global state: two compositions in one
 * process share nothing. A handler asks for its dependencies with `deps()`, which answers the
 * composition of the invocation in progress:
 *
 * - on AWS, the function's own, built once per cold start at its first invocation from its validated
 *   environment (functions/config.ts);
 * - on the local runtime, the one infra/local/stack.ts built once it knew its own URL, handed to each
 *   invocation through `inComposition`.
 *
 * Only the endpoints differ between the two (the SDK's AWS_ENDPOINT_URL_* variables, or clients passed
 * in); no domain or handler code asks which runtime it is on.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCatalogStore } from './adapters/catalog-store';
import { CognitoDirectory } from './adapters/cognito-directory';
import { DynamoDirectoryTable } from './adapters/directory-table';
import { documentClientOf } from './adapters/dynamodb';
import { parserSqlClassifier } from './adapters/sql-parser';
import { emfSessionMetrics } from './adapters/session-metrics';
import { traced } from './adapters/tracing';
import { DynamoEventLog } from './adapters/event-log';
import { powertoolsLog } from './adapters/log';
import { LogNotifier } from './adapters/log-notifier';
import { InlineNotificationQueue, LambdaNotificationQueue } from './adapters/notification-queue';
import { DynamoResultStore } from './adapters/result-store';
import { DynamoSessionStore } from './adapters/session-store';
import { DynamoWindowStore } from './adapters/window-store';
import { SecretStore } from './adapters/secrets';
import { DataApiSqlRunner } from './adapters/sql-runner';
import { DataApiCommandPreviewer } from './adapters/command-preview';
import { StepFunctionsWorkflow } from './adapters/workflow';
import { LambdaCommandRuns, WorkflowCommandRuns } from './adapters/command-runs';
import { runNotificationJob } from './app/notifications';
import type { Deps } from './app/ports';
import { type Config, type Environment, functionEnvironment, loadConfig, roleGroups } from './config';
import type { EvidenceAdapters } from './evidence-wiring';
import type { WebhookAdapters } from './webhook-wiring';
import type { PushAdapters } from './push-wiring';

/** The AWS SDK clients of one composition; each reads its endpoint from the SDK's own configuration. */
export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  readonly rdsData: RDSDataClient;
  readonly lambda: LambdaClient;
  readonly cognito: CognitoIdentityProviderClient;
  readonly secrets: SecretsManagerClient;
}

/** Each client is traced by X-Ray, a subsegment per call, when tracing is on (on Lambda). */
export function awsClients(given: Partial<AwsClients> = {}): AwsClients {
  return {
    dynamo: given.dynamo ?? documentClientOf(traced(new DynamoDBClient({}))),
    sfn: given.sfn ?? traced(new SFNClient({})),
    // The Data API cancels a statement after 45 s; the SDK must wait longer than that to see why.
    // maxAttempts 1 for the whole client, not per command: the SDK would resend an ExecuteStatement or
    // CommitTransaction whose answer was lost, which could apply a change twice. BeginTransaction and
    // RollbackTransaction lose nothing by it: the runner and the workflow decide every retry
    // (functions/adapters/sql-runner.ts), and this client serves nothing else.
    rdsData: given.rdsData ?? traced(new RDSDataClient({ maxAttempts: 1, requestHandler: { requestTimeout: 60_000 } })),
    lambda: given.lambda ?? traced(new LambdaClient({})),
    cognito: given.cognito ?? traced(new CognitoIdentityProviderClient({})),
    secrets: given.secrets ?? traced(new SecretsManagerClient({})),
  };
}

export interface DepsOverrides extends Partial<Deps> {
  /** Clients to use instead of new ones (the local runtime's, which its event stream watches). */
  readonly clients?: Partial<AwsClients>;
}

/**
 * The use cases' dependencies for these settings, without Slack: jobs go to the notify function when
 * one is configured and are logged otherwise. A function that talks to Slack itself adds it on top
 * (slack-wiring.ts), so no other bundle carries Slack's client. Pure: reads no environment, keeps nothing.
 */
export function buildDeps(config: Config, overrides: DepsOverrides = {}): Deps {
  const { clients: given, ...replaced } = overrides;
  const clients = awsClients(given);
  const catalog = new DynamoCatalogStore(clients.dynamo, config.SESSIONS_TABLE);
  const log = replaced.log ?? powertoolsLog();
  const directoryTable = config.DIRECTORY === 'table' ? new DynamoDirectoryTable(clients.dynamo, config.SESSIONS_TABLE) : undefined;
  const workflow =
    replaced.workflow ??
    new StepFunctionsWorkflow(clients.sfn, { session: config.STATE_MACHINE_ARN ?? '', 'command-review': config.COMMAND_REVIEW_STATE_MACHINE_ARN ?? '' });
  const deps: Deps = {
    sessions: new DynamoSessionStore(clients.dynamo, config.SESSIONS_TABLE),
    windows: new DynamoWindowStore(clients.dynamo, config.SESSIONS_TABLE),
    catalog,
    events: new DynamoEventLog(clients.dynamo, config.EVENTS_TABLE),
    results: new DynamoResultStore(clients.dynamo, config.RESULTS_TABLE),
    workflow,
    runs: config.RUN_FUNCTION_NAME ? new LambdaCommandRuns(clients.lambda, config.RUN_FUNCTION_NAME) : new WorkflowCommandRuns(workflow),
    sql: new DataApiSqlRunner(clients.rdsData),
    sqlClassifier: parserSqlClassifier,
    previewer: new DataApiCommandPreviewer(clients.rdsData),
    notifier: new LogNotifier(log),
    notifications: config.NOTIFY_FUNCTION_NAME
      ? new LambdaNotificationQueue(clients.lambda, config.NOTIFY_FUNCTION_NAME)
      : new InlineNotificationQueue((job) => runNotificationJob(deps, job), log),
    ...(config.DIRECTORY === 'token' ? {} : { directory: directoryTable ?? new CognitoDirectory(clients.cognito, config.DIRECTORY_USER_POOL_ID ?? '') }),
    ...(directoryTable ? { directoryTable } : {}),
    clock: { now: () => new Date() },
    log,
    metrics: emfSessionMetrics(),
    newId: randomUUID,
    roles: roleGroups(config),
    maxRows: config.RESULT_MAX_ROWS,
    runClaimSeconds: config.RUN_CLAIM_SECONDS,
    ...replaced,
  };
  return deps;
}

/** Everything one deployment of the handlers runs on. */
export interface Composition {
  /** The settings it was built from; the audit evidence side reads its own from them (evidence-wiring.ts). */
  readonly environment: Environment;
  readonly config: Config;
  readonly clients: AwsClients;
  readonly secrets: SecretStore;
  readonly deps: Deps;
  /** Stand-ins for the evidence bucket, signing key and table export (local runtime); unset uses S3, KMS, PITR. */
  readonly evidenceAdapters?: EvidenceAdapters;
  /** Stand-ins for the webhook delivery queue (local runtime); unset uses SQS. */
  readonly webhookAdapters?: WebhookAdapters;
  /** The local runtime's token verifier for opening WebSocket connections; unset verifies against the issuer. */
  readonly pushAdapters?: PushAdapters;
}

export interface CompositionOverrides extends DepsOverrides {
  readonly evidenceAdapters?: EvidenceAdapters;
  readonly webhookAdapters?: WebhookAdapters;
  readonly pushAdapters?: PushAdapters;
}

/** Validates the settings (throwing with the variable's name) and builds a composition on them. */
export function compose(environment: Environment, overrides: CompositionOverrides = {}): Composition {
  const { evidenceAdapters, webhookAdapters, pushAdapters, clients: given, ...replaced } = overrides;
  const config = loadConfig(environment);
  const clients = awsClients(given);
  const secrets = new SecretStore(clients.secrets);
  return {
    environment,
    config,
    clients,
    secrets,
    deps: buildDeps(config, { ...replaced, clients }),
    ...(evidenceAdapters ? { evidenceAdapters } : {}),
    ...(webhookAdapters ? { webhookAdapters } : {}),
    ...(pushAdapters ? { pushAdapters } : {}),
  };
}

const invocation = new AsyncLocalStorage<Composition>();
/** A Lambda's own composition: built at the first invocation of its cold start, never rebuilt. */
let coldStart: Composition | undefined;

/** The composition of the invocation in progress. */
export function composition(): Composition {
  return invocation.getStore() ?? (coldStart ??= compose(functionEnvironment()));
}

/**
 * A side of the product's dependencies (evidence, webhooks, push) built from the invocation's
 * composition on first use, and once per composition: a composition that is dropped takes them with it.
 */
export function perComposition<T>(build: (current: Composition) => T): () => T {
  const built = new WeakMap<Composition, T>();
  return () => {
    const current = composition();
    let value = built.get(current);
    if (value === undefined) {
      value = build(current);
      built.set(current, value);
    }
    return value;
  };
}

/** The use cases' dependencies for the invocation in progress. */
export const deps = (): Deps => composition().deps;

/** The secrets of the invocation in progress, cached per composition. */
export const secrets = (): SecretStore => composition().secrets;

/** The validated settings of the invocation in progress. */
export const settings = (): Config => composition().config;

/**
 * The handler, run in the given composition at every invocation, however it is reached (HTTP, the
 * workflow runner, a Lambda Invoke); the promise lets a runtime bind handlers before it has built
 * the composition they run in.
 */
export function inComposition<E, C, R>(
  target: Composition | Promise<Composition>,
  handler: (event: E, context: C) => Promise<R>,
): (event: E, context: C) => Promise<R> {
  return async (event, context) => invocation.run(await target, () => handler(event, context));
}
