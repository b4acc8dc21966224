/**
 * The composition root of every Lambda: builds the use cases' dependencies once per process from the
 * validated configuration. The same code runs locally, where only the endpoints differ (set through the
 * SDK's AWS_ENDPOINT_URL_* variables by infra/local/main.ts); no domain or handler code asks which
 * runtime it is on.
 */
import { randomUUID } from 'node:crypto';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoCatalogStore } from './adapters/catalog-store';
import { documentClient } from './adapters/dynamodb';
import { DynamoEventLog } from './adapters/event-log';
import { LogNotifier } from './adapters/log-notifier';
import { DynamoResultStore } from './adapters/result-store';
import { DynamoSessionStore } from './adapters/session-store';
import { DataApiSqlRunner } from './adapters/sql-runner';
import { StepFunctionsWorkflow } from './adapters/workflow';
import type { Deps } from './app/ports';
import { config, roleGroups } from './config';

let built: Deps | undefined;

export function deps(): Deps {
  if (built) return built;
  const env = config();
  built = {
    sessions: new DynamoSessionStore(documentClient, env.SESSIONS_TABLE),
    catalog: new DynamoCatalogStore(documentClient, env.SESSIONS_TABLE),
    events: new DynamoEventLog(documentClient, env.EVENTS_TABLE),
    results: new DynamoResultStore(documentClient, env.RESULTS_TABLE),
    workflow: new StepFunctionsWorkflow(new SFNClient({}), env.STATE_MACHINE_ARN ?? ''),
    // The Data API cancels a statement after 45 s; the SDK must wait longer than that to see why.
    sql: new DataApiSqlRunner(new RDSDataClient({ requestHandler: { requestTimeout: 60_000 } })),
    notifier: new LogNotifier(),
    clock: { now: () => new Date() },
    newId: randomUUID,
    roles: roleGroups(),
    maxRows: env.RESULT_MAX_ROWS,
  };
  return built;
}
