/**
 * The parts of a session kept beside its item, against dynalite: a session that waits for review keeps
 * its submission and where its review request went off the item every step rewrites, so that item
 * stays under 1 KB (one write unit per rewrite) from submission to done; every session the store and
 * the window store answer still carries all of it; items written before, with everything on them,
 * read and update as they did. Sizes are DynamoDB's own rule, as dynalite computes it.
 */
import { createRequire } from 'node:module';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import { DynamoWindowStore } from '../../../functions/adapters/window-store';
import { ConflictError } from '../../../functions/domain/errors';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { type Approval, newSession, type Session } from '../../../functions/domain/session';
import { dynamoPerFile } from '../../support/dynamo';

const itemSize = (createRequire(import.meta.url)('dynalite/db') as { itemSize(item: unknown): number }).itemSize;

const dynamo = dynamoPerFile();
let store: DynamoSessionStore;

beforeAll(() => {
  store = new DynamoSessionStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const alice = { sub: '7f282568-2a6c-494f-aeb9-07be78550783', email: 'alice@example.com', name: 'Alice Anders', groups: ['dba'] };
const bob = { sub: 'abd3059f-a32f-4623-aaf4-d8966ceecb3c', email: 'bob@example.com', name: 'Bob Brown' };
const rule = ruleSnapshot(ruleSchema.parse({ name: 'dba-by-command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], forceApprovalGroups: ['sre'], approvalsRequired: 1 }));
const resource = { id: 'postgres-demo', name: 'Orders (production)', type: 'postgres' as const, database: 'postgres' };
let counter = 0;
const pending = (command = 'select id, name, email, country from customers order by id limit 20'): Session => ({
  ...newSession({ id: `00000000-0000-4000-e000-${String(++counter).padStart(12, '0')}`, now: new Date(), requester: alice, resource, command, rule }),
  reason: 'INC-7: orders stuck',
});
const approval = (who = bob): Approval => ({ ...who, at: new Date().toISOString(), via: 'api', forced: false });
const itemOf = async (id: string, sk = 'META') =>
  (await dynamo.documents.send(new GetCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${id}`, sk }, ConsistentRead: true }))).Item;
const sizeOf = async (id: string) => itemSize(marshall((await itemOf(id))!, { convertClassInstanceToMap: true }));
const submitted = (session: Session) => ({ resource: session.resource, command: session.command, commandSha256: session.commandSha256, reason: session.reason });

describe('the parts of a session', () => {
  it('keeps the session item of a reviewed command under 1 KB from submission to done, its submission and notification beside it', async () => {
    const session = pending();
    await store.create(session);
    const item = await itemOf(session.id);
    for (const name of ['resource', 'command', 'commandSha256', 'reason']) expect(item, name).not.toHaveProperty(name);
    expect(await itemOf(session.id, 'META#COMMAND')).toMatchObject(submitted(session));

    const sizes = [await sizeOf(session.id)];
    await store.savePreview(session.id, { statements: [{ kind: 'read', tables: ['customers'], flags: [] }] }, new Date().toISOString());
    await store.saveNotification(session.id, { channel: 'CDBREVIEWS', ts: '1796113326.079000' });
    expect(await itemOf(session.id)).not.toHaveProperty('notification');
    sizes.push(await sizeOf(session.id));
    await store.addApproval(session.id, approval(), 0);
    sizes.push(await sizeOf(session.id));
    await store.startRunning(session.id, new Date().toISOString());
    sizes.push(await sizeOf(session.id));
    const done = await store.finish(session.id, new Date().toISOString(), { status: 'done', result: { rowCount: 20, durationMs: 44, truncated: false } });
    sizes.push(await sizeOf(session.id));
    for (const size of sizes) expect(size, sizes.join(', ')).toBeLessThan(1024);

    expect(done).toMatchObject({ ...submitted(session), status: 'done', notification: { channel: 'CDBREVIEWS', ts: '1796113326.079000' } });
    expect(await store.get(session.id)).toEqual(done);
  });

  it('answers the whole session wherever it is read: by id, from a decision, in listings and the inbox', async () => {
    const session = pending();
    await store.create(session);
    expect(await store.get(session.id)).toEqual(session);
    const listed = (await store.list({ kind: 'requester', sub: alice.sub }, { resource: 'postgres-demo' }, 100)).items.find((s) => s.id === session.id);
    expect(listed).toEqual(session);
    expect((await store.pendingFor(['dba-approvers'], 100)).find((s) => s.id === session.id)).toEqual(session);
    expect((await store.addApproval(session.id, approval(), 0)).session).toMatchObject({ ...submitted(session), status: 'approved' });
  });

  it('keeps a session that runs without review whole on its item', async () => {
    const session = newSession({ id: `00000000-0000-4000-e000-${String(++counter).padStart(12, '0')}`, now: new Date(), requester: alice, resource, command: 'select 1' });
    await store.create(session);
    expect(await itemOf(session.id)).toMatchObject({ command: 'select 1', resource });
    expect(await itemOf(session.id, 'META#COMMAND')).toBeUndefined();
    expect(await store.startRunning(session.id, new Date().toISOString())).toMatchObject({ command: 'select 1', status: 'running' });
  });

  it('refuses a second session under the same id, whichever of its items is there', async () => {
    const session = pending();
    await store.create(session);
    await expect(store.create({ ...session, command: 'delete from customers' })).rejects.toThrow(ConflictError);
    expect((await store.get(session.id))?.command).toBe(session.command);
  });

  it('reads and updates an item in the shape written before, with its submission and notification on it', async () => {
    const session = pending();
    const { id, ...rest } = session;
    await dynamo.documents.send(
      new PutCommand({
        TableName: dynamo.tables.SESSIONS_TABLE,
        Item: {
          pk: `SESSION#${id}`,
          sk: 'META',
          ...rest,
          notification: { channel: 'COLD', ts: '1.0' },
          requesterKey: `REQUESTER#${alice.sub}`,
          createdKey: `${session.createdAt}#${id}`,
          monthKey: `MONTH#${session.createdAt.slice(0, 7)}`,
          approvalCount: 0,
        },
      }),
    );
    expect(await store.get(id)).toEqual({ ...session, notification: { channel: 'COLD', ts: '1.0' } });
    expect((await store.addApproval(id, approval(), 0)).session).toMatchObject({ ...submitted(session), status: 'approved', notification: { channel: 'COLD', ts: '1.0' } });
    expect(await store.startRunning(id, new Date().toISOString())).toMatchObject({ ...submitted(session), status: 'running' });
    // A review request posted again after the change is kept beside the item, and wins.
    await store.saveNotification(id, { channel: 'CNEW', ts: '2.0' });
    expect((await store.get(id))?.notification).toEqual({ channel: 'CNEW', ts: '2.0' });
  });

  it('answers a window with its resource from the window store', async () => {
    const windows = new DynamoWindowStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
    const session: Session = { ...pending(''), kind: 'window', durationSeconds: 600 };
    await store.create(session);
    await store.addApproval(session.id, approval(), 0);
    expect(await windows.open(session.id, new Date().toISOString(), new Date(Date.now() + 600_000).toISOString())).toMatchObject({ status: 'active', resource, command: '' });
  });
});
