/**
 * The SQL runner against a mocked RDS Data API: every command runs in its own transaction, each
 * failure is classified by what it proves about the command, and nothing is ever sent twice.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  DatabaseResumingException,
  ExecuteStatementCommand,
  InternalServerErrorException,
  RDSDataClient,
  RollbackTransactionCommand,
  ServiceUnavailableError,
  StatementTimeoutException,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DataApiSqlRunner } from '../../../functions/adapters/sql-runner';
import { OUTCOME_UNKNOWN, OutcomeUnknownError, RowLimitExceededError, SqlError, TransientDatabaseError } from '../../../functions/domain/execution';

const rds = mockClient(RDSDataClient);
// The client as functions/wiring.ts builds it: the SDK resends nothing.
const runner = new DataApiSqlRunner(new RDSDataClient({ region: 'eu-west-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const target = {
  type: 'postgres' as const,
  clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:orders',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf',
  database: 'orders',
};
const where = { resourceArn: target.clusterArn, secretArn: target.secretArn };
const TX = 'tx-1';

/** The Data API operations sent, in order. */
const sent = () => rds.calls().map((call) => (call.args[0] as object).constructor.name.replace('Command', ''));
const lostResponse = () => Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET', $retryable: { throttling: false } });

beforeEach(() => {
  // Prepare
  rds.reset();
  rds.on(BeginTransactionCommand).resolves({ transactionId: TX });
  rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 1 });
  rds.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
  rds.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
});

describe('DataApiSqlRunner', () => {
  it('runs the command inside one transaction: begin, execute in it, commit', async () => {
    // Prepare
    rds.on(ExecuteStatementCommand).resolves({ columnMetadata: [{ name: 'n', label: 'n', typeName: 'int8' }], records: [[{ longValue: 3 }], [{ longValue: 4 }]] });
    // Act
    const result = await runner.run(target, 'select n from t', 1);
    // Assess
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'CommitTransaction']);
    expect(rds.commandCalls(BeginTransactionCommand)[0].args[0].input).toEqual({ ...where, database: 'orders' });
    expect(rds.commandCalls(ExecuteStatementCommand)[0].args[0].input).toEqual({ ...where, database: 'orders', transactionId: TX, sql: 'select n from t', includeResultMetadata: true });
    expect(rds.commandCalls(CommitTransactionCommand)[0].args[0].input).toEqual({ ...where, transactionId: TX });
    expect(result).toEqual({ columns: [{ name: 'n', type: 'int8' }], rows: [[3]], rowCount: 2, truncated: true });
  });

  it('reports a write\'s updated-row count', async () => {
    await expect(runner.run(target, 'update t set n = 1', 10)).resolves.toMatchObject({ rowCount: 0, recordsUpdated: 1 });
  });

  it('hands back a paused database as never started, from BeginTransaction or ExecuteStatement', async () => {
    // Prepare
    rds.on(BeginTransactionCommand).rejectsOnce(new DatabaseResumingException({ message: 'resuming', $metadata: {} }));
    // Act + Assess: the first call fails before anything was sent, the second once the statement was refused.
    await expect(runner.run(target, 'insert into t values (1)', 10)).rejects.toBeInstanceOf(TransientDatabaseError);
    expect(sent()).toEqual(['BeginTransaction']);

    rds.reset();
    rds.on(BeginTransactionCommand).resolves({ transactionId: TX });
    rds.on(ExecuteStatementCommand).rejects(new DatabaseResumingException({ message: 'resuming', $metadata: {} }));
    rds.on(RollbackTransactionCommand).resolves({});
    await expect(runner.run(target, 'insert into t values (1)', 10)).rejects.toBeInstanceOf(TransientDatabaseError);
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'RollbackTransaction']);
  });

  it('tries BeginTransaction again later when the service was unavailable: the command was not sent yet', async () => {
    rds.on(BeginTransactionCommand).rejects(new ServiceUnavailableError({ message: 'unavailable', $metadata: {} }));
    await expect(runner.run(target, 'insert into t values (1)', 10)).rejects.toBeInstanceOf(TransientDatabaseError);
    expect(sent()).toEqual(['BeginTransaction']);
  });

  it.each([
    ['InternalServerErrorException', () => new InternalServerErrorException({ message: 'internal', $metadata: {} })],
    ['a lost response flagged $retryable', lostResponse],
    ['StatementTimeoutException', () => new StatementTimeoutException({ message: 'timed out', $metadata: {} })],
  ])('treats %s from ExecuteStatement as a rollback, not a retry: rolls back and never commits', async (_, failure) => {
    // Prepare
    rds.on(ExecuteStatementCommand).rejects(failure());
    // Act
    const error = await runner.run(target, 'insert into t values (1)', 10).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(SqlError);
    expect(error).not.toBeInstanceOf(TransientDatabaseError);
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'RollbackTransaction']);
    expect(rds.commandCalls(RollbackTransactionCommand)[0].args[0].input).toEqual({ ...where, transactionId: TX });
  });

  it('codes a database refusal by its SQLSTATE and keeps the database\'s words for the requester', async () => {
    // Prepare
    const message = 'ERROR: invalid input syntax for type integer: "Amélie van Rossum"; SQLState: 22P02';
    rds.on(ExecuteStatementCommand).rejects(new DatabaseErrorException({ message, $metadata: {} }));
    // Act
    const error = (await runner.run(target, 'select cast(name as int) from customers', 10).catch((e: unknown) => e)) as SqlError;
    // Assess
    expect(error).toBeInstanceOf(SqlError);
    expect(error.code).toBe('22P02');
    expect(error.message).toBe(message);
  });

  it('still reports the refusal when the rollback fails too (the Data API rolls the idle transaction back)', async () => {
    rds.on(ExecuteStatementCommand).rejects(new DatabaseErrorException({ message: 'ERROR: boom; SQLState: 42P01', $metadata: {} }));
    rds.on(RollbackTransactionCommand).rejects(lostResponse());
    await expect(runner.run(target, 'select * from nope', 10)).rejects.toMatchObject({ name: 'SqlError', code: '42P01' });
    expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(0);
  });

  it('reports a lost CommitTransaction answer as outcome unknown, once, never as retryable', async () => {
    // Prepare
    rds.on(CommitTransactionCommand).rejects(lostResponse());
    // Act
    const error = (await runner.run(target, 'insert into t values (1)', 10).catch((e: unknown) => e)) as OutcomeUnknownError;
    // Assess
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error.code).toBe(OUTCOME_UNKNOWN);
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'CommitTransaction']);
  });

  it('reports an InternalServerErrorException from CommitTransaction as outcome unknown too', async () => {
    rds.on(CommitTransactionCommand).rejects(new InternalServerErrorException({ message: 'internal', $metadata: {} }));
    await expect(runner.run(target, 'insert into t values (1)', 10)).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(1);
  });

  it('reports a commit the database refused as a rollback with its SQLSTATE', async () => {
    rds.on(CommitTransactionCommand).rejects(new DatabaseErrorException({ message: 'ERROR: deferred constraint; SQLState: 23503', $metadata: {} }));
    await expect(runner.run(target, 'insert into t values (1)', 10)).rejects.toMatchObject({ name: 'SqlError', code: '23503' });
  });
});

