/**
 * The notification ledger against dynalite: one sender per message, a claim given back after a failed
 * send, and a claim left behind by a worker that stopped after claiming (a Lambda timeout) taken over
 * once its lease has run out, so the message is still sent. Counted in the table itself. The
 * persistence layer reads the clock itself, so the tests move the system time (Date only; timers stay
 * real for dynalite).
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, DynamoNotificationLedger, SENT_REMEMBERED_SECONDS } from '../../../functions/adapters/notification-ledger';
import { dynamoPerFile } from '../../support/dynamo';
import { systemDatePerFile } from '../../support/system-date';

const dynamo = dynamoPerFile();
let ledger: DynamoNotificationLedger;

beforeAll(() => {
  ledger = new DynamoNotificationLedger(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const date = systemDatePerFile('2026-11-26T10:00:00.000Z');

let sessions = 0;
const newSessionId = () => `00000000-0000-4000-b000-${String(++sessions).padStart(12, '0')}`;
const stored = async (sessionId: string, key: string) =>
  (await dynamo.documents.send(new GetCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Key: { pk: `SESSION#${sessionId}`, sk: `NOTIFIED#${key}` }, ConsistentRead: true }))).Item;

describe('the notification ledger', () => {
  it('lets one of several concurrent workers claim a message, and none once it is sent', async () => {
    const id = newSessionId();
    const claims = await Promise.all([1, 2, 3, 4].map(() => ledger.claim(id, 'dm:approved')));
    expect(claims.filter(Boolean)).toHaveLength(1);

    await ledger.complete(id, 'dm:approved');
    date.advance(10 * CLAIM_LEASE_MS);

    expect(await ledger.claim(id, 'dm:approved')).toBe(false);
    expect(await stored(id, 'dm:approved')).toMatchObject({ state: 'COMPLETED' });
  });

  it("remembers a sent message longer than any session lives, not the library's default hour", async () => {
    const id = newSessionId();
    expect(await ledger.claim(id, 'dm:expired')).toBe(true);
    await ledger.complete(id, 'dm:expired');

    date.advance(8 * 24 * 3600 * 1000);
    expect(await ledger.claim(id, 'dm:expired')).toBe(false);
    expect((await stored(id, 'dm:expired'))?.expiration).toBeGreaterThanOrEqual(Math.floor(date.now() / 1000) + SENT_REMEMBERED_SECONDS - 8 * 24 * 3600 - 1);
  });

  it('gives a claim back after a failed send, so the retry sends', async () => {
    const id = newSessionId();
    expect(await ledger.claim(id, 'dm:done')).toBe(true);
    await ledger.release(id, 'dm:done');
    expect(await ledger.claim(id, 'dm:done')).toBe(true);
  });

  it('takes over a claim whose worker stopped before sending, once its lease has run out, and only then', async () => {
    const id = newSessionId();
    // The worker claims, then its Lambda times out: no send, no release, no completion.
    expect(await ledger.claim(id, 'dm:denied')).toBe(true);

    date.advance(CLAIM_LEASE_MS - 1);
    expect(await ledger.claim(id, 'dm:denied')).toBe(false);
    date.advance(2);
    const retries = await Promise.all([ledger.claim(id, 'dm:denied'), ledger.claim(id, 'dm:denied')]);

    expect(retries.filter(Boolean)).toHaveLength(1);
    expect(await stored(id, 'dm:denied')).toMatchObject({ state: 'INPROGRESS', leaseUntil: date.now() + CLAIM_LEASE_MS });
  });

  it('counts a message recorded before claims had leases as sent', async () => {
    const id = newSessionId();
    await dynamo.documents.send(new PutCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Item: { pk: `SESSION#${id}`, sk: 'NOTIFIED#dm:approved', at: '2026-11-01T00:00:00.000Z' } }));
    date.advance(10 * CLAIM_LEASE_MS);
    expect(await ledger.claim(id, 'dm:approved')).toBe(false);
  });

  it('shows as sent what was completed or recorded before claims had leases, never a claim in progress or given back', async () => {
    const id = newSessionId();
    await ledger.claim(id, 'dm:approved');
    await ledger.complete(id, 'dm:approved');
    await ledger.claim(id, 'dm:running');
    await ledger.claim(id, 'dm:denied');
    await ledger.release(id, 'dm:denied');
    await dynamo.documents.send(new PutCommand({ TableName: dynamo.tables.SESSIONS_TABLE, Item: { pk: `SESSION#${id}`, sk: 'NOTIFIED#dm:done', at: '2026-11-01T00:00:00.000Z' } }));

    expect([...(await ledger.sent(id))].sort()).toEqual(['dm:approved', 'dm:done']);
    // A claim left by a stopped worker is not shown as sent, so the next redraw still claims and takes it over.
    date.advance(CLAIM_LEASE_MS + 1);
    expect(await ledger.sent(id)).not.toContain('dm:running');
    expect(await ledger.claim(id, 'dm:running')).toBe(true);
  });

  it('shows nothing as sent once the record has expired, as a claim would', async () => {
    const id = newSessionId();
    await ledger.claim(id, 'dm:approved');
    await ledger.complete(id, 'dm:approved');
    date.advance((SENT_REMEMBERED_SECONDS + 1) * 1000);
    expect(await ledger.sent(id)).toEqual(new Set());
    expect(await ledger.claim(id, 'dm:approved')).toBe(true);
  });
});
