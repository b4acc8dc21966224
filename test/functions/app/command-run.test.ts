/**
 * The run of a command no rule covers (functions/app/command-run.ts), delivered as Lambda delivers an
 * asynchronous invocation: at least once, again after a failure, and to the reconciler once it gives
 * up. Each test counts the statements that reached the database fake and reads the final session and
 * its event chain from the stores.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import { closeAbandonedRun, runCommand } from '../../../functions/app/command-run';
import { submitSession } from '../../../functions/app/sessions';
import type { QueryResult, SqlTarget } from '../../../functions/app/ports';
import { verifyChain } from '../../../functions/domain/audit-chain';
import { RunInProgressError } from '../../../functions/domain/command-run';
import { OUTCOME_UNKNOWN, TransientDatabaseError } from '../../../functions/domain/execution';
import { fakeDeps, ScriptedSql } from './fakes';
import { alice, orders } from './people';

const INSERT = 'insert into audit_probe values (1)';
const WROTE_ONE: QueryResult = { columns: [], rows: [], rowCount: 0, truncated: false, recordsUpdated: 1 };

/** A database whose statements wait until the test lets them finish, so two deliveries can overlap. */
class GatedSql extends ScriptedSql {
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  constructor() {
    super(() => WROTE_ONE);
  }
  override async run(target: SqlTarget, sql: string) {
    const answer = await super.run(target, sql);
    await this.gate;
    return answer;
  }
  open() {
    this.release();
  }
}

/** A command submitted on a resource no rule covers: approved, and handed to its run. */
async function submitted(sql: ScriptedSql = new ScriptedSql(() => WROTE_ONE)) {
  const deps = { ...fakeDeps({ resources: [orders] }), sql };
  const session = await submitSession(deps, alice, { resource: 'orders', command: INSERT });
  const stream = sessionStream(session.id);
  return {
    deps,
    id: session.id,
    types: () => deps.events.types(stream),
    chainProblems: async () => verifyChain(stream, await deps.events.list(stream)),
  };
}

describe('submitting a command no rule covers', () => {
  it('hands it to its run, not to the session workflow', async () => {
    const world = await submitted();
    expect(world.deps.runs.started).toEqual([world.id]);
    expect(world.deps.workflow.started).toEqual([]);
  });

  it('closes the session as failed when the run cannot be handed over, and a run that was accepted after all sends nothing', async () => {
    // Prepare
    const sql = new ScriptedSql(() => WROTE_ONE);
    const deps = { ...fakeDeps({ resources: [orders] }), sql };
    deps.runs.failWith = Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException' });
    // Act
    const session = await submitSession(deps, alice, { resource: 'orders', command: INSERT });
    await runCommand(deps, session.id);
    // Assess
    expect(session).toMatchObject({ status: 'failed', error: { code: 'run_not_started' } });
    expect(sql.runs).toHaveLength(0);
    expect(deps.events.types(sessionStream(session.id))).toEqual(['session.requested', 'session.failed']);
  });
});

