/**
 * The session store against dynalite (the local DynamoDB): the lifecycle's conditional writes, and
 * the approval count under concurrent writers.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf } from '../../../functions/adapters/dynamodb';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import { ConflictError } from '../../../functions/domain/errors';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { type Approval, newSession } from '../../../functions/domain/session';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let store: DynamoSessionStore;

beforeAll(() => {
  store = new DynamoSessionStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const rule = (approvalsRequired: number) =>
  ruleSnapshot(ruleSchema.parse({ name: 'r', resources: ['db'], approvalGroups: ['approvers'], forceApprovalGroups: ['sre'], approvalsRequired }));
const alice = { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
let counter = 0;
async function pendingSession(approvalsRequired = 1, createdAt = new Date(), requester = alice) {
  const session = newSession({
    id: `00000000-0000-4000-a000-${String(++counter).padStart(12, '0')}`,
    now: createdAt,
    requester,
    resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
    command: 'select 1',
    rule: rule(approvalsRequired),
  });
  await store.create(session);
  return session;
}
const FOLLOW_UP = { status: 'open', dueAt: '2026-12-02T10:00:00.000Z' } as const;
const approval = (sub: string, forced = false): Approval => ({ sub, email: `${sub}@example.com`, name: sub, at: new Date().toISOString(), via: 'api', forced });

describe('DynamoSessionStore', () => {
  it('counts each approver once and stops at the required count under concurrent writers', async () => {
    const session = await pendingSession(2);
    const writers = ['bob', 'grace', 'henry', 'bob', 'grace', 'henry', 'bob', 'ivan'].map((sub) => store.addApproval(session.id, approval(sub)));
    const outcomes = await Promise.all(writers);
    expect(outcomes.filter((o) => o.counted)).toHaveLength(2);
    const stored = await store.get(session.id);
    expect(stored?.approvals).toHaveLength(2);
    expect(new Set(stored?.approvals.map((a) => a.sub)).size).toBe(2);
    const closers = await Promise.all([store.markApproved(session.id, 'now'), store.markApproved(session.id, 'now'), store.markApproved(session.id, 'now')]);
    expect(closers.filter(Boolean)).toHaveLength(1);
    expect((await store.get(session.id))?.status).toBe('approved');
  });

  it('counts one approval for a one-approval step when several race for it, and keeps the other step open', async () => {
    const steps = ruleSnapshot(
      ruleSchema.parse({ name: 'r', resources: ['db'], approvalSteps: [{ groups: ['dba-approvers'], approvals: 1 }, { groups: ['sre'], approvals: 1 }] }),
    );
    const session = newSession({ id: `00000000-0000-4000-b000-${String(++counter).padStart(12, '0')}`, now: new Date(), requester: alice, resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' }, command: 'select 1', rule: steps });
    await store.create(session);
    const racers = ['bob', 'grace', 'henry'].map((sub) => store.addApproval(session.id, { ...approval(sub), step: 0 }));
    expect((await Promise.all(racers)).filter((o) => o.counted)).toHaveLength(1);
    const stored = await store.get(session.id);
    expect(stored?.approvals.map((a) => a.step)).toEqual([0]);
    expect(await store.markApproved(session.id, 'now')).toBeUndefined();
    expect((await store.addApproval(session.id, { ...approval('sam'), step: 1 })).counted).toBe(true);
    expect((await store.markApproved(session.id, 'now'))?.status).toBe('approved');
  });

  it('opens a follow-up with a forced approval and closes it once, whoever races to close it', async () => {
    const session = await pendingSession();
    expect((await store.forceApprove(session.id, { ...approval('carol', true), reason: 'outage' }, FOLLOW_UP)).followUp).toEqual(FOLLOW_UP);
    const close = (sub: string, status: 'acknowledged' | 'flagged') =>
      store.closeFollowUp(session.id, { ...FOLLOW_UP, status, closedBy: { sub, email: `${sub}@example.com`, name: sub }, closedAt: new Date().toISOString() });
    const closers = await Promise.all([close('bob', 'acknowledged'), close('grace', 'flagged'), close('henry', 'flagged')]);
    expect(closers.filter(Boolean)).toHaveLength(1);
    expect((await store.get(session.id))?.followUp?.status).toBe(closers.find(Boolean)?.followUp?.status);
  });

  it('never counts the requester, even if asked directly', async () => {
    const session = await pendingSession();
    const outcome = await store.addApproval(session.id, approval('alice'));
    expect(outcome.counted).toBe(false);
    expect((await store.get(session.id))?.approvals).toEqual([]);
  });

  it('will not close a review short of its count', async () => {
    const session = await pendingSession(2);
    await store.addApproval(session.id, approval('bob'));
    expect(await store.markApproved(session.id, 'now')).toBeUndefined();
  });

  it('answers decisions on a closed review with a conflict', async () => {
    const session = await pendingSession();
    await store.deny(session.id, { ...approval('bob'), reason: 'no' });
    await expect(store.addApproval(session.id, approval('grace'))).rejects.toThrow(ConflictError);
    await expect(store.forceApprove(session.id, approval('carol', true), FOLLOW_UP)).rejects.toThrow(ConflictError);
    await expect(store.cancel(session.id, 'now')).rejects.toThrow(ConflictError);
  });

  it('expires a review short of its approvals, and approves one whose count was met but never closed', async () => {
    const short = await pendingSession(2);
    await store.addApproval(short.id, approval('bob'));
    expect((await store.expire(short.id, new Date().toISOString())).status).toBe('expired');

    const met = await pendingSession(1);
    await store.addApproval(met.id, approval('bob'));
    expect((await store.expire(met.id, new Date().toISOString())).status).toBe('approved');
  });

  it('runs a session once: only one writer moves it from approved to running', async () => {
    const session = await pendingSession();
    await store.forceApprove(session.id, { ...approval('carol', true), reason: 'outage' }, FOLLOW_UP);
    const starts = await Promise.all([1, 2, 3].map(() => store.startRunning(session.id, 'now')));
    expect(starts.filter(Boolean)).toHaveLength(1);
  });

  it('fails an open review the workflow could not carry on, takes it out of the inbox, and lets nothing end it twice', async () => {
    const session = await pendingSession();
    const error = { code: 'Lambda.Unknown', message: 'the review task failed' };
    const failed = await store.finish(session.id, 'now', { status: 'failed', error });
    expect(failed).toMatchObject({ status: 'failed', error });
    expect((await store.pendingFor(['approvers'], 100)).map((s) => s.id)).not.toContain(session.id);
    expect(await store.finish(session.id, 'later', { status: 'failed', error: { code: 'other', message: 'second' } })).toBeUndefined();
    await expect(store.addApproval(session.id, approval('bob'))).rejects.toThrow(ConflictError);
  });

  it('keeps the inbox to open reviews', async () => {
    const open = await pendingSession();
    const closed = await pendingSession();
    await store.deny(closed.id, approval('bob'));
    const inbox = (await store.pendingFor(['approvers'], 100)).map((s) => s.id);
    expect(inbox).toContain(open.id);
    expect(inbox).not.toContain(closed.id);
  });

  it('filters and pages a listing whose index holds only keys, reading each session from the table', async () => {
    const carol = { sub: 'carol', email: 'carol@example.com', name: 'Carol', groups: [] };
    const [first, second, third] = [
      await pendingSession(1, new Date('2026-11-01T10:00:00Z'), carol),
      await pendingSession(1, new Date('2026-11-02T10:00:00Z'), carol),
      await pendingSession(1, new Date('2026-11-03T10:00:00Z'), carol),
    ];
    await store.addApproval(first!.id, approval('bob'));
    await store.markApproved(first!.id, new Date().toISOString());
    await store.deny(third!.id, approval('dave'));
    const mine = { kind: 'requester', sub: 'carol' } as const;
    const ids = async (filters: Parameters<DynamoSessionStore['list']>[1]) => (await store.list(mine, filters, 10)).items.map((s) => s.id);
    expect(await ids({ status: 'approved' })).toEqual([first!.id]);
    expect(await ids({ approver: 'bob@example.com' })).toEqual([first!.id]);
    expect(await ids({ status: 'pending_review' })).toEqual([second!.id]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(mine, {}, 1, cursor);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([third!.id, second!.id, first!.id]);
  });

  it('pages through every session across months, newest first, with a cursor', async () => {
    for (const month of ['2026-08-15', '2026-09-15', '2026-10-15']) await pendingSession(1, new Date(`${month}T10:00:00Z`));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ kind: 'all' }, { from: '2026-08-01T00:00:00Z', to: '2026-10-31T23:59:59Z' }, 2, cursor);
      seen.push(...page.items.map((s) => s.createdAt));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(['2026-10-15T10:00:00.000Z', '2026-09-15T10:00:00.000Z', '2026-08-15T10:00:00.000Z']);
  });

  it('walks only the months sessions can exist in, whatever dates are asked for', async () => {
    await pendingSession(1, new Date('2026-08-15T10:00:00Z'));
    // Prepare: count the month queries a listing sends (the index queries; the sessions found are read by key).
    let queries = 0;
    const counting = documentClientOf(dynamo.client);
    counting.middlewareStack.add((next) => async (args) => {
      if ((args.input as { IndexName?: string }).IndexName) queries += 1;
      return next(args);
    });
    const counted = new DynamoSessionStore(counting, dynamo.tables.SESSIONS_TABLE);
    // Act: a far-future `to` and a long-past `from`.
    const page = await counted.list({ kind: 'all' }, { from: '2000-01-01', to: '2100-12-31' }, 50);
    // Assess: one query per month from the first session to now.
    const now = new Date();
    const months = (now.getUTCFullYear() - 2026) * 12 + now.getUTCMonth() - 7 + 1;
    expect(page.items.length).toBeGreaterThan(0);
    expect(queries).toBeLessThanOrEqual(months);
  });

  it('writes the first-month marker once per store, not at every submission', async () => {
    // Prepare: a store that counts the writes it sends to the marker.
    let markerWrites = 0;
    const counting = documentClientOf(dynamo.client);
    counting.middlewareStack.add((next) => async (args) => {
      if ((args.input as { Key?: { pk?: string } }).Key?.pk === 'MARKER' && args.input && 'UpdateExpression' in args.input) markerWrites += 1;
      return next(args);
    });
    const counted = new DynamoSessionStore(counting, dynamo.tables.SESSIONS_TABLE);
    const session = (n: number) =>
      newSession({
        id: `00000000-0000-4000-a111-${String(n).padStart(12, '0')}`,
        now: new Date('2026-11-20T10:00:00Z'),
        requester: alice,
        resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
        command: 'select 1',
        rule: rule(1),
      });
    // Act: three submissions in one month.
    for (const n of [1, 2, 3]) await counted.create(session(n));
    // Assess
    expect(markerWrites).toBe(1);
  });

  it('keeps the task token in its own item, off the session item that is rewritten at every step', async () => {
    const session = await pendingSession();
    const doc = documentClientOf(dynamo.client);
    const meta = async () => (await doc.send(new GetCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${session.id}`, sk: 'META' } }))).Item;
    const before = await meta();
    await store.saveTaskToken(session.id, 'token-'.repeat(150));
    expect(await meta()).toEqual(before);
    expect(await store.taskToken(session.id)).toBe('token-'.repeat(150));
    // A review that waited before this version kept its token on the session item, and still resumes.
    const older = await pendingSession();
    await doc.send(new UpdateCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${older.id}`, sk: 'META' }, UpdateExpression: 'SET taskToken = :t', ExpressionAttributeValues: { ':t': 'older' } }));
    expect(await store.taskToken(older.id)).toBe('older');
  });

  it('closes the review in the approval\'s own write when it meets the count read, and only then', async () => {
    // Prepare: a store that counts its writes to session items.
    let sessionWrites = 0;
    const counting = documentClientOf(dynamo.client);
    counting.middlewareStack.add((next) => async (args) => {
      if ((args.input as { Key?: { sk?: string } }).Key?.sk === 'META') sessionWrites += 1;
      return next(args);
    });
    const counted = new DynamoSessionStore(counting, dynamo.tables.SESSIONS_TABLE);
    const one = await pendingSession(1);
    // Act: the approval that meets a one-approval review, read at count 0.
    const outcome = await counted.addApproval(one.id, approval('bob'), 0);
    // Assess: one write counted it and closed the review, which left the inbox.
    expect(outcome).toMatchObject({ counted: true, session: { status: 'approved', approvals: [{ sub: 'bob' }] } });
    expect(sessionWrites).toBe(1);
    expect((await store.pendingFor(['approvers'], 100)).map((s) => s.id)).not.toContain(one.id);
    // A count read before another approval landed closes nothing: the approval is counted as usual.
    const two = await pendingSession(2);
    await store.addApproval(two.id, approval('bob'));
    const stale = await store.addApproval(two.id, approval('grace'), 0);
    expect(stale).toMatchObject({ counted: true, session: { status: 'pending_review' } });
    expect((await store.markApproved(two.id, new Date().toISOString()))?.status).toBe('approved');
  });

  it('counts one of many racing approvals that each would close the review, and closes it once', async () => {
    const session = await pendingSession(1);
    const outcomes = await Promise.allSettled(['bob', 'grace', 'henry', 'ivan'].map((sub) => store.addApproval(session.id, approval(sub), 0)));
    const counted = outcomes.filter((o) => o.status === 'fulfilled' && o.value.counted);
    expect(counted).toHaveLength(1);
    const after = await store.get(session.id);
    expect(after).toMatchObject({ status: 'approved' });
    expect(after!.approvals).toHaveLength(1);
  });
});
