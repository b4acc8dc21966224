/**
 * The Data API as these tests drive it: the real RDSDataClient pointed at a local server, and each call
 * with its cluster and secret filled in, so a test says only what differs.
 */
import {
  BatchExecuteStatementCommand,
  type BatchExecuteStatementCommandInput,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';

export type DataApiFailure = Error & { $metadata?: { httpStatusCode?: number } };

/** The error a call fails with; a call that succeeds fails the test. */
export async function failure(call: Promise<unknown>): Promise<DataApiFailure> {
  try {
    await call;
  } catch (err) {
    return err as DataApiFailure;
  }
  throw new Error('expected the call to fail');
}

/** A local cluster's ARN and its secret's, named `name` (the stand-in serves a backend under any such pair). */
export const localCluster = (name: string) => ({
  cluster: `arn:aws:rds:us-east-1:123456789012:cluster:${name}`,
  secret: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
});

/** `maxAttempts` 1: the SDK resends nothing, as the product's own client; unset: the SDK's default retries. */
export const dataApiClient = (url: string, maxAttempts?: number): RDSDataClient =>
  new RDSDataClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });

/**
 * The calls on one cluster. `client` is read at each call (a file's client exists once its beforeAll has
 * run); every call takes another client as its last argument.
 */
export function callsOn(client: () => RDSDataClient, cluster: string, secret: string) {
  const target = { resourceArn: cluster, secretArn: secret };
  return {
    exec: (sql: string, extra: Partial<ExecuteStatementCommandInput> = {}, via = client()) => via.send(new ExecuteStatementCommand({ ...target, sql, ...extra })),
    batch: (sql: string, parameterSets: BatchExecuteStatementCommandInput['parameterSets'], via = client()) =>
      via.send(new BatchExecuteStatementCommand({ ...target, sql, parameterSets })),
    begin: async (extra: { database?: string } = {}, via = client()) => (await via.send(new BeginTransactionCommand({ ...target, ...extra }))).transactionId!,
    commit: (transactionId: string | undefined, via = client()) => via.send(new CommitTransactionCommand({ ...target, transactionId })),
    rollback: (transactionId: string | undefined, via = client()) => via.send(new RollbackTransactionCommand({ ...target, transactionId })),
  };
}
