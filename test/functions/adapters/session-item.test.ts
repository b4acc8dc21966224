/**
 * What the session item holds against dynalite: no copies of what it holds elsewhere and no preview
 * (both were billed again at every rewrite), the guarantees that used to read them there, and items
 * written before the change, which deployed tables still hold.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import type { Preview } from '../../../functions/domain/preview';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { type Approval, newSession, type Session } from '../../../functions/domain/session';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let store: DynamoSessionStore;

beforeAll(() => {
  store = new DynamoSessionStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const alice = { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
const rule = (approvalsRequired: number) =>
  ruleSnapshot(ruleSchema.parse({ name: 'r', resources: ['db'], approvalGroups: ['approvers'], forceApprovalGroups: ['sre'], approvalsRequired }));
let counter = 0;
const pending = (approvalsRequired = 1): Session =>
  newSession({
    id: `00000000-0000-4000-c000-${String(++counter).padStart(12, '0')}`,
    now: new Date(),
    requester: alice,
    resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
    command: 'select 1',
    rule: rule(approvalsRequired),
  });
const approval = (sub: string, email = `${sub}@example.com`): Approval => ({ sub, email, name: sub, at: new Date().toISOString(), via: 'api', forced: false });
const metaOf = async (id: string) =>
  (await dynamo.documents.send(new GetCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${id}`, sk: 'META' }, ConsistentRead: true }))).Item;

/** The session item as the store wrote it before it dropped the copies: deployed tables hold these. */
async function putOlderItem(session: Session, extra: Record<string, unknown> = {}): Promise<void> {
  await dynamo.documents.send(
    new PutCommand({
      TableName: dynamo.tables.SESSIONS_TABLE,
      Item: {
        pk: `SESSION#${session.id}`,
        sk: 'META',
        ...session,
        requesterKey: `REQUESTER#${session.requester.sub}`,
        requesterSub: session.requester.sub,
        requesterEmail: session.requester.email,
        resourceId: session.resource.id,
        createdKey: `${session.createdAt}#${session.id}`,
        monthKey: `MONTH#${session.createdAt.slice(0, 7)}`,
        approvalCount: 0,
        ...extra,
      },
    }),
  );
}

