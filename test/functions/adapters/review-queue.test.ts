/**
 * The review queue against dynalite: index keys on the session item whatever the number of review
 * groups, found in every one of those groups' inboxes and histories, taken out of the inboxes in the
 * write that closes the review; and sessions written with a queue item of their own (one per session,
 * or one per group before that: deployed tables hold both) listed and closed as before. Counted in the
 * table itself, and in write units as DynamoDB bills them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf } from '../../../functions/adapters/dynamodb';
import { reviewQueueKey } from '../../../functions/adapters/review-queue';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { type Approval, newSession, type Session } from '../../../functions/domain/session';
import { UsageMeter } from '../../../infra/local/usage-meter';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let store: DynamoSessionStore;

beforeAll(() => {
  store = new DynamoSessionStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const alice = { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
let counter = 0;
const pending = (approvalGroups: string[], forceApprovalGroups: string[]): Session =>
  newSession({
    id: `00000000-0000-4000-d000-${String(++counter).padStart(12, '0')}`,
    now: new Date(Date.UTC(2026, 10, 1, 10, counter)),
    requester: alice,
    resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
    command: 'select 1',
    rule: ruleSnapshot(ruleSchema.parse({ name: 'r', resources: ['db'], approvalGroups, forceApprovalGroups, approvalsRequired: 1 })),
  });
const approval = (sub: string): Approval => ({ sub, email: `${sub}@example.com`, name: sub, at: new Date().toISOString(), via: 'api', forced: false });

/** The session item as the table holds it. */
const sessionItem = async (id: string) =>
  (await dynamo.documents.send(new GetCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${id}`, sk: 'META' }, ConsistentRead: true }))).Item!;

/** The session's own queue items as the table holds them (sessions written before the keys were on its item). */
const queueItems = async (id: string) =>
  (
    await dynamo.documents.send(
      new QueryCommand({
        TableName: dynamo.tables.SESSIONS_TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :group)',
        ExpressionAttributeValues: { ':pk': `SESSION#${id}`, ':group': 'GROUP#' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];
const inbox = async (group: string) => (await store.pendingFor([group], 100)).map((s) => s.id);
const history = async (group: string) => (await store.list({ kind: 'review_group', groups: [group] }, {}, 100)).items.map((s) => s.id);

const endpointUrl = async () => {
  const endpoint = await dynamo.client.config.endpoint!();
  return `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
};
const newClient = async () => new DynamoDBClient({ endpoint: await endpointUrl(), region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

/** Counts the writes a client sends, by operation and key. */
async function countingClient(): Promise<{ client: DynamoDBDocumentClient; writes: string[] }> {
  const writes: string[] = [];
  const client = documentClientOf(await newClient());
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/Put|Update|Delete/.test(context.commandName ?? '')) {
        // The base client's command names (PutItemCommand), the document client's input.
        const input = args.input as { Key?: { sk?: string }; Item?: { sk?: string } };
        writes.push(`${context.commandName} ${(input.Key ?? input.Item)?.sk}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countWrites' },
  );
  return { client, writes };
}

describe('the review queue', () => {
  it('keeps the keys of a session asked of several groups on its item, in each group\'s inbox and history, and out of every inbox once decided', async () => {
    const session = pending(['approvers', 'owners'], ['sre']);
    await store.create(session);

    const key = 'GROUP#["approvers","owners","sre"]';
    expect(reviewQueueKey(['sre', 'approvers', 'owners', 'sre'])).toBe(key);
    expect(await sessionItem(session.id)).toMatchObject({ reviewGroupKey: key, pendingGroupKey: key });
    expect(await queueItems(session.id)).toEqual([]);
    for (const group of ['approvers', 'owners', 'sre']) {
      expect(await inbox(group)).toContain(session.id);
      expect(await history(group)).toContain(session.id);
    }
    expect(await inbox('dba')).not.toContain(session.id);
    // Storage, not part of the session the API returns.
    expect(await store.get(session.id)).not.toHaveProperty('reviewGroupKey');

    await store.addApproval(session.id, approval('bob'), 0);

    expect(await sessionItem(session.id)).not.toHaveProperty('pendingGroupKey');
    expect(await sessionItem(session.id)).toMatchObject({ reviewGroupKey: key });
    for (const group of ['approvers', 'owners', 'sre']) {
      expect(await inbox(group)).not.toContain(session.id);
      expect(await history(group)).toContain(session.id);
    }
  });

  it('keeps the key it always had for a session asked of one group', async () => {
    const session = pending(['approvers'], []);
    await store.create(session);
    expect(await sessionItem(session.id)).toMatchObject({ reviewGroupKey: 'GROUP#approvers', pendingGroupKey: 'GROUP#approvers' });
    expect(await inbox('approvers')).toContain(session.id);
  });

  it.each([
    ['one queue item per session', [['approvers', 'sre']]],
    ['one queue item per group', [['approvers'], ['sre']]],
  ])('lists and closes a session written with %s, as deployed tables hold them', async (_shape, itemGroups) => {
    const session = pending(['approvers'], ['sre']);
    await store.create(session);
    // The items as the store wrote them before: the session item without index keys, the queue beside it.
    await dynamo.documents.send(
      new UpdateCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${session.id}`, sk: 'META' }, UpdateExpression: 'REMOVE reviewGroupKey, pendingGroupKey' }),
    );
    for (const groups of itemGroups) {
      const key = reviewQueueKey(groups);
      await dynamo.documents.send(
        new PutCommand({
          TableName: dynamo.tables.SESSIONS_TABLE,
          Item: { pk: `SESSION#${session.id}`, sk: key, createdKey: `${session.createdAt}#${session.id}`, reviewGroupKey: key, pendingGroupKey: key },
        }),
      );
    }
    expect(await inbox('approvers')).toContain(session.id);
    expect(await inbox('sre')).toContain(session.id);

    await store.deny(session.id, { ...approval('bob'), reason: 'no' });

    expect((await queueItems(session.id)).map((item) => [item.sk, item.pendingGroupKey])).toEqual(itemGroups.map((groups) => [reviewQueueKey(groups), undefined]));
    expect(await inbox('approvers')).not.toContain(session.id);
    expect(await inbox('sre')).not.toContain(session.id);
    expect(await history('sre')).toContain(session.id);
  });

  it('gives a waiting session written without the keys on its item its place again when the workflow evaluates it, and leaves a decided one alone', async () => {
    const waiting = pending(['approvers'], ['sre']);
    const decided = pending(['approvers'], ['sre']);
    for (const session of [waiting, decided]) {
      await store.create(session);
      await dynamo.documents.send(
        new UpdateCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${session.id}`, sk: 'META' }, UpdateExpression: 'REMOVE reviewGroupKey, pendingGroupKey' }),
      );
    }
    await store.cancel(decided.id, new Date().toISOString());
    expect(await inbox('sre')).not.toContain(waiting.id);

    await store.ensureReviewQueue(waiting);
    await store.ensureReviewQueue(decided);

    expect(await inbox('sre')).toContain(waiting.id);
    expect(await history('approvers')).toContain(waiting.id);
    expect(await sessionItem(decided.id)).not.toHaveProperty('reviewGroupKey');
  });

  it('records a set of groups in the registry once, and a store that finds it there writes only the session', async () => {
    const first = await countingClient();
    const firstStore = new DynamoSessionStore(first.client, dynamo.tables.SESSIONS_TABLE);
    await firstStore.create(pending(['auditors'], ['oncall']));
    await firstStore.create(pending(['auditors'], ['oncall']));
    const registryWrites = (writes: string[]) => writes.filter((write) => write.includes('GROUP_SETS'));
    expect(registryWrites(first.writes)).toHaveLength(1);

    const second = await countingClient();
    const secondStore = new DynamoSessionStore(second.client, dynamo.tables.SESSIONS_TABLE);
    const session = pending(['oncall'], ['auditors']);
    await secondStore.create(session);
    expect(registryWrites(second.writes)).toEqual([]);
    expect(second.writes).toEqual(['PutItemCommand META#COMMAND', 'PutItemCommand META', 'UpdateItemCommand FIRST_MONTH']);
    expect(await inbox('oncall')).toContain(session.id);
  });

  it('closes the review in the write that decides it: no queue write, then or after', async () => {
    const { client, writes } = await countingClient();
    const counted = new DynamoSessionStore(client, dynamo.tables.SESSIONS_TABLE);
    const session = pending(['approvers'], ['sre']);
    await counted.create(session);
    await counted.addApproval(session.id, approval('bob'), 0);
    // A failure recorded after the approval (the command never started) closes nothing more.
    expect(await counted.finish(session.id, 'now', { status: 'failed', error: { code: 'x', message: 'y' } })).toMatchObject({ status: 'failed' });
    expect(writes.filter((write) => write.includes('GROUP#'))).toEqual([]);
    expect(await inbox('approvers')).not.toContain(session.id);
  });

  it('bills the queue only its index writes: 2 when the session is created, 1 when its review closes', async () => {
    // Prepare: a store that has registered the groups' key, as a warm one has.
    const meter = new UsageMeter();
    const client = await newClient();
    meter.meterDynamo(client.middlewareStack, await endpointUrl(), dynamo.tables);
    const metered = new DynamoSessionStore(documentClientOf(client), dynamo.tables.SESSIONS_TABLE);
    await metered.create(pending(['approvers'], ['sre']));
    const session = pending(['approvers'], ['sre']);
    // Act
    const created = meter.snapshot().writeUnits;
    await metered.create(session);
    const approved = meter.snapshot().writeUnits;
    await metered.addApproval(session.id, approval('bob'), 0);
    // Assess: the submission (1) and the session item, for the table and its four indexes (5); the
    // approval that closes the review, for the table and the inbox it leaves (2). A queue item of its
    // own cost 3 more, then 2 more.
    expect(approved - created).toBe(6);
    expect(meter.snapshot().writeUnits - approved).toBe(2);
  });
});
