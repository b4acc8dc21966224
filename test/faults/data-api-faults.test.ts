/**
 * Data API faults on the local runtime, one per test, around the transaction every governed command
 * runs in (BeginTransaction → ExecuteStatement → CommitTransaction): before the statement runs, after
 * it ran with its answer lost, and after the commit with its answer lost. Each test counts the
 * command's rows in the database itself, checks the session's final state tells the truth, verifies
 * every event chain, and counts the calls that reached the Data API (the SDK resends nothing).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFaultQueue, type FaultInjector } from '../../infra/local/data-api/fault-queue';
import { type FaultRuntime, startFaultRuntime, UNREVIEWED } from './harness';

const queue = createFaultQueue();
/** Every Data API call that reached the stand-in, by operation. */
let seen: string[] = [];
const faults: FaultInjector = {
  next(op, sql) {
    seen.push(op);
    return queue.next(op, sql);
  },
};
/** Checks how many calls of each operation reached the stand-in: `{ ExecuteStatement: 1, CommitTransaction: 0 }`. */
function expectCalls(expected: Record<string, number>): void {
  for (const [op, count] of Object.entries(expected)) expect(seen.filter((seenOp) => seenOp === op).length, op).toBe(count);
}

let runtime: FaultRuntime;

beforeAll(async () => {
  runtime = await startFaultRuntime({ faults });
}, 120_000);

afterAll(async () => {
  await runtime?.close();
});

beforeEach(() => {
  queue.clear();
  seen = [];
});

const internalError = (after: boolean) => ({ type: 'InternalServerErrorException', message: 'An internal error occurred.', after });

describe('a Data API failure before the statement runs', () => {
  it('a paused database (DatabaseResumingException) proves it never started: it is retried and runs once', async () => {
    // Prepare
    queue.push({ type: 'DatabaseResumingException', message: 'The database is resuming.' }, 2, { op: 'ExecuteStatement' });
    // Act
    const submitted = await runtime.submit('alice', UNREVIEWED);
    // Assess
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    expectCalls({ ExecuteStatement: 3, CommitTransaction: 1 });
    const events = (await (await runtime.as('alice')).get(`/sessions/${submitted.id}`)).body.events as { type: string }[];
    expect(events.map((e) => e.type).filter((type) => type === 'execution.retrying')).toHaveLength(2);
  });

  it('BeginTransaction unavailable: the command was never sent, so it is retried and runs once', async () => {
    queue.push({ type: 'ServiceUnavailableError', message: 'Service unavailable.' }, 1, { op: 'BeginTransaction' });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    await runtime.expectTruth(submitted, { runs: 1, status: 'done' });
    expectCalls({ BeginTransaction: 2, ExecuteStatement: 1 });
  });

  it('an InternalServerErrorException proves nothing, so it is not retried: rolled back and recorded as failed', async () => {
    queue.push(internalError(false), 1, { op: 'ExecuteStatement' });
    const submitted = await runtime.submit('alice', UNREVIEWED);
    await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'InternalServerErrorException' });
    expectCalls({ ExecuteStatement: 1, CommitTransaction: 0, RollbackTransaction: 1 });
  });
});

describe('a Data API failure after the statement ran, its answer lost', () => {
  it('the statement ran in the transaction but was never committed: rolled back, 0 rows, failed', async () => {
    // Prepare
    queue.push(internalError(true), 1, { op: 'ExecuteStatement' });
    // Act
    const submitted = await runtime.submit('alice', UNREVIEWED);
    // Assess
    await runtime.expectTruth(submitted, { runs: 0, status: 'failed', errorCode: 'InternalServerErrorException' });
    expectCalls({ ExecuteStatement: 1, CommitTransaction: 0 });
  });

  it('the commit went through and its answer was lost: 1 row, failed as outcome_unknown, never re-run, said plainly to the requester', async () => {
    // Prepare
    queue.push(internalError(true), 1, { op: 'CommitTransaction' });
    // Act
    const submitted = await runtime.submit('alice', UNREVIEWED);
    // Assess
    const session = await runtime.expectTruth(submitted, { runs: 1, status: 'failed', errorCode: 'outcome_unknown' });
    expect(session.error?.message).toMatch(/^Outcome unknown: .* will not be run again/);
    expectCalls({ ExecuteStatement: 1, CommitTransaction: 1 });
    const view = await (await runtime.as('alice')).get(`/sessions/${submitted.id}`);
    expect(view.body.session.error.code).toBe('outcome_unknown');
    expect(view.body.events.map((e: { type: string }) => e.type)).toEqual(['session.requested', 'session.running', 'session.failed']);
  });
});

describe('a refused statement', () => {
  it('keeps the row data a database error quotes out of the record, and gives it to the requester alone', async () => {
    // Prepare: the value the error will quote, read from the database itself
    const database = [...runtime.stack.backends.values()][0];
    const name = String((await database.query('SELECT name FROM customers WHERE id = 1', [])).rows[0][0]);
    const alice = await runtime.as('alice');
    // Act
    const submitted = await alice.post('/sessions?wait=20', { resource: UNREVIEWED, command: 'select cast(name as int) from customers where id = 1' });
    // Assess
    const id = submitted.body.session.id as string;
    expect(submitted.body.session).toMatchObject({ status: 'failed', error: { code: '22P02' } });
    expect(submitted.body.databaseError.message).toContain(name);
    expect(JSON.stringify(submitted.body.session)).not.toContain(name);
    expect(JSON.stringify(submitted.body.events)).not.toContain(name);
    const asAuditor = await (await runtime.as('erin')).get(`/sessions/${id}`);
    expect(asAuditor.status).toBe(200);
    expect(asAuditor.body.databaseError).toBeUndefined();
    expect(JSON.stringify(asAuditor.body)).not.toContain(name);
    for (const [stream, found] of Object.entries(await runtime.chainProblems(id))) expect(found, stream).toEqual([]);
  });
});
