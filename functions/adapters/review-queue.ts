/**
 * A session's place in the approvers' inbox (byPendingGroup, key removed when the review closes) and
 * history (byReviewGroup): index keys carried on the session item itself, whose values name every group
 * that may decide on it together. The session item is written at creation and rewritten when its review
 * closes anyway, so the keys cost only the index writes: 2 at creation (one per index), 1 when the
 * review closes (leaving byPendingGroup). A queue item of its own (SESSION#<id>/GROUP#…) was billed
 * for the table and both indexes when written, and again when its review closed: 5 write units per
 * reviewed command, now 3. The session item grows by the history key (the inbox key goes when the
 * review closes): 43 bytes for `GROUP#["dba-approvers","sre"]`.
 *
 * A session asked of one group has the key it always had, `GROUP#<group>`. A session asked of several
 * has `GROUP#["a","b"]` (the groups sorted, as JSON), and that key is recorded once in a small registry
 * item (MARKER/GROUP_SETS) before any session item carries it, so a listing for group `a` knows to read
 * that partition too. Sessions written before keep queue items of their own (one per session, or one
 * per group before that): the same index partitions list them, and closing a review closes them.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { reviewGroupsOf, type Session } from '../domain/session';
import { unlessRefused } from './dynamodb';
import { HISTORY_KEY, INBOX_KEY, sessionKey } from './session-item';

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
   * The index keys a new session item carries, its multi-group key registered first: a crash in between
   * leaves a registered key no session has, which only costs a listing one more empty partition.
   */
  async keysOf(session: Session): Promise<Record<string, string>> {
    const groups = reviewGroupsOf(session);
    if (!groups.length) return {};
    const key = reviewQueueKey(groups);
    if (groups.length > 1) await this.register(key);
    return { [HISTORY_KEY]: key, ...(session.status === 'pending_review' ? { [INBOX_KEY]: key } : {}) };
  }

  /**
   * Gives a session still waiting for review its index keys, if its item has none (a session written
   * before the keys were on the item, whose own queue item may be missing after a crash); idempotent,
   * and a review closed meanwhile wins: the condition reads the status.
   */
  async ensure(session: Session): Promise<void> {
    const keys = await this.keysOf(session);
    if (!keys[INBOX_KEY]) return;
    await unlessRefused(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(session.id),
          UpdateExpression: `SET ${HISTORY_KEY} = :key, ${INBOX_KEY} = :key`,
          ConditionExpression: `#status = :pending AND attribute_not_exists(${HISTORY_KEY})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':key': keys[INBOX_KEY], ':pending': 'pending_review' },
        }),
      ),
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
   * Takes a session written before the keys were on its item out of the inbox: removes the inbox key
   * from each of its own queue items that still has one (one per session, or one per group). The
   * session item's own inbox key goes in the write that closes the review (session-store.ts). Closing a
   * closed queue, or a session with no queue item, writes nothing.
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
      Items.filter((item) => item[INBOX_KEY] !== undefined).map((item) =>
        unlessRefused(
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: { pk: item.pk, sk: item.sk },
              UpdateExpression: `REMOVE ${INBOX_KEY}`,
              ConditionExpression: 'attribute_exists(pk)',
            }),
          ),
        ),
      ),
    );
  }
}
