/**
 * A session's place in the approvers' inbox (byPendingGroup, key removed when the review closes) and
 * history (byReviewGroup): ONE item per session, SESSION#<id>/GROUP#<its review groups>, whose index
 * keys name every group that may decide on it together. A session asked of two groups (approvers and
 * force-approvers) was two items, each billed once for the table and once per index when written and
 * again when its review closed: 10 write units per reviewed command, now 5.
 *
 * A session asked of one group keeps the key it always had, `GROUP#<group>`. A session asked of several
 * has `GROUP#["a","b"]` (the groups sorted, as JSON), and that key is recorded once in a small registry
 * item (MARKER/GROUP_SETS) before any session item carries it, so a listing for group `a` knows to read
 * that partition too. Sessions written before this have one item per group; listings still read those
 * partitions, and closing a review closes whatever items the session has.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { reviewGroupsOf, type Session } from '../domain/session';
import { unlessRefused } from './dynamodb';
import { sessionKey } from './session-item';

const GROUP = 'GROUP#';
const REGISTRY_KEY = { pk: 'MARKER', sk: 'GROUP_SETS' };

/** The inbox and history key of a session asked of these groups. */
export function reviewQueueKey(groups: readonly string[]): string {
  const sorted = [...new Set(groups)].sort();
  return sorted.length === 1 ? `${GROUP}${sorted[0]}` : `${GROUP}${JSON.stringify(sorted)}`;
}

/** The groups a multi-group key names. */
const groupsOfKey = (key: string): string[] => JSON.parse(key.slice(GROUP.length)) as string[];

export class ReviewQueue {
  /** Multi-group keys this store knows to be registered: registered keys are never removed. */
  private readonly registered = new Set<string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Puts the session's queue item (idempotent), once its key is registered. Only a session still
   * waiting for review is in the inbox.
   */
  async ensure(session: Session): Promise<void> {
    const groups = reviewGroupsOf(session);
    if (!groups.length) return;
    const key = reviewQueueKey(groups);
    if (groups.length > 1) await this.register(key);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: sessionKey(session.id).pk,
          sk: key,
          createdKey: `${session.createdAt}#${session.id}`,
          reviewGroupKey: key,
          ...(session.status === 'pending_review' ? { pendingGroupKey: key } : {}),
        },
      }),
    );
  }

  /** Written at most once per key and warm store, and not at all when the registry already has it. */
  private async register(key: string): Promise<void> {
    if (this.registered.has(key)) return;
    if (!(await this.registeredKeys()).includes(key)) {
      await this.client.send(
        new UpdateCommand({ TableName: this.tableName, Key: REGISTRY_KEY, UpdateExpression: 'ADD #keys :key', ExpressionAttributeNames: { '#keys': 'keys' }, ExpressionAttributeValues: { ':key': new Set([key]) } }),
      );
    }
    this.registered.add(key);
  }

  private async registeredKeys(): Promise<string[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: REGISTRY_KEY, ConsistentRead: true }));
    const keys = Item?.keys as Set<string> | undefined;
    return keys ? [...keys] : [];
  }

  /** Every index partition that may hold a session asked of any of these groups. */
  async partitions(groups: readonly string[]): Promise<string[]> {
    const wanted = new Set(groups);
    const shared = (await this.registeredKeys()).filter((key) => groupsOfKey(key).some((group) => wanted.has(group)));
    return [...[...wanted].map((group) => `${GROUP}${group}`), ...shared];
  }

  /**
   * Takes the session out of the inbox: removes the inbox key from each of its queue items that still
   * has one (one item now, one per group for sessions written before). Closing a closed queue writes
   * nothing.
   */
  async close(sessionId: string): Promise<void> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :group)',
        ExpressionAttributeValues: { ':pk': sessionKey(sessionId).pk, ':group': GROUP },
        ConsistentRead: true,
      }),
    );
    await Promise.all(
      Items.filter((item) => item.pendingGroupKey !== undefined).map((item) =>
        unlessRefused(
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: 'REMOVE pendingGroupKey',
              ConditionExpression: 'attribute_exists(pk)',
            }),
          ),
        ),
      ),
    );
  }
}
