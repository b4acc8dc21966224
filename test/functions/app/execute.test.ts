/**
 * The Execute use case (and Record for a run cut short) against in-memory fakes of its ports: each
 * way a run can end becomes a final session state that tells the truth, the record never holds the
 * database's words, and nothing is sent twice.
 */
import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../../../functions/app/ports';
import { recordSessionEvent, sessionStream, SYSTEM } from '../../../functions/app/audit-trail';
import { execute, executeAndRecord, record } from '../../../functions/app/workflow-tasks';
import { RunInProgressError } from '../../../functions/domain/command-run';
import { verifyChain } from '../../../functions/domain/audit-chain';
import { OUTCOME_UNKNOWN, OutcomeUnknownError, SqlError, TransientDatabaseError } from '../../../functions/domain/execution';
import type { Resource } from '../../../functions/domain/resource';
import { commandDigest, type Session } from '../../../functions/domain/session';
import { ordersResource } from '../../fixtures/resource';
import { fakeDeps, ScriptedSql } from './fakes';

const ID = 'session-1';
const ROW_DATA = 'Amélie van Rossum';
const WROTE_ONE: QueryResult = { columns: [], rows: [], rowCount: 0, truncated: false, recordsUpdated: 1 };

const RESOURCE: Resource = ordersResource();

function approved(command: string): Session {
  return {
    id: ID,
    status: 'approved',
    createdAt: '2026-11-26T09:00:00.000Z',
    updatedAt: '2026-11-26T09:00:00.000Z',
    requester: { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
    resource: { id: RESOURCE.id, name: RESOURCE.name, type: RESOURCE.type, database: RESOURCE.database },
    command,
    commandSha256: commandDigest(command),
    approvalsRequired: 1,
    approvals: [],
    forced: false,
  };
}

/** A database answering each call with the next scripted outcome: a result, or an error thrown. */
async function setUp(answers: (QueryResult | Error)[], command = 'insert into audit_probe values (1)', status: Session['status'] = 'approved') {
  const sql = new ScriptedSql(() => {
    const answer = answers.shift();
    if (!answer) throw new Error('The command was sent more often than the test expects.');
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const deps = { ...fakeDeps({ resources: [RESOURCE] }), sql };
  await deps.sessions.create({ ...approved(command), status });
  const stream = sessionStream(ID);
  return { deps, sql, types: () => deps.events.types(stream), chainProblems: async () => verifyChain(stream, await deps.events.list(stream)) };
}

describe('execute', () => {
  // The workflow goes from AwaitReview to Execute whatever the review decided: Execute is the gate.
  for (const status of ['denied', 'cancelled', 'expired', 'pending_review'] as const) {
    it(`leaves a ${status} session as it is and sends nothing`, async () => {
      // Prepare
      const sql = new ScriptedSql(() => {
        throw new Error('A session that is not approved must never reach the database.');
      });
      const deps = { ...fakeDeps({ resources: [RESOURCE] }), sql };
      await deps.sessions.create({ ...approved('delete from orders'), status });
      // Closed as its writer closes it: the event of its outcome is in the record already.
      if (status === 'expired') await recordSessionEvent(deps, ID, 'session.expired', SYSTEM, {});
      const recorded = deps.events.types(sessionStream(ID));
      // Act
      await expect(execute(deps, ID)).resolves.toEqual({ status });
      // Assess
      expect(sql.runs).toHaveLength(0);
      expect((await deps.sessions.get(ID))?.status).toBe(status);
      expect(deps.events.types(sessionStream(ID))).toEqual(recorded);
    });
  }

  it('runs the approved command once and records it done', async () => {
    // Prepare
    const world = await setUp([WROTE_ONE]);
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'done' });
    // Assess
    expect(world.sql.runs).toHaveLength(1);
    expect((await world.deps.sessions.get(ID))?.result).toMatchObject({ recordsUpdated: 1 });
    expect(world.types()).toEqual(['session.running', 'session.done']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('keeps a database error\'s row data out of the session and its events, and gives it to the requester through the results store', async () => {
    // Prepare
    const words = `ERROR: invalid input syntax for type integer: "${ROW_DATA}"; SQLState: 22P02`;
    const world = await setUp([new SqlError(words, '22P02')], 'select cast(name as int) from customers');
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    // Assess
    const session = await world.deps.sessions.get(ID);
    expect(session?.error?.code).toBe('22P02');
    expect(session?.error?.message).toMatch(/SQLSTATE 22P02/);
    expect(JSON.stringify(session)).not.toContain(ROW_DATA);
    expect(JSON.stringify(world.deps.events.all())).not.toContain(ROW_DATA);
    expect(await world.deps.results.failure(ID)).toEqual({ code: '22P02', message: words });
    expect(world.types()).toEqual(['session.running', 'session.failed']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('hands a command that never started back for the workflow\'s retry, approved again, and runs it the next time', async () => {
    // Prepare
    const world = await setUp([new TransientDatabaseError('DatabaseResumingException: resuming'), WROTE_ONE]);
    // Act
    await expect(execute(world.deps, ID)).rejects.toBeInstanceOf(TransientDatabaseError);
    const between = (await world.deps.sessions.get(ID))?.status;
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'done' });
    // Assess
    expect(between).toBe('approved');
    expect(world.sql.runs).toHaveLength(2);
    expect(world.types()).toEqual(['session.running', 'execution.retrying', 'session.running', 'session.done']);
  });

  it('records a lost commit as failed with outcome_unknown, does not throw (so nothing retries it), and never sends it again', async () => {
    // Prepare
    const world = await setUp([new OutcomeUnknownError('CommitTransaction failed')]);
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    // Assess
    const session = await world.deps.sessions.get(ID);
    expect(session?.error?.code).toBe(OUTCOME_UNKNOWN);
    expect(session?.error?.message).toMatch(/^Outcome unknown: .*commit was sent.*will not be run again.*Check the database/);
    expect(world.sql.runs).toHaveLength(1);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('says, for a statement MySQL commits on its own whose answer was lost, that a rollback cannot undo it', async () => {
    const world = await setUp([new OutcomeUnknownError('ExecuteStatement failed', 'self_commit_lost')]);
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    const session = await world.deps.sessions.get(ID);
    expect(session?.error).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/^Outcome unknown: .*MySQL commits on its own.*cannot undo it.*will not be run again/) });
    expect(world.sql.runs).toHaveLength(1);
  });

  it('keeps the database\'s refusal of a statement MySQL commits on its own for the requester, and records only that its outcome is unknown', async () => {
    const refusal = new SqlError("Unknown table 'shop.gone'; SQLState: 42S02", '42S02');
    const world = await setUp([new OutcomeUnknownError('ExecuteStatement failed', 'self_commit_refused', refusal)]);
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    const session = await world.deps.sessions.get(ID);
    expect(session?.error).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/^Outcome unknown: the database refused the statement, but .*may have applied part of it/) });
    expect(JSON.stringify(session)).not.toContain('shop.gone');
    expect(await world.deps.results.failure(ID)).toEqual({ code: '42S02', message: refusal.message });
  });

  it('fails a session found running when the task starts again (a retried Lambda) as outcome unknown, without sending the command', async () => {
    // Prepare
    const world = await setUp([]);
    await world.deps.sessions.startRunning(ID, '2026-11-26T09:04:00.000Z');
    // Act
    await expect(execute(world.deps, ID)).resolves.toEqual({ status: 'failed' });
    // Assess
    expect(world.sql.runs).toHaveLength(0);
    expect((await world.deps.sessions.get(ID))?.error).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/interrupted/) });
  });
});

