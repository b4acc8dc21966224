import { createHash } from 'node:crypto';
import { BeginTransactionCommand, CommitTransactionCommand, DatabaseErrorException, DatabaseResumingException, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand } from '@aws-sdk/client-rds-data';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commandDigest, type SqlParameter } from '../../../functions/domain/session';
import { stubHandlerEnv } from '../../fixtures/handler-env';
import { ordersResource } from '../../fixtures/resource';
import { sessionRead } from '../../fixtures/session-item';

const dynamo = mockClient(DynamoDBDocumentClient);
const rds = mockClient(RDSDataClient);
const ID = '5a1f7c52-1d55-4c43-9a0e-6b1f9b0c2d11';
const command = 'select id from customers limit 2';

const approved = {
  pk: `SESSION#${ID}`,
  sk: 'META',
  id: ID,
  status: 'approved',
  requester: { sub: 'a', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
  resource: { id: 'postgres-demo', name: 'Orders', type: 'postgres', database: 'orders' },
  command,
  commandSha256: createHash('sha256').update(command).digest('hex'),
  approvals: [],
};
const resource = {
  pk: 'RESOURCE#postgres-demo',
  sk: 'META',
  record: ordersResource(),
};

let handler: typeof import('../../../functions/workflow/execute').handler;

beforeAll(async () => {
  stubHandlerEnv();
  ({ handler } = await import('../../../functions/workflow/execute'));
});

beforeEach(() => {
  dynamo.reset();
  rds.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [approved] });
  dynamo.on(GetCommand, { Key: { pk: 'RESOURCE#postgres-demo', sk: 'META' } }).resolves({ Item: resource });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({ Attributes: { ...approved, status: 'running' } });
  rds.on(BeginTransactionCommand).resolves({ transactionId: 'tx-1' });
  rds.on(CommitTransactionCommand).resolves({});
  rds.on(RollbackTransactionCommand).resolves({});
});

const run = () => handler({ sessionId: ID }, {} as never);

describe('Execute task', () => {
  it('runs the approved command through the Data API against the resource\'s cluster and secret', async () => {
    rds.on(ExecuteStatementCommand).resolves({
      columnMetadata: [{ name: 'id', label: 'id', typeName: 'int4' }],
      records: [[{ longValue: 1 }], [{ longValue: 2 }]],
    });

    await expect(run()).resolves.toEqual({ status: 'done' });

    expect(rds.commandCalls(ExecuteStatementCommand)[0].args[0].input).toEqual({
      resourceArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf',
      database: 'orders',
      transactionId: 'tx-1',
      sql: command,
      includeResultMetadata: true,
    });
    const stored = dynamo.commandCalls(PutCommand, { TableName: 'results' })[0].args[0].input.Item;
    expect(stored).toMatchObject({ pk: `SESSION#${ID}`, sk: 'CHUNK#0000', count: 1 });
  });

  it('binds the approved parameters as Data API parameters, blobs as bytes, under the digest of command and parameters', async () => {
    // Prepare
    const sql = 'select id from customers where id = :p1 and name = :p2 and photo = :p3';
    const parameters = [
      { name: 'p1', value: { longValue: 7 } },
      { name: 'p2', value: { stringValue: 'Ada' } },
      { name: 'p3', value: { blobValue: Buffer.from('hi').toString('base64') } },
      { name: 'p4', value: { stringValue: '1.50' }, typeHint: 'DECIMAL' },
    ];
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({
      Items: [{ ...approved, command: sql, parameters, commandSha256: commandDigest(sql, parameters as SqlParameter[]) }],
    });
    rds.on(ExecuteStatementCommand).resolves({ columnMetadata: [{ name: 'id', label: 'id', typeName: 'int4' }], records: [[{ longValue: 7 }]] });
    // Act
    await expect(run()).resolves.toEqual({ status: 'done' });
    // Assess
    const input = rds.commandCalls(ExecuteStatementCommand)[0].args[0].input;
    expect(input.sql).toBe(sql);
    expect(input.parameters).toEqual([
      { name: 'p1', value: { longValue: 7 } },
      { name: 'p2', value: { stringValue: 'Ada' } },
      { name: 'p3', value: { blobValue: Buffer.from('hi') } },
      { name: 'p4', value: { stringValue: '1.50' }, typeHint: 'DECIMAL' },
    ]);
  });

  it('refuses to run when a parameter differs from the approved one, though the SQL is the same', async () => {
    const sql = 'delete from orders where id = :p1';
    const approvedParameters = [{ name: 'p1', value: { longValue: 7 } }];
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({
      Items: [{ ...approved, command: sql, parameters: [{ name: 'p1', value: { longValue: 8 } }], commandSha256: commandDigest(sql, approvedParameters as SqlParameter[]) }],
    });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...approved, status: 'failed', error: { code: 'command_integrity' } } });
    await expect(run()).resolves.toEqual({ status: 'failed' });
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });

  it('refuses to run a command whose SHA-256 no longer matches the approved one', async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ ...approved, command: `${command}; drop table customers` }] });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...approved, status: 'failed', error: { code: 'command_integrity' } } });

    await expect(run()).resolves.toEqual({ status: 'failed' });

    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
    const failure = dynamo.commandCalls(UpdateCommand)[0].args[0].input;
    expect(failure.ExpressionAttributeValues).toMatchObject({ ':final': 'failed', ':detail': { code: 'command_integrity' } });
  });

  it('hands a transient error back to the workflow for a retry, returning the session to approved', async () => {
    rds.on(ExecuteStatementCommand).rejects(new DatabaseResumingException({ message: 'resuming', $metadata: {} }));

    await expect(run()).rejects.toMatchObject({ name: 'TransientDatabaseError' });

    const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates.at(-1)).toMatchObject({ ConditionExpression: expect.stringContaining('#status = :running'), ExpressionAttributeValues: { ':approved': 'approved' } });
  });

  it('records a SQL error by its SQLSTATE without the database\'s words, which go to the results table; nothing is retried', async () => {
    const message = 'ERROR: invalid input syntax for type integer: "Amélie van Rossum"; SQLState: 22P02';
    rds.on(ExecuteStatementCommand).rejects(new DatabaseErrorException({ message, $metadata: {} }));
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...approved, status: 'failed', error: { code: '22P02' } } });

    await expect(run()).resolves.toEqual({ status: 'failed' });

    const failure = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input).find((input) => input.ExpressionAttributeValues?.[':final'] === 'failed');
    expect(failure?.ExpressionAttributeValues?.[':detail']).toMatchObject({ code: '22P02' });
    expect(JSON.stringify(failure)).not.toContain('Amélie');
    expect(dynamo.commandCalls(PutCommand, { TableName: 'results' })[0].args[0].input.Item).toMatchObject({ pk: `SESSION#${ID}`, sk: 'FAILURE', code: '22P02', message });
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(1);
  });

  it('does nothing for a session that is not approved (already ran, or never will)', async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ ...approved, status: 'done' }] });
    await expect(run()).resolves.toEqual({ status: 'done' });
    expect(rds.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });
});
