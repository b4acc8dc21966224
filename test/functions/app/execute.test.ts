/**
 * The Execute use case against in-memory fakes of its ports: each way a run can end becomes a final
 * session state that tells the truth, the record never holds the database's words, and nothing is sent
 * twice.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { execute } from '../../../functions/app/workflow-tasks';
import { verifyChain } from '../../../functions/domain/audit-chain';
import { OUTCOME_UNKNOWN, OutcomeUnknownError, SqlError, TransientDatabaseError } from '../../../functions/domain/execution';
import { approvedSession, executeDeps, ScriptedSqlRunner } from './execution-fakes';

const ID = 'session-1';
const ROW_DATA = 'Amélie van Rossum';

function setUp(answers: ConstructorParameters<typeof ScriptedSqlRunner>[0], command = 'insert into audit_probe values (1)') {
  const sql = new ScriptedSqlRunner(answers);
  const world = executeDeps(sql);
  world.sessions.items.set(ID, approvedSession(ID, command));
  const types = async () => (await world.events.list(sessionStream(ID))).map((event) => event.type);
  const chainProblems = async () => verifyChain(sessionStream(ID), await world.events.list(sessionStream(ID)));
  return { ...world, sql, types, chainProblems };
}

describe('execute', () => {
  it('runs the approved command once and records it done', async () => {
    // Prepare
    const world = setUp([{ columns: [], rows: [], rowCount: 0, truncated: false, recordsUpdated: 1 }]);
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'done' });
    // Assess
    expect(world.sql.calls).toHaveLength(1);
    expect((await world.sessions.get(ID))?.result).toMatchObject({ recordsUpdated: 1 });
    expect(await world.types()).toEqual(['session.running', 'session.done']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('keeps a database error\'s row data out of the session and its events, and gives it to the requester through the results store', async () => {
    // Prepare
    const words = `ERROR: invalid input syntax for type integer: "${ROW_DATA}"; SQLState: 22P02`;
    const world = setUp([new SqlError(words, '22P02')], 'select cast(name as int) from customers');
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    // Assess
    const session = await world.sessions.get(ID);
    expect(session?.error?.code).toBe('22P02');
    expect(session?.error?.message).toMatch(/SQLSTATE 22P02/);
    expect(JSON.stringify(session)).not.toContain(ROW_DATA);
    expect(JSON.stringify(await world.events.list(sessionStream(ID)))).not.toContain(ROW_DATA);
    expect(await world.results.failure(ID)).toEqual({ code: '22P02', message: words });
    expect(await world.types()).toEqual(['session.running', 'session.failed']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('hands a command that never started back for the workflow\'s retry, approved again, and runs it the next time', async () => {
    // Prepare
    const world = setUp([new TransientDatabaseError('DatabaseResumingException: resuming'), { columns: [], rows: [], rowCount: 0, truncated: false, recordsUpdated: 1 }]);
    // Act
    await expect(execute(world.deps, ID)).rejects.toBeInstanceOf(TransientDatabaseError);
    const between = (await world.sessions.get(ID))?.status;
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'done' });
    // Assess
    expect(between).toBe('approved');
    expect(world.sql.calls).toHaveLength(2);
    expect(await world.types()).toEqual(['session.running', 'execution.retrying', 'session.running', 'session.done']);
  });

  it('records a lost commit as failed with outcome_unknown, does not throw (so nothing retries it), and never sends it again', async () => {
    // Prepare
    const world = setUp([new OutcomeUnknownError('CommitTransaction failed')]);
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    // Assess
    const session = await world.sessions.get(ID);
    expect(session?.error?.code).toBe(OUTCOME_UNKNOWN);
    expect(session?.error?.message).toMatch(/^Outcome unknown: .*commit was sent.*will not be run again.*Check the database/);
    expect(world.sql.calls).toHaveLength(1);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('fails a session found running when the task starts again (a retried Lambda) as outcome unknown, without sending the command', async () => {
    // Prepare
    const world = setUp([]);
    await world.sessions.startRunning(ID, '2026-11-30T10:04:00.000Z');
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    // Assess
    expect(world.sql.calls).toHaveLength(0);
    expect((await world.sessions.get(ID))?.error).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/interrupted/) });
  });

});
