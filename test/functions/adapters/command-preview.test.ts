/**
 * How the previewer bounds a MySQL-family dry run, against a mocked RDS Data API: MariaDB statements
 * carry their own `max_statement_time`; on MySQL (Aurora MySQL), which has no server timeout for
 * writes, a statement past its deadline is stopped with `KILL QUERY` on the transaction's connection,
 * sent outside the transaction. The MariaDB case runs against a real server in test/e2e/preview.test.ts.
 */
import {
  BeginTransactionCommand,
  DatabaseErrorException,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DataApiCommandPreviewer } from '../../../functions/adapters/command-preview';

const rds = mockClient(RDSDataClient);
const client = new RDSDataClient({ region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const target = {
  type: 'mysql' as const,
  clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf',
  database: 'orders',
};
const TX = 'tx-1';
const THREAD = 4711;

/** A MySQL-family server as the Data API shows it: the version given, an InnoDB table, and a delete that waits for a lock until it is killed. */
function server(version: string) {
  let killed: (() => void) | undefined;
  const order: string[] = [];
  rds.on(RollbackTransactionCommand).callsFake(async () => {
    order.push('rollback sent');
    return { transactionStatus: 'Rollback Complete' };
  });
  rds.on(ExecuteStatementCommand).callsFake(async (input: ExecuteStatementCommandInput) => {
    const sql = input.sql ?? '';
    if (sql === 'SELECT CONNECTION_ID(), VERSION()') return { records: [[{ longValue: THREAD }, { stringValue: version }]] };
    if (sql.startsWith('SELECT engine')) return { records: [[{ stringValue: 'InnoDB' }, { booleanValue: false }]] };
    if (sql === `KILL QUERY ${THREAD}`) {
      killed?.();
      // The kill's own answer comes after the killed statement's.
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('kill answered');
      return {};
    }
    if (sql.includes('delete from orders')) {
      // Held by another session's row lock: it ends only when the statement is killed.
      await new Promise<void>((resolve) => (killed = resolve));
      throw new DatabaseErrorException({ message: 'Query execution was interrupted; SQLState: 70100', $metadata: {} });
    }
    throw new Error(`unexpected statement ${sql}`);
  });
  return order;
}

const executed = () => rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input);

beforeEach(() => {
  // Prepare
  rds.reset();
  rds.on(BeginTransactionCommand).resolves({ transactionId: TX });
  rds.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
});

describe('DataApiCommandPreviewer on MySQL engines', () => {
  it('on MySQL, kills a dry-run statement past its deadline from outside the transaction, then rolls back', async () => {
    // Prepare
    const order = server('8.0.mysql_aurora.3.05.2');
    const previewer = new DataApiCommandPreviewer(client, 20, 60_000);
    // Act
    const preview = await previewer.preview(target, 'delete from orders where id = 1');
    // Assess
    expect(preview.skipped).toBe('the preview failed (70100); nothing was counted');
    const kill = executed().find((input) => input.sql === `KILL QUERY ${THREAD}`);
    expect(kill).toEqual({ resourceArn: target.clusterArn, secretArn: target.secretArn, database: 'orders', sql: `KILL QUERY ${THREAD}` });
    expect(executed().find((input) => input.sql === 'delete from orders where id = 1')?.transactionId).toBe(TX);
    // The connection goes back to the Data API's pool only once the kill has landed, so it can stop no one else's statement.
    expect(order).toEqual(['kill answered', 'rollback sent']);
  });

  it('on MariaDB, has the server stop each statement itself: SET STATEMENT max_statement_time, no KILL', async () => {
    // Prepare: this server answers a write at once.
    server('10.11.18-MariaDB-0+deb12u1');
    rds.on(ExecuteStatementCommand, { sql: 'SET STATEMENT max_statement_time=5 FOR delete from orders where id = 1' }).resolves({ numberOfRecordsUpdated: 1 });
    const previewer = new DataApiCommandPreviewer(client, 5000, 60_000);
    // Act
    const preview = await previewer.preview(target, 'delete from orders where id = 1');
    // Assess
    expect(preview).toEqual({ statements: [{ kind: 'write', tables: ['orders'], flags: [], rowsAffected: 1 }], rowsAffected: 1 });
    expect(executed().map((input) => input.sql)).not.toContain(`KILL QUERY ${THREAD}`);
    expect(rds.commandCalls(RollbackTransactionCommand)).toHaveLength(1);
  });
});
