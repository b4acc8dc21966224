/**
 * The window store against dynalite (the local DynamoDB): each transition is one conditional write on
 * the session item, so a window opens once, a revoke and the end race with one winner, and nothing
 * but a window moves. Counted in the table itself.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoSessionStore } from '../../../functions/adapters/session-store';
import { DynamoWindowStore } from '../../../functions/adapters/window-store';
import { newSession, type Session } from '../../../functions/domain/session';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let sessions: DynamoSessionStore;
let windows: DynamoWindowStore;

beforeAll(() => {
  sessions = new DynamoSessionStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
  windows = new DynamoWindowStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const alice = { sub: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['dba'] };
let counter = 0;
/** An approved session, a window unless `kind` says otherwise (no rule: it starts approved). */
async function approved(window = true): Promise<Session> {
  const base = newSession({
    id: `00000000-0000-4000-b000-${String(++counter).padStart(12, '0')}`,
    now: new Date('2026-11-26T10:00:00.000Z'),
    requester: alice,
    resource: { id: 'db', name: 'DB', type: 'postgres', database: 'db' },
    command: window ? '' : 'select 1',
  });
  const session: Session = window ? { ...base, kind: 'window', durationSeconds: 600 } : base;
  await sessions.create(session);
  return session;
}
const at = '2026-11-26T10:00:01.000Z';
const endsAt = '2026-11-26T10:10:01.000Z';

describe('DynamoWindowStore', () => {
  it('opens an approved window once, with its end', async () => {
    const { id } = await approved();
    const results = await Promise.all([windows.open(id, at, endsAt), windows.open(id, at, '2026-11-26T11:00:00.000Z')]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await sessions.get(id)).toMatchObject({ status: 'active', startedAt: at, windowEndsAt: endsAt });
  });

  it('lets exactly one of a revoke and the end win when they race, and keeps the winner\'s status', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { id } = await approved();
      await windows.open(id, at, endsAt);
      const [revoked, ended] = await Promise.all([windows.revoke(id, { sub: 'bob', email: 'bob@example.com', name: 'Bob', at: endsAt }), windows.end(id, endsAt)]);
      expect([revoked, ended].filter(Boolean)).toHaveLength(1);
      const stored = await sessions.get(id);
      expect(stored?.status).toBe(revoked ? 'revoked' : 'ended');
      expect(stored?.revokedBy !== undefined).toBe(!!revoked);
    }
  });

  it('moves nothing that is not a window in the right state: a command, a pending window, an ended one', async () => {
    const command = await approved(false);
    expect(await windows.open(command.id, at, endsAt)).toBeUndefined();
    expect((await sessions.get(command.id))?.status).toBe('approved');

    const window = await approved();
    expect(await windows.end(window.id, at)).toBeUndefined();
    expect(await windows.revoke(window.id, { ...alice, at })).toBeUndefined();
    expect((await sessions.get(window.id))?.status).toBe('approved');

    await windows.open(window.id, at, endsAt);
    await windows.end(window.id, endsAt);
    expect(await windows.revoke(window.id, { ...alice, at: endsAt })).toBeUndefined();
    expect(await windows.open(window.id, at, endsAt)).toBeUndefined();
    expect((await sessions.get(window.id))?.status).toBe('ended');
  });

  it('is found among the requester\'s active sessions on the resource once open', async () => {
    const { id } = await approved();
    await windows.open(id, at, endsAt);
    const page = await sessions.list({ kind: 'requester', sub: 'alice' }, { status: 'active', resource: 'db' }, 10);
    expect(page.items.map((session) => session.id)).toContain(id);
  });
});