describe('runCommand, one delivery of the run', () => {
  it('runs the command once, records it done, and queues no notification: nobody reviews it', async () => {
    const world = await submitted();
    await expect(runCommand(world.deps, world.id)).resolves.toEqual({ status: 'done' });
    expect(world.deps.sql.runs).toHaveLength(1);
    expect(world.types()).toEqual(['session.requested', 'session.running', 'session.done']);
    expect(world.deps.notifications.jobs).toEqual([]);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('a second delivery while the first runs (a lost answer sent again) sends nothing, and is retried until the first has finished', async () => {
    // Prepare
    const sql = new GatedSql();
    const world = await submitted(sql);
    // Act
    const first = runCommand(world.deps, world.id);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await runCommand(world.deps, world.id).catch((error: unknown) => error);
    sql.open();
    await first;
    world.deps.clock.advance(60_000);
    const retried = await runCommand(world.deps, world.id);
    // Assess
    expect(second).toBeInstanceOf(RunInProgressError);
    expect(retried).toEqual({ status: 'done' });
    expect(sql.runs).toHaveLength(1);
    expect(world.types()).toEqual(['session.requested', 'session.running', 'session.done']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('two deliveries that both read the session before either claims it: one runs, the other is retried, and the session is done', async () => {
    // Prepare
    const sql = new GatedSql();
    const world = await submitted(sql);
    // Act
    const first = runCommand(world.deps, world.id);
    const second = runCommand(world.deps, world.id).catch((error: unknown) => error);
    const secondOutcome = await second;
    sql.open();
    await first;
    // Assess
    expect(secondOutcome).toBeInstanceOf(RunInProgressError);
    expect((await world.deps.sessions.get(world.id))?.status).toBe('done');
    expect(sql.runs).toHaveLength(1);
    expect(world.types()).toEqual(['session.requested', 'session.running', 'session.done']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('a run that died between the command and its record is closed as outcome_unknown by a later delivery, never sent again', async () => {
    // Prepare: the write that records the outcome fails once, as a Lambda that dies after the commit
    const world = await submitted();
    const finish = world.deps.sessions.finish.bind(world.deps.sessions);
    let dies = true;
    world.deps.sessions.finish = async (...args) => {
      if (dies && args[2].status === 'done') {
        dies = false;
        throw new Error('the function stopped');
      }
      return finish(...args);
    };
    // Act
    await expect(runCommand(world.deps, world.id)).rejects.toThrow('the function stopped');
    // Lambda's first retry comes a minute later, while the claim may still be held.
    world.deps.clock.advance(60_000);
    const early = await runCommand(world.deps, world.id).catch((error: unknown) => error);
    // The second, two minutes after that: the run holding the claim has surely ended.
    world.deps.clock.advance(120_000);
    const late = await runCommand(world.deps, world.id);
    // Assess
    expect(early).toBeInstanceOf(RunInProgressError);
    expect(late).toEqual({ status: 'failed' });
    expect(world.deps.sql.runs).toHaveLength(1);
    expect((await world.deps.sessions.get(world.id))?.error).toMatchObject({ code: OUTCOME_UNKNOWN });
    expect(world.types()).toEqual(['session.requested', 'session.running', 'session.failed']);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('hands a command that never started back to Lambda\'s retry, and runs it on the next delivery', async () => {
    const answers: (QueryResult | Error)[] = [new TransientDatabaseError('DatabaseResumingException: resuming'), WROTE_ONE];
    const world = await submitted(
      new ScriptedSql(() => {
        const answer = answers.shift()!;
        if (answer instanceof Error) throw answer;
        return answer;
      }),
    );
    await expect(runCommand(world.deps, world.id)).rejects.toBeInstanceOf(TransientDatabaseError);
    expect((await world.deps.sessions.get(world.id))?.status).toBe('approved');
    await expect(runCommand(world.deps, world.id)).resolves.toEqual({ status: 'done' });
    expect(world.types()).toEqual(['session.requested', 'session.running', 'execution.retrying', 'session.running', 'session.done']);
  });
});

describe('closeAbandonedRun, the run function\'s failure destination', () => {
  it('closes a session whose command was never sent as failed, saying it was not run', async () => {
    const world = await submitted();
    await expect(closeAbandonedRun(world.deps, world.id, { condition: 'RetriesExhausted', error: 'TransientDatabaseError' })).resolves.toEqual({ status: 'failed' });
    const session = await world.deps.sessions.get(world.id);
    expect(session?.error).toMatchObject({ code: 'execution_failed', message: expect.stringMatching(/not run.*RetriesExhausted: TransientDatabaseError/) });
    expect(world.deps.sql.runs).toHaveLength(0);
    expect(await world.chainProblems()).toEqual([]);
  });

  it('waits for a claim that may still be held, then closes it as outcome_unknown', async () => {
    const world = await submitted();
    await world.deps.sessions.startRunning(world.id, world.deps.clock.now().toISOString());
    await expect(closeAbandonedRun(world.deps, world.id, { condition: 'EventAgeExceeded' })).rejects.toBeInstanceOf(RunInProgressError);
    expect((await world.deps.sessions.get(world.id))?.status).toBe('running');
    world.deps.clock.advance(world.deps.runClaimSeconds * 1000);
    await expect(closeAbandonedRun(world.deps, world.id, { condition: 'EventAgeExceeded' })).resolves.toEqual({ status: 'failed' });
    expect((await world.deps.sessions.get(world.id))?.error).toMatchObject({ code: OUTCOME_UNKNOWN });
  });

  it('leaves a session that was finished as it is', async () => {
    const world = await submitted();
    await runCommand(world.deps, world.id);
    await expect(closeAbandonedRun(world.deps, world.id, { condition: 'RetriesExhausted' })).resolves.toEqual({ status: 'done' });
    expect(world.types()).toEqual(['session.requested', 'session.running', 'session.done']);
  });
});