describe('the session item', () => {
  it('keeps no copy of the id, the requester or the resource, and reads back the same session', async () => {
    const session = pending();
    await store.create(session);
    const item = await metaOf(session.id);
    for (const copy of ['id', 'requesterSub', 'requesterEmail', 'resourceId']) expect(item, copy).not.toHaveProperty(copy);
    expect(await store.get(session.id)).toEqual(session);
    expect((await store.list({ kind: 'requester', sub: alice.sub }, { resource: 'db' }, 100)).items.map((s) => s.id)).toContain(session.id);
  });

  it('refuses the requester\'s approval from the requester\'s own fields, under either of the person\'s keys', async () => {
    const session = pending(2);
    await store.create(session);
    // The same subject under another email, and the same email under another subject: both are Alice.
    expect((await store.addApproval(session.id, approval('alice', 'alice.other@example.com'))).counted).toBe(false);
    expect((await store.addApproval(session.id, approval('alice-sso', 'Alice@Example.com'))).counted).toBe(false);
    expect((await store.addApproval(session.id, approval('alice', 'alice@example.com'), 1)).counted).toBe(false);
    // Nobody else is refused by it.
    expect((await store.addApproval(session.id, approval('bob'))).counted).toBe(true);
    expect((await store.addApproval(session.id, approval('grace'), 1)).session).toMatchObject({ status: 'approved', approvals: [{ sub: 'bob' }, { sub: 'grace' }] });
  });

  it('reads, refuses the requester on and closes an item written with the copies', async () => {
    const session = pending(1);
    await putOlderItem(session);
    expect(await store.get(session.id)).toEqual(session);
    expect((await store.addApproval(session.id, approval('alice'))).counted).toBe(false);
    const outcome = await store.addApproval(session.id, approval('bob'), 0);
    expect(outcome).toMatchObject({ counted: true, session: { id: session.id, status: 'approved' } });
    expect(outcome.session).not.toHaveProperty('requesterSub');
    expect(await store.startRunning(session.id, new Date().toISOString())).toMatchObject({ id: session.id, status: 'running' });
  });

  it('keeps the preview in its own item, and answers it with the session wherever the session is read', async () => {
    const session = pending(2);
    await store.create(session);
    const saved = await store.savePreview(session.id, scriptPreview, new Date().toISOString());
    expect(saved).toMatchObject({ id: session.id, preview: scriptPreview });
    const item = await metaOf(session.id);
    expect(item).not.toHaveProperty('preview');
    expect(JSON.stringify(item).length).toBeLessThan(1024);
    const withIt = (found: Session | undefined) => expect(found?.preview, found?.id).toEqual(scriptPreview);
    withIt(await store.get(session.id));
    withIt((await store.pendingFor(['approvers'], 100)).find((s) => s.id === session.id));
    withIt((await store.list({ kind: 'requester', sub: alice.sub }, { status: 'pending_review' }, 100)).items.find((s) => s.id === session.id));
    withIt((await store.addApproval(session.id, approval('bob'))).session);
    withIt((await store.addApproval(session.id, approval('grace'), 1)).session);
    withIt(await store.startRunning(session.id, new Date().toISOString()));
  });

  it('stores no preview for a review a decision closed first, and keeps the first of two', async () => {
    const decided = pending();
    await store.create(decided);
    await store.deny(decided.id, { ...approval('bob'), reason: 'no' });
    expect(await store.savePreview(decided.id, scriptPreview, new Date().toISOString())).toBeUndefined();
    expect((await store.get(decided.id))?.preview).toBeUndefined();

    const raced = pending();
    await store.create(raced);
    const second: Preview = { statements: [{ kind: 'read', tables: ['other'], flags: [] }] };
    const outcomes = await Promise.all([scriptPreview, second, scriptPreview, second].map((p) => store.savePreview(raced.id, p, new Date().toISOString())));
    const stored = outcomes.filter(Boolean);
    expect(stored).toHaveLength(1);
    expect((await store.get(raced.id))?.preview).toEqual(stored[0]!.preview);
  });

  it('finishes a preview whose writer stopped between its two writes, keeping the preview it wrote', async () => {
    const session = pending();
    await store.create(session);
    await dynamo.documents.send(new PutCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Item: { pk: `SESSION#${session.id}`, sk: 'META#PREVIEW', preview: scriptPreview } }));
    // Nothing reads a preview the session does not say it has.
    expect((await store.get(session.id))?.preview).toBeUndefined();
    const other: Preview = { statements: [], skipped: 'the preview failed (Timeout); nothing was counted' };
    expect(await store.savePreview(session.id, other, new Date().toISOString())).toMatchObject({ preview: scriptPreview });
    expect((await store.get(session.id))?.preview).toEqual(scriptPreview);
  });

  it('reads a preview kept on an item written before it had its own, and stores no second one', async () => {
    const session = pending();
    await putOlderItem(session, { preview: scriptPreview });
    expect((await store.get(session.id))?.preview).toEqual(scriptPreview);
    expect(await store.savePreview(session.id, { statements: [] }, new Date().toISOString())).toBeUndefined();
    expect((await store.addApproval(session.id, approval('bob'), 0)).session).toMatchObject({ status: 'approved', preview: scriptPreview });
    expect((await store.list({ kind: 'requester', sub: alice.sub }, {}, 100)).items.find((s) => s.id === session.id)?.preview).toEqual(scriptPreview);
  });
});

/** A script's preview: a plan per statement runs to kilobytes. */
const scriptPreview: Preview = {
  statements: Array.from({ length: 12 }, (_, i) => ({
    kind: 'write' as const,
    tables: [`orders_${i}`],
    flags: ['no_where'],
    rowsAffected: i,
    plan: { node: 'ModifyTable', relation: `orders_${i}`, rows: i, children: [{ node: 'Seq Scan', relation: `orders_${i}`, rows: 1000 * i }] },
  })),
  rowsAffected: 66,
  rowLimit: 73,
};