describe('record, after the workflow caught a failure', () => {
  it('records a session caught running as outcome unknown: its command was sent and may have been committed', async () => {
    // Prepare
    const world = await setUp([]);
    await world.deps.sessions.startRunning(ID, '2026-11-26T09:04:00.000Z');
    // Act
    await record(world.deps, { sessionId: ID, failure: { Error: 'States.Timeout', Cause: 'Task timed out' } });
    // Assess
    const session = await world.deps.sessions.get(ID);
    expect(session?.status).toBe('failed');
    expect(session?.error).toMatchObject({ code: OUTCOME_UNKNOWN, message: expect.stringMatching(/^Outcome unknown: .*\(States\.Timeout\)$/) });
  });

  it('keeps the workflow\'s error for a session that never started running', async () => {
    const world = await setUp([]);
    await record(world.deps, { sessionId: ID, failure: { Error: 'TransientDatabaseError', Cause: JSON.stringify({ errorMessage: 'still resuming' }) } });
    expect((await world.deps.sessions.get(ID))?.error).toEqual({ code: 'TransientDatabaseError', message: 'still resuming' });
  });
});

describe('executeAndRecord, the workflow\'s Execute state after a review', () => {
  /** A reviewed session: its review message exists, so recording it queues the redraw that tells people. */
  async function reviewed(status: Session['status'], answers: (QueryResult | Error)[] = []) {
    const world = await setUp(answers, undefined, status);
    await world.deps.sessions.saveNotification(ID, { channel: 'CREVIEWS', ts: '1.000' });
    return world;
  }

  it('runs an approved command once, records it done and tells people, in the one invocation', async () => {
    // Prepare
    const world = await reviewed('approved', [WROTE_ONE]);
    // Act
    await expect(executeAndRecord(world.deps, ID)).resolves.toEqual({ status: 'done' });
    // Assess
    expect(world.sql.runs).toHaveLength(1);
    expect((await world.deps.sessions.get(ID))?.status).toBe('done');
    expect(world.deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: ID }]);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('reads the session once: Record tells people about the session Execute finished, without reading it again', async () => {
    // Prepare: count the reads of the session
    const world = await reviewed('approved', [WROTE_ONE]);
    const get = world.deps.sessions.get.bind(world.deps.sessions);
    let reads = 0;
    world.deps.sessions.get = async (id) => {
      reads += 1;
      return get(id);
    };
    // Act
    await executeAndRecord(world.deps, ID);
    // Assess
    expect(reads).toBe(1);
    expect(world.deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: ID }]);
  });

  for (const status of ['denied', 'cancelled'] as const) {
    it(`records a ${status} session and tells people, sending nothing`, async () => {
      // Prepare
      const world = await reviewed(status);
      // Act
      await expect(executeAndRecord(world.deps, ID)).resolves.toEqual({ status });
      // Assess
      expect(world.sql.runs).toHaveLength(0);
      expect(world.deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: ID }]);
    });
  }

  it('never ends with the session left running: a claim it lost is handed to the workflow\'s catch, whose Record closes it as outcome_unknown', async () => {
    // Prepare: another attempt takes the claim between this one's read and its own claim.
    const world = await setUp([WROTE_ONE]);
    const claim = world.deps.sessions.startRunning.bind(world.deps.sessions);
    world.deps.sessions.startRunning = async (id, at) => {
      await claim(id, at);
      return undefined;
    };
    // Act
    await expect(executeAndRecord(world.deps, ID)).rejects.toBeInstanceOf(RunInProgressError);
    await record(world.deps, { sessionId: ID, failure: { Error: 'RunInProgressError' } });
    // Assess
    expect(world.sql.runs).toHaveLength(0);
    expect((await world.deps.sessions.get(ID))?.error?.code).toBe(OUTCOME_UNKNOWN);
  });
});
