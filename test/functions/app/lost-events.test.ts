/**
 * A session is written before the event that records the change (its outcome, an approval), and the
 * invocation writing them can die between the two. Each test lets it die there (the event log refuses that one append, as a killed Lambda
 * would never send it), then runs the task that meets the session next, and counts the outcome's events
 * and the command's runs.
 */
import { describe, expect, it } from 'vitest';
import { sessionStream } from '../../../functions/app/audit-trail';
import type { QueryResult } from '../../../functions/app/ports';
import { reviewSession } from '../../../functions/app/reviews';
import { cancelSession, submitSession } from '../../../functions/app/sessions';
import { endWindow, openWindow, requestWindow, revokeWindow } from '../../../functions/app/windows';
import { execute, executeAndRecord, expire, reconcile, record } from '../../../functions/app/workflow-tasks';
import { verifyChain } from '../../../functions/domain/audit-chain';
import { RunInProgressError } from '../../../functions/domain/command-run';
import { DECISION_REQUEST_SECONDS } from '../../../functions/domain/session-outcome';
import { type Fakes, fakeDeps, ScriptedSql } from './fakes';
import { alice, bob, carol, dana, orders, reviewedRule } from './people';

const WROTE_ONE: QueryResult = { columns: [], rows: [], rowCount: 0, truncated: false, recordsUpdated: 1 };
const CAUGHT = { Error: 'Lambda.Unknown', Cause: '{"errorMessage":"Runtime exited with error: signal: killed"}' };

/** The invocation dies just before appending the first event of `type`; every other append goes through. */
function dieBefore(deps: Fakes, type: string): void {
  const append = deps.events.append.bind(deps.events);
  let died = false;
  deps.events.append = async (stream, event) => {
    if (!died && event.type === type) {
      died = true;
      throw new Error('Runtime exited with error: signal: killed');
    }
    return append(stream, event);
  };
}

/** An approved command no rule covers, on a database that inserts one row per run. */
async function approvedCommand() {
  const sql = new ScriptedSql(() => WROTE_ONE);
  const deps: Fakes = { ...fakeDeps({ resources: [orders] }), sql };
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'insert into orders values (1)' });
  const stream = sessionStream(id);
  const listed = { count: 0 };
  const list = deps.events.list.bind(deps.events);
  deps.events.list = async (name) => {
    listed.count += 1;
    return list(name);
  };
  return { deps, sql, id, listed, types: () => deps.events.types(stream), chain: async () => verifyChain(stream, await list(stream)) };
}

