/**
 * The overdue follow-up reminder's adapters against dynalite: the open follow-ups index holds a forced
 * session from its forced approval until its follow-up is closed, by due time; the Slack reminder
 * posts once per session through the notification ledger, however many runs race, and again after a
 * post that failed. The ledger reads the system clock, so the tests move Date. Posts are counted at the (faked) Slack call; the claims in the table itself.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, DynamoNotificationLedger } from '../../../functions/adapters/notification-ledger';
import { DynamoOpenFollowUps } from '../../../functions/adapters/open-follow-ups';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import { REMINDER_KEY, SlackFollowUpReminder } from '../../../functions/adapters/slack-follow-up';
import type { SlackMessage } from '../../../functions/domain/slack-message';
import { ruleSchema, ruleSnapshot } from '../../../functions/domain/rule';
import { newSession, type Session } from '../../../functions/domain/session';
import { dynamoPerFile } from '../../support/dynamo';
import { systemDatePerFile } from '../../support/system-date';

const dynamo = dynamoPerFile();
let table: string;
let store: DynamoSessionStore;
let index: DynamoOpenFollowUps;
let ledger: DynamoNotificationLedger;

beforeAll(() => {
  table = dynamo.tables.SESSIONS_TABLE;
  store = new DynamoSessionStore(dynamo.documents, table);
  index = new DynamoOpenFollowUps(dynamo.documents, table, store);
  ledger = new DynamoNotificationLedger(dynamo.documents, table);
});

// The ledger's persistence layer reads the system clock: the tests move Date.
const date = systemDatePerFile('2026-11-26T10:00:00.000Z');

const rule = ruleSnapshot(ruleSchema.parse({ name: 'r', resources: ['db'], approvalGroups: ['approvers'], forceApprovalGroups: ['sre'], slackChannel: 'C-APPROVERS' }));
let counter = 0;
async function forcedSession(dueAt: string): Promise<Session> {
  const session = newSession({
    id: `00000000-0000-4000-c000-${String(++counter).padStart(12, '0')}`,
    now: new Date(date.now()),
    requester: { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
    resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
    command: 'delete from orders',
    rule,
  });
  await store.create(session);
  return store.forceApprove(session.id, { sub: 'sam', email: 'sam@example.com', name: 'Sam', at: new Date(date.now()).toISOString(), via: 'api', forced: true, reason: 'outage' }, { status: 'open', dueAt });
}
const dueIds = async (before: string) => (await index.dueBefore(before, 100)).items.map((session) => session.id);

describe('the open follow-ups index', () => {
  it('lists open follow-ups due before a time, earliest first, without index keys, and drops one once it is closed', async () => {
    const late = await forcedSession('2026-11-28T12:00:00.000Z');
    const early = await forcedSession('2026-11-28T09:00:00.000Z');
    const notYet = await forcedSession('2026-11-29T09:00:00.000Z');

    expect(await dueIds('2026-11-28T13:00:00.000Z')).toEqual([early.id, late.id]);
    const [first] = (await index.dueBefore('2026-11-28T13:00:00.000Z', 1)).items;
    expect(first).toEqual(await store.get(early.id));
    expect(Object.keys(first!)).not.toContain('openFollowUpKey');

    await store.closeFollowUp(early.id, { status: 'acknowledged', dueAt: early.followUp!.dueAt, closedAt: new Date(date.now()).toISOString() });
    expect(await dueIds('2026-11-28T13:00:00.000Z')).toEqual([late.id]);
    expect(await dueIds('2026-11-30T00:00:00.000Z')).toEqual([late.id, notYet.id]);
  });

  it('pages with a cursor', async () => {
    const before = '2026-11-20T00:00:00.000Z';
    const sessions = [await forcedSession('2026-11-19T01:00:00.000Z'), await forcedSession('2026-11-19T02:00:00.000Z'), await forcedSession('2026-11-19T03:00:00.000Z')];
    const first = await index.dueBefore(before, 2);
    const second = await index.dueBefore(before, 2, first.cursor);
    expect([...first.items, ...second.items].map((session) => session.id)).toEqual(sessions.map((session) => session.id));
  });
});

describe('the Slack follow-up reminder', () => {
  const posts: { channel: string; message: SlackMessage }[] = [];
  let failNext = 0;
  const slack = {
    async post(channel: string, message: SlackMessage) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failNext > 0) {
        failNext--;
        throw new Error('ratelimited');
      }
      posts.push({ channel, message });
      return { channel, ts: `ts-${posts.length}` };
    },
  };
  const catalog = { resource: async () => undefined };
  const reminder = () => new SlackFollowUpReminder(slack, catalog, ledger, { webUrl: 'https://accessgate.example.com', defaultChannel: 'C-DEFAULT' });
  const claim = async (id: string) =>
    (await dynamo.documents.send(new GetCommand({ TableName: table, Key: { pk: `SESSION#${id}`, sk: `NOTIFIED#${REMINDER_KEY}` }, ConsistentRead: true }))).Item;

  it('posts once to the rule\'s channel however many runs race, recording where it went once', async () => {
    const session = await forcedSession('2026-11-27T09:00:00.000Z');
    posts.length = 0;
    const recorded: Record<string, string>[] = [];
    const runs = await Promise.all([1, 2, 3, 4].map(() => reminder().remind(session, async (notification) => void recorded.push(notification))));
    expect(runs.filter(Boolean)).toHaveLength(1);
    expect(posts.map((post) => post.channel)).toEqual(['C-APPROVERS']);
    expect(posts[0]!.message.text).toContain('Break-glass follow-up overdue');
    expect(recorded).toEqual([{ channel: 'C-APPROVERS', ts: 'ts-1' }]);
    expect(await claim(session.id)).toMatchObject({ state: 'COMPLETED' });
    date.advance(10 * CLAIM_LEASE_MS);
    expect(await reminder().remind(session, async () => undefined)).toBe(false);
    expect(posts).toHaveLength(1);
  });

  it('gives the claim back when the post fails, so the next run posts; a failed record is posted again after the lease', async () => {
    const session = await forcedSession('2026-11-27T09:00:00.000Z');
    posts.length = 0;
    failNext = 1;
    await expect(reminder().remind(session, async () => undefined)).rejects.toThrow('ratelimited');
    expect(await claim(session.id)).toBeUndefined();

    await expect(reminder().remind(session, async () => Promise.reject(new Error('event log down')))).rejects.toThrow('event log down');
    expect(posts).toHaveLength(1);
    expect(await reminder().remind(session, async () => undefined)).toBe(false);
    date.advance(CLAIM_LEASE_MS + 1000);
    expect(await reminder().remind(session, async () => undefined)).toBe(true);
    expect(posts).toHaveLength(2);
  });
});
