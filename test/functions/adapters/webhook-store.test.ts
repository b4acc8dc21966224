/** The webhook store against dynalite: registrations listed through the byKind index, the first delete wins, attempts newest first. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoWebhookStore } from '../../../functions/adapters/webhook-store';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let store: DynamoWebhookStore;

beforeAll(() => {
  store = new DynamoWebhookStore(dynamo.documents, dynamo.tables.SESSIONS_TABLE);
});

const hook = (id: string, createdAt: string) => ({ id, url: `https://hooks.example.com/${id}`, events: ['session.done' as const], createdAt, createdBy: 'dana@example.com' });

describe('DynamoWebhookStore', () => {
  it('creates, lists in registration order, reads and deletes once', async () => {
    await store.create(hook('b', '2026-11-26T10:00:01.000Z'));
    await store.create(hook('a', '2026-11-26T10:00:00.000Z'));
    await expect(store.create(hook('a', '2026-11-26T10:00:00.000Z'))).rejects.toThrow();

    expect((await store.list()).map((webhook) => webhook.id)).toEqual(['a', 'b']);
    expect(await store.get('b')).toEqual(hook('b', '2026-11-26T10:00:01.000Z'));
    expect(await store.delete('b')).toEqual(hook('b', '2026-11-26T10:00:01.000Z'));
    expect(await store.delete('b')).toBeUndefined();
    expect(await store.get('b')).toBeUndefined();
    expect((await store.list()).map((webhook) => webhook.id)).toEqual(['a']);
  });

  it('keeps every attempt and reads them back newest first, up to the limit', async () => {
    for (const [at, attempt] of [['2026-11-26T10:00:00.000Z', 1], ['2026-11-26T10:00:30.000Z', 2], ['2026-11-26T10:01:30.000Z', 3]] as const) {
      await store.recordAttempt('a', { at, attempt, eventId: 'e1', type: 'session.done', status: 500, outcome: attempt === 3 ? 'dead_lettered' : 'retrying' });
    }
    expect((await store.attempts('a', 2)).map((attempt) => attempt.attempt)).toEqual([3, 2]);
    expect(await store.attempts('nobody', 10)).toEqual([]);
    // The listing of webhooks is not confused by their attempts.
    expect((await store.list()).map((webhook) => webhook.id)).toEqual(['a']);
  });

  it('stores no secret: every item is the registration or an attempt', async () => {
    const { Items } = await dynamo.documents.send(new ScanCommand({ TableName: dynamo.tables.SESSIONS_TABLE }));
    expect(JSON.stringify(Items)).not.toMatch(/secret|whsec_/i);
  });
});