describe('an outcome event lost with the invocation that closed the session', () => {
  it('is appended once by Record, given the failure the workflow caught, and the command ran once', async () => {
    // Prepare: Execute closes the session as done and dies before its event
    const { deps, sql, id, types, chain } = await approvedCommand();
    dieBefore(deps, 'session.done');
    await expect(executeAndRecord(deps, id)).rejects.toThrow('signal: killed');
    expect((await deps.sessions.get(id))?.status).toBe('done');
    expect(types()).toEqual(['session.requested', 'session.running']);
    // Act: the workflow's Catch hands the failure to Record, twice (a retried Record)
    await record(deps, { sessionId: id, failure: CAUGHT });
    await record(deps, { sessionId: id, failure: CAUGHT });
    // Assess
    expect(sql.runs).toHaveLength(1);
    expect(types()).toEqual(['session.requested', 'session.running', 'session.done']);
    const done = (await deps.events.list(sessionStream(id))).at(-1)!;
    expect(done.actor).toEqual({ system: 'accessgate' });
    expect(done.details).toEqual({ result: (await deps.sessions.get(id))?.result });
    expect(await chain()).toEqual([]);
  });

  it('is appended by a run delivered again once the claim has passed, never while its closer may still append it', async () => {
    // Prepare: the run closes the session as done and dies before its event
    const { deps, sql, id, types } = await approvedCommand();
    dieBefore(deps, 'session.done');
    await expect(executeAndRecord(deps, id, { claimSeconds: 100 })).rejects.toThrow('signal: killed');
    // Act: delivered again at once, then after the claim's length
    await expect(executeAndRecord(deps, id, { claimSeconds: 100 })).rejects.toBeInstanceOf(RunInProgressError);
    const early = types();
    deps.clock.advance(101_000);
    await expect(executeAndRecord(deps, id, { claimSeconds: 100 })).resolves.toEqual({ status: 'done' });
    await expect(executeAndRecord(deps, id, { claimSeconds: 100 })).resolves.toEqual({ status: 'done' });
    // Assess
    expect(early).toEqual(['session.requested', 'session.running']);
    expect(types()).toEqual(['session.requested', 'session.running', 'session.done']);
    expect(sql.runs).toHaveLength(1);
  });

  it('is appended by the reconciler when a failed session lost session.failed', async () => {
    // Prepare: the command is refused by its resource's absence, and the invocation dies before its event
    const { deps, sql, id, types } = await approvedCommand();
    deps.catalog.resource = async () => undefined;
    dieBefore(deps, 'session.failed');
    await expect(executeAndRecord(deps, id)).rejects.toThrow('signal: killed');
    // Act
    await reconcile(deps, id, { status: 'FAILED', error: 'Lambda.Unknown' });
    // Assess
    expect(sql.runs).toHaveLength(0);
    expect(types()).toEqual(['session.requested', 'session.failed']);
    expect((await deps.events.list(sessionStream(id))).at(-1)?.details).toEqual({ error: (await deps.sessions.get(id))?.error });
  });

  it('is appended by the reconciler of a stopped execution only once the task that closed the session cannot be at work', async () => {
    // Prepare: Execute closes the session as done; the execution is stopped while its Lambda still runs
    const { deps, id, types } = await approvedCommand();
    dieBefore(deps, 'session.done');
    await expect(executeAndRecord(deps, id)).rejects.toThrow('signal: killed');
    // Act: EventBridge reports ABORTED at once, and Lambda retries the reconciler later
    await expect(reconcile(deps, id, { status: 'ABORTED' })).rejects.toBeInstanceOf(RunInProgressError);
    const early = types();
    deps.clock.advance(deps.runClaimSeconds * 1000);
    await reconcile(deps, id, { status: 'ABORTED' });
    // Assess
    expect(early).toEqual(['session.requested', 'session.running']);
    expect(types()).toEqual(['session.requested', 'session.running', 'session.done']);
  });

  it('is appended by Expire in the reviewer\'s name when a denial\'s request died before review.denied', async () => {
    // Prepare: bob's denial is stored, then his request dies; the workflow is never resumed
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1' });
    dieBefore(deps, 'review.denied');
    await expect(reviewSession(deps, bob, id, { decision: 'deny', via: 'web', reason: 'not today' })).rejects.toThrow('signal: killed');
    // Act: the review's window passes
    deps.clock.advance(3_600_000);
    expect(await expire(deps, id)).toEqual({ next: 'record' });
    expect(await expire(deps, id)).toEqual({ next: 'record' });
    // Assess
    expect((await deps.sessions.get(id))?.status).toBe('denied');
    const events = await deps.events.list(sessionStream(id));
    expect(events.map((event) => event.type)).toEqual(['session.requested', 'review.denied']);
    expect(events[1].actor).toEqual({ sub: bob.sub, email: bob.email, name: bob.name });
    expect(events[1].details).toMatchObject({ denial: { email: bob.email, reason: 'not today', via: 'web' } });
  });

  it('is appended by Expire in the requester\'s name when a cancellation\'s request died before session.cancelled', async () => {
    // Prepare
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule()] });
    const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'select 1' });
    dieBefore(deps, 'session.cancelled');
    await expect(cancelSession(deps, alice, id)).rejects.toThrow('signal: killed');
    // Act: the review's window passes
    deps.clock.advance(3_600_000);
    expect(await expire(deps, id)).toEqual({ next: 'record' });
    // Assess
    const events = await deps.events.list(sessionStream(id));
    expect(events.map((event) => [event.type, event.actor])).toEqual([
      ['session.requested', { sub: alice.sub, email: alice.email, name: alice.name }],
      ['session.cancelled', { sub: alice.sub, email: alice.email, name: alice.name }],
    ]);
  });

  it('is appended by EndWindow in the revoker\'s name when a revocation\'s request died before window.revoked', async () => {
    // Prepare: alice's window is open; dana revokes it and her request dies
    const deps = fakeDeps({ resources: [orders], rules: [reviewedRule({ maxWindowSeconds: 3600 })] });
    const { id } = await requestWindow(deps, alice, { resource: 'orders', durationSeconds: 600, reason: 'incident' });
    await reviewSession(deps, bob, id, { decision: 'approve', via: 'api' });
    await openWindow(deps, id);
    dieBefore(deps, 'window.revoked');
    await expect(revokeWindow(deps, dana, id)).rejects.toThrow('signal: killed');
    // Act: the workflow's wait ends
    deps.clock.advance(600_000);
    expect(await endWindow(deps, id)).toEqual({ status: 'revoked' });
    // Assess
    const events = await deps.events.list(sessionStream(id));
    expect(events.filter((event) => event.type === 'window.revoked')).toMatchObject([{ actor: { sub: dana.sub }, details: { windowEndsAt: (await deps.sessions.get(id))?.windowEndsAt } }]);
  });

  it('costs the command that nothing went wrong for no read of its events', async () => {
    // Prepare
    const { deps, id, listed, types } = await approvedCommand();
    // Act
    await executeAndRecord(deps, id);
    await record(deps, { sessionId: id });
    // Assess
    expect(types()).toEqual(['session.requested', 'session.running', 'session.done']);
    expect(listed.count).toBe(0);
  });
});