describe('DataApiSqlRunner, scripts and the row ceiling', () => {
  const statementsSent = () => rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input.sql);

  it('runs each statement of a script as its own ExecuteStatement, in order, in one transaction, sliced from the submitted text', async () => {
    const result = await runner.run(target, "update t set a = 'x;y' where id = 1; -- next\ndelete from t where id = 2;", 10);
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'ExecuteStatement', 'CommitTransaction']);
    expect(statementsSent()).toEqual(["update t set a = 'x;y' where id = 1", 'delete from t where id = 2']);
    expect(new Set(rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input.transactionId))).toEqual(new Set([TX]));
    expect(result.recordsUpdated).toBe(2);
  });

  it('splits a MySQL script with MySQL\'s parser', async () => {
    await runner.run({ ...target, type: 'mysql' }, 'update t set a = 1 where id = 1; delete from t where id = 2', 10);
    expect(statementsSent()).toEqual(['update t set a = 1 where id = 1', 'delete from t where id = 2']);
  });

  it('sends each statement only the parameters it names', async () => {
    const p = (name: string, longValue: number) => ({ name, value: { longValue } });
    await runner.run(target, 'update t set a = :a where id = :id; delete from t where id = :gone', 10, [p('a', 1), p('id', 2), p('gone', 3)]);
    expect(rds.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input.parameters?.map((x) => x.name))).toEqual([['a', 'id'], ['gone']]);
  });

  it('rolls the whole script back when a later statement fails, and commits nothing', async () => {
    rds.on(ExecuteStatementCommand).resolvesOnce({ numberOfRecordsUpdated: 1 }).rejectsOnce(new DatabaseErrorException({ message: 'ERROR: relation "nope" does not exist; SQLState: 42P01', $metadata: {} }));
    await expect(runner.run(target, 'delete from t where id = 1; delete from nope', 10)).rejects.toMatchObject({ name: 'SqlError', code: '42P01' });
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'ExecuteStatement', 'RollbackTransaction']);
  });

  it('rolls back and reports the counts when the statements change more rows than the ceiling', async () => {
    rds.on(ExecuteStatementCommand).resolvesOnce({ numberOfRecordsUpdated: 8 }).resolvesOnce({ numberOfRecordsUpdated: 4 });
    const error = await runner.run(target, 'delete from t where a = 1; delete from t where a = 2', 10, undefined, { rowLimit: 11 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RowLimitExceededError);
    expect(error).toMatchObject({ code: 'row_limit_exceeded', rowsChanged: 12, rowLimit: 11 });
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'ExecuteStatement', 'RollbackTransaction']);
  });

  it('commits a command that changes exactly its ceiling', async () => {
    rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 11 });
    await expect(runner.run(target, 'delete from t where a = 1', 10, undefined, { rowLimit: 11 })).resolves.toMatchObject({ recordsUpdated: 11 });
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'CommitTransaction']);
  });

  it('sends text the parser refuses as it was submitted, in one call, for the database to refuse', async () => {
    rds.on(ExecuteStatementCommand).rejects(new DatabaseErrorException({ message: 'ERROR: syntax error; SQLState: 42601', $metadata: {} }));
    await expect(runner.run(target, 'delete frm t; select 1', 10)).rejects.toMatchObject({ code: '42601' });
    expect(statementsSent()).toEqual(['delete frm t; select 1']);
  });
});

