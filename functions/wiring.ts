/**
 * The composition root of every Lambda: builds the use cases' dependencies once per process from the
 * validated configuration. The same code runs locally, where only the endpoints differ (set through the
 * SDK's AWS_ENDPOINT_URL_* variables by infra/local/main.ts); no domain or handler code asks which
 * runtime it is on.
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoCatalogStore } from './adapters/catalog-store';
import { CognitoDirectory } from './adapters/cognito-directory';
import { DynamoDirectoryTable } from './adapters/directory-table';
import { documentClient } from './adapters/dynamodb';
import { DynamoEventLog } from './adapters/event-log';
import { LogNotifier } from './adapters/log-notifier';
import { DynamoNotificationLedger } from './adapters/notification-ledger';
import { InlineNotificationQueue, LambdaNotificationQueue } from './adapters/notification-queue';
import { DynamoResultStore } from './adapters/result-store';
import { DynamoSessionStore } from './adapters/session-store';
import { forgetSecret, secretString } from './adapters/secrets';
import { SlackApi, SlackNotifier } from './adapters/slack';
import { DataApiSqlRunner } from './adapters/sql-runner';
import { StepFunctionsWorkflow } from './adapters/workflow';
import { runNotificationJob } from './app/notifications';
import type { Deps } from './app/ports';
import { config, roleGroups } from './config';

let built: Deps | undefined;

export function deps(): Deps {
  if (built) return built;
  const env = config();
  const catalog = new DynamoCatalogStore(documentClient, env.SESSIONS_TABLE);
  const tokenSecret = env.SLACK_BOT_TOKEN_SECRET_ARN;
  const slack = tokenSecret
    ? new SlackApi({ token: () => secretString(tokenSecret), tokenRefused: () => forgetSecret(tokenSecret), apiUrl: env.SLACK_API_URL, timeoutMs: env.SLACK_TIMEOUT_MS })
    : undefined;
  const directoryTable = env.DIRECTORY === 'table' ? new DynamoDirectoryTable(documentClient, env.SESSIONS_TABLE) : undefined;
  built = {
    sessions: new DynamoSessionStore(documentClient, env.SESSIONS_TABLE),
    catalog,
    events: new DynamoEventLog(documentClient, env.EVENTS_TABLE),
    results: new DynamoResultStore(documentClient, env.RESULTS_TABLE),
    workflow: new StepFunctionsWorkflow(new SFNClient({}), env.STATE_MACHINE_ARN ?? ''),
    // The Data API cancels a statement after 45 s; the SDK must wait longer than that to see why.
    sql: new DataApiSqlRunner(new RDSDataClient({ requestHandler: { requestTimeout: 60_000 } })),
    // Slack when configured; otherwise approvers find reviews in the web UI, the CLI or GET /reviews.
    notifier: slack
      ? new SlackNotifier(slack, catalog, new DynamoNotificationLedger(documentClient, env.SESSIONS_TABLE), {
          webUrl: env.WEB_URL,
          defaultChannel: env.SLACK_DEFAULT_CHANNEL ?? '',
        })
      : new LogNotifier(),
    notifications: env.NOTIFY_FUNCTION_NAME
      ? new LambdaNotificationQueue(new LambdaClient({}), env.NOTIFY_FUNCTION_NAME)
      : new InlineNotificationQueue((job) => runNotificationJob(deps(), job)),
    directory: directoryTable ?? new CognitoDirectory(new CognitoIdentityProviderClient({}), env.DIRECTORY_USER_POOL_ID ?? ''),
    ...(directoryTable ? { directoryTable } : {}),
    ...(slack ? { chat: slack } : {}),
    clock: { now: () => new Date() },
    newId: randomUUID,
    roles: roleGroups(),
    maxRows: env.RESULT_MAX_ROWS,
  };
  return built;
}