/** A reviewed command waiting on `required` approvals, on a database that inserts one row per run. */
async function reviewedCommand(required: number) {
  const sql = new ScriptedSql(() => WROTE_ONE);
  const deps: Fakes = { ...fakeDeps({ resources: [orders], rules: [reviewedRule({ approvalsRequired: required })] }), sql };
  const { id } = await submitSession(deps, alice, { resource: 'orders', command: 'insert into orders values (1)' });
  const events = async () => deps.events.list(sessionStream(id));
  return { deps, sql, id, events, types: () => deps.events.types(sessionStream(id)) };
}

const PAST_ITS_REQUEST = (DECISION_REQUEST_SECONDS + 1) * 1000;

describe('an approval event lost with the request that stored the approval', () => {
  it('is appended in the approver\'s name before the command runs, when another approver met the rule', async () => {
    // Prepare: bob's approval is stored and his request dies; carol's approval meets the rule later
    const { deps, sql, id, events, types } = await reviewedCommand(2);
    dieBefore(deps, 'review.approved');
    await expect(reviewSession(deps, bob, id, { decision: 'approve', via: 'web' })).rejects.toThrow('signal: killed');
    deps.clock.advance(PAST_ITS_REQUEST);
    await reviewSession(deps, carol, id, { decision: 'approve', via: 'slack' });
    // Act: the workflow, resumed by carol's request, runs the command
    await execute(deps, id);
    // Assess
    expect(sql.runs).toHaveLength(1);
    expect(types()).toEqual(['session.requested', 'review.approved', 'session.approved', 'review.approved', 'session.running', 'session.done']);
    const rebuilt = (await events())[3];
    expect(rebuilt.actor).toEqual({ sub: bob.sub, email: bob.email, name: bob.name });
    expect(rebuilt.details).toMatchObject({ approval: { sub: bob.sub, via: 'web' }, approvals: 1, required: 2 });
  });

  it('is appended with session.approved when the request that met the rule died, and the window\'s end ran it', async () => {
    // Prepare: bob's approval meets the rule in its own write; his request dies before any event
    const { deps, sql, id, events, types } = await reviewedCommand(1);
    dieBefore(deps, 'review.approved');
    await expect(reviewSession(deps, bob, id, { decision: 'approve', via: 'web' })).rejects.toThrow('signal: killed');
    // Act: nobody resumed the workflow, so the review's window ends, and Expire routes it to Execute
    deps.clock.advance(3_600_000);
    expect(await expire(deps, id)).toMatchObject({ next: 'execute' });
    await execute(deps, id);
    await execute(deps, id);
    // Assess
    expect(sql.runs).toHaveLength(1);
    expect(types()).toEqual(['session.requested', 'review.approved', 'session.approved', 'session.running', 'session.done']);
    expect((await events())[2]).toMatchObject({ actor: { sub: bob.sub }, details: { forced: false, approvals: 1, approvers: [bob.email] } });
  });

  it('is left to its own request while that request may still append it', async () => {
    // Prepare: carol's approval meets the rule at once after bob's, whose request is slow, not dead
    const { deps, id, types } = await reviewedCommand(2);
    dieBefore(deps, 'review.approved');
    await expect(reviewSession(deps, bob, id, { decision: 'approve', via: 'web' })).rejects.toThrow('signal: killed');
    await reviewSession(deps, carol, id, { decision: 'approve', via: 'web' });
    // Act
    await execute(deps, id);
    // Assess: one review.approved, carol's; bob's would come from his own request
    expect(types().filter((type) => type === 'review.approved')).toHaveLength(1);
  });

  it('is nothing to append for a review whose requests all finished', async () => {
    // Prepare
    const { deps, id, types } = await reviewedCommand(2);
    await reviewSession(deps, bob, id, { decision: 'approve', via: 'web' });
    deps.clock.advance(PAST_ITS_REQUEST);
    await reviewSession(deps, carol, id, { decision: 'approve', via: 'web' });
    deps.clock.advance(PAST_ITS_REQUEST);
    // Act
    await execute(deps, id);
    // Assess
    expect(types()).toEqual(['session.requested', 'review.approved', 'review.approved', 'session.approved', 'session.running', 'session.done']);
  });
});
