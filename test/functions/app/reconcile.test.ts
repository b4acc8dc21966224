/**
 * The reconciler and Record's failure path against in-memory fakes: a session whose workflow broke is
 * closed as failed with a truthful code and message, leaves the approvers' inboxes, and a session
 * already final is never rewritten.
 */
import { describe, expect, it } from 'vitest';
import { recordSessionEvent, sessionStream, SYSTEM } from '../../../functions/app/audit-trail';
import { reconcile, record } from '../../../functions/app/workflow-tasks';
import { verifyChain } from '../../../functions/domain/audit-chain';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { newSession } from '../../../functions/domain/session';
import { fakeDeps } from './fakes';

const ID = '00000000-0000-4000-a000-000000000001';
const alice = { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
const rule = ruleSnapshot(ruleSchema.parse({ name: 'r', resources: ['db'], approvalGroups: ['approvers'], approvalsRequired: 1 }));

async function setUp(reviewed: boolean) {
  const deps = fakeDeps();
  const session = newSession({
    id: ID,
    now: deps.clock.now(),
    requester: alice,
    resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
    command: 'insert into t values (1)',
    ...(reviewed ? { rule } : {}),
  });
  await deps.sessions.create(session);
  const stream = sessionStream(ID);
  return { deps, types: () => deps.events.types(stream), chainProblems: async () => verifyChain(stream, await deps.events.list(stream)) };
}

describe('reconcile', () => {
  it('closes an open review as failed with the execution\'s status as its code, and takes it out of the inbox', async () => {
    const { deps, types, chainProblems } = await setUp(true);
    expect(await reconcile(deps, ID, { status: 'ABORTED' })).toEqual({ status: 'failed' });
    const session = await deps.sessions.get(ID);
    expect(session).toMatchObject({ status: 'failed', error: { code: 'execution_aborted' } });
    expect(session?.error?.message).toBe('The workflow was stopped before it could record an outcome; the command was not run. (ABORTED)');
    expect(await deps.sessions.pendingFor(['approvers'], 10)).toEqual([]);
    expect(types()).toEqual(['session.failed']);
    expect((await deps.events.list(sessionStream(ID)))[0].details).toEqual({ error: session?.error, execution: { status: 'ABORTED' } });
    expect(deps.notifications.jobs).toEqual([{ kind: 'session', sessionId: ID }]);
    expect(await chainProblems()).toEqual([]);
  });

  it('closes a session caught running as outcome unknown, never to be run again, naming how the execution ended', async () => {
    const { deps, types } = await setUp(false);
    await deps.sessions.startRunning(ID, deps.clock.now().toISOString());
    await reconcile(deps, ID, { status: 'FAILED', error: 'SessionNotRecorded' });
    const session = await deps.sessions.get(ID);
    expect(session?.error?.code).toBe('outcome_unknown');
    expect(session?.error?.message).toMatch(/^Outcome unknown: .*will not be run again.*\(FAILED: SessionNotRecorded\)$/);
    expect(types()).toEqual(['session.failed']);
    expect(deps.sql.runs).toHaveLength(0);
  });

  it('leaves a session that is already final as it is, with nothing recorded', async () => {
    const { deps, types } = await setUp(false);
    await deps.sessions.startRunning(ID, deps.clock.now().toISOString());
    await deps.sessions.finish(ID, deps.clock.now().toISOString(), { status: 'done', result: { rowCount: 0, durationMs: 1, truncated: false } });
    await recordSessionEvent(deps, ID, 'session.done', SYSTEM, {});
    expect(await reconcile(deps, ID, { status: 'TIMED_OUT' })).toEqual({ status: 'done' });
    expect((await deps.sessions.get(ID))?.status).toBe('done');
    expect(types()).toEqual(['session.done']);
    expect(deps.notifications.jobs).toEqual([]);
  });
});

describe('record with a caught failure', () => {
  it('fails an open review the workflow could not carry on, instead of leaving it pending_review', async () => {
    const { deps, types, chainProblems } = await setUp(true);
    await record(deps, { sessionId: ID, failure: { Error: 'Lambda.Unknown', Cause: '{"errorMessage":"the function could not run"}' } });
    expect(await deps.sessions.get(ID)).toMatchObject({ status: 'failed', error: { code: 'Lambda.Unknown' } });
    expect(await deps.sessions.pendingFor(['approvers'], 10)).toEqual([]);
    expect(types()).toEqual(['session.failed']);
    expect(await chainProblems()).toEqual([]);
  });
});
