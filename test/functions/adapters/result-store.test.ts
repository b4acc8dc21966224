/**
 * The results store against dynalite (the local DynamoDB): rows and a refused command's database
 * message live side by side under the session, each readable only until its day is up.
 */
import { describe, expect, it } from 'vitest';
import { DynamoResultStore } from '../../../functions/adapters/result-store';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let now = new Date('2026-11-30T10:00:00.000Z');
const store = () => new DynamoResultStore(dynamo.documents, dynamo.tables.RESULTS_TABLE, () => now);

const rows = { columns: [{ name: 'name', type: 'text' }], rows: [['Amélie van Rossum']], rowCount: 1, truncated: false };
const failure = { code: '22P02', message: 'ERROR: invalid input syntax for type integer: "Amélie van Rossum"; SQLState: 22P02' };

describe('DynamoResultStore', () => {
  it('keeps a refused command\'s database message apart from rows, under the same session', async () => {
    // Prepare
    now = new Date('2026-11-30T10:00:00.000Z');
    await store().put('s-1', rows);
    // Act
    await store().putFailure('s-1', failure);
    // Assess: neither read mistakes the other's item for its own
    await expect(store().get('s-1')).resolves.toEqual(rows);
    await expect(store().failure('s-1')).resolves.toEqual(failure);
    await expect(store().failure('s-2')).resolves.toBeUndefined();
  });

  it('stops returning the message once its day is up, even before TTL deletes it', async () => {
    // Prepare
    now = new Date('2026-11-30T10:00:00.000Z');
    await store().putFailure('s-3', failure);
    // Act
    now = new Date('2026-12-01T09:59:00.000Z');
    const withinTheDay = await store().failure('s-3');
    now = new Date('2026-12-01T10:00:01.000Z');
    const after = await store().failure('s-3');
    // Assess
    expect(withinTheDay).toEqual(failure);
    expect(after).toBeUndefined();
  });
});