describe('DataApiSqlRunner, statements MySQL commits on its own', () => {
  const mysqlTarget = { ...target, type: 'mysql' as const };

  it('reports a lone MySQL DDL statement whose answer is lost as outcome unknown, sent once, never a rollback', async () => {
    // Prepare
    rds.on(ExecuteStatementCommand).rejects(lostResponse());
    // Act
    const error = (await runner.run(mysqlTarget, 'create table audit_copy (id int)', 10).catch((e: unknown) => e)) as OutcomeUnknownError;
    // Assess
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).toMatchObject({ code: OUTCOME_UNKNOWN, because: 'self_commit_lost' });
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'RollbackTransaction']);
  });

  it('does the same for an InternalServerErrorException, a StatementTimeoutException and text the parser cannot read', async () => {
    for (const [failure, sql] of [
      [new InternalServerErrorException({ message: 'internal', $metadata: {} }), 'alter table orders add column note text'],
      [new StatementTimeoutException({ message: 'timed out', $metadata: {} }), 'drop table orders'],
      [lostResponse(), 'create evnt tidy on schedule every 1 day do delete from orders'],
    ] as const) {
      rds.reset();
      rds.on(BeginTransactionCommand).resolves({ transactionId: TX });
      rds.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
      rds.on(ExecuteStatementCommand).rejects(failure);
      await expect(runner.run(mysqlTarget, sql, 10), sql).rejects.toBeInstanceOf(OutcomeUnknownError);
    }
  });

  it('reports a MySQL DDL statement the database refused as outcome unknown, the refusal kept for the requester: MySQL may have applied part of it', async () => {
    const message = "Unknown table 'shop.gone'; SQLState: 42S02";
    rds.on(ExecuteStatementCommand).rejects(new DatabaseErrorException({ message, $metadata: {} }));
    const error = await runner.run(mysqlTarget, 'drop table orders, gone', 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(error).toMatchObject({ because: 'self_commit_refused', databaseError: { name: 'SqlError', code: '42S02', message } });
  });

  it('still reports a lost answer for a MySQL write, and for PostgreSQL DDL, as rolled back: the transaction covers them', async () => {
    rds.on(ExecuteStatementCommand).rejects(lostResponse());
    await expect(runner.run(mysqlTarget, 'delete from orders where id = 1', 10)).rejects.toBeInstanceOf(SqlError);
    await expect(runner.run(target, 'create table audit_copy (id int)', 10)).rejects.toBeInstanceOf(SqlError);
  });

  it('reports a MySQL DDL statement that answered as applied, though it changed more rows than the ceiling or its commit failed: no rollback can undo it', async () => {
    // CREATE TABLE … AS SELECT counts the rows it copies, and MySQL has committed it when it answers.
    rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 3000 });
    await expect(runner.run(mysqlTarget, 'create table orders_copy as select * from orders', 10, undefined, { rowLimit: 10 })).resolves.toMatchObject({ recordsUpdated: 3000 });
    expect(sent()).toEqual(['BeginTransaction', 'ExecuteStatement', 'CommitTransaction']);
    rds.on(CommitTransactionCommand).rejects(lostResponse());
    await expect(runner.run(mysqlTarget, 'create table orders_copy as select * from orders', 10)).resolves.toMatchObject({ recordsUpdated: 3000 });
    // The same counts for PostgreSQL DDL are held to the ceiling: its transaction covers them.
    await expect(runner.run(target, 'create table orders_copy as select * from orders', 10, undefined, { rowLimit: 10 })).rejects.toBeInstanceOf(RowLimitExceededError);
  });

  it('refuses a MySQL script holding DDL before sending anything', async () => {
    const error = await runner.run(mysqlTarget, 'insert into orders (id) values (1); create table audit_copy (id int)', 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlError);
    expect(error).toMatchObject({ code: 'mysql_ddl_in_script', message: expect.stringMatching(/^Statement 2 of 2 is ddl/) });
    expect(sent()).toEqual([]);
  });
});
