/**
 * The review queue against dynalite: one item per session whatever the number of review groups, found
 * in every one of those groups' inboxes and histories, taken out of the inboxes when the review closes;
 * and sessions written with one item per group (deployed tables hold them) listed and closed as before.
 * Counted in the table itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClientOf } from '../../../functions/adapters/dynamodb';
import { reviewQueueKey } from '../../../functions/adapters/review-queue';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { type Approval, newSession, type Session } from '../../../functions/domain/session';
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

/** The session's queue items as the table holds them. */
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

/** Counts the writes a client sends, by operation and key. */
async function countingClient(): Promise<{ client: DynamoDBDocumentClient; writes: string[] }> {
  const writes: string[] = [];
  const endpoint = await dynamo.client.config.endpoint!();
  const client = documentClientOf(
    new DynamoDBClient({ endpoint: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  );
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
  it('keeps one item for a session asked of several groups, in each group\'s inbox and history, and out of every inbox once decided', async () => {
    const session = pending(['approvers', 'owners'], ['sre']);
    await store.create(session);

    const key = 'GROUP#["approvers","owners","sre"]';
    expect(reviewQueueKey(['sre', 'approvers', 'owners', 'sre'])).toBe(key);
    expect(await queueItems(session.id)).toEqual([expect.objectContaining({ sk: key, reviewGroupKey: key, pendingGroupKey: key })]);
    for (const group of ['approvers', 'owners', 'sre']) {
      expect(await inbox(group)).toContain(session.id);
      expect(await history(group)).toContain(session.id);
    }
    expect(await inbox('dba')).not.toContain(session.id);

    await store.addApproval(session.id, approval('bob'), 0);

    expect((await queueItems(session.id)).map((item) => item.pendingGroupKey)).toEqual([undefined]);
    for (const group of ['approvers', 'owners', 'sre']) {
      expect(await inbox(group)).not.toContain(session.id);
      expect(await history(group)).toContain(session.id);
    }
  });

  it('keeps the key it always had for a session asked of one group', async () => {
    const session = pending(['approvers'], []);
    await store.create(session);
    expect((await queueItems(session.id)).map((item) => item.sk)).toEqual(['GROUP#approvers']);
    expect(await inbox('approvers')).toContain(session.id);
  });

  it('lists and closes a session written with one item per group, as deployed tables hold them', async () => {
    const session = pending(['approvers'], ['sre']);
    await store.create(session);
    // The items as the store wrote them before: one per group, each its own inbox and history key.
    await dynamo.documents.send(new DeleteCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${session.id}`, sk: reviewQueueKey(['approvers', 'sre']) } }));
    for (const group of ['approvers', 'sre']) {
      await dynamo.documents.send(
        new PutCommand({
          TableName: dynamo.tables.SESSIONS_TABLE,
          Item: { pk: `SESSION#${session.id}`, sk: `GROUP#${group}`, createdKey: `${session.createdAt}#${session.id}`, reviewGroupKey: `GROUP#${group}`, pendingGroupKey: `GROUP#${group}` },
        }),
      );
    }
    expect(await inbox('approvers')).toContain(session.id);
    expect(await inbox('sre')).toContain(session.id);

    await store.deny(session.id, { ...approval('bob'), reason: 'no' });

    expect((await queueItems(session.id)).map((item) => [item.sk, item.pendingGroupKey])).toEqual([
      ['GROUP#approvers', undefined],
      ['GROUP#sre', undefined],
    ]);
    expect(await inbox('approvers')).not.toContain(session.id);
    expect(await history('sre')).toContain(session.id);
  });

  it('records a set of groups in the registry once, and a store that finds it there writes only the queue item', async () => {
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
    expect(second.writes.filter((write) => write.includes('GROUP#'))).toEqual(['PutItemCommand GROUP#["auditors","oncall"]']);
    expect(await inbox('oncall')).toContain(session.id);
  });

  it('writes nothing to close a review queue already closed', async () => {
    const { client, writes } = await countingClient();
    const counted = new DynamoSessionStore(client, dynamo.tables.SESSIONS_TABLE);
    const session = pending(['approvers'], ['sre']);
    await counted.create(session);
    await counted.addApproval(session.id, approval('bob'), 0);
    const closes = () => writes.filter((write) => write.startsWith('UpdateItemCommand') && write.includes('GROUP#'));
    expect(closes()).toHaveLength(1);
    // A failure recorded after the approval (the command never started) closes the queue again.
    expect(await counted.finish(session.id, 'now', { status: 'failed', error: { code: 'x', message: 'y' } })).toMatchObject({ status: 'failed' });
    expect(closes()).toHaveLength(1);
  });
});
