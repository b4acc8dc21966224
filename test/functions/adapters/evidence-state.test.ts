/**
 * The digest periods of the evidence bookkeeping against dynalite: each object is an item of its own,
 * so a period holds more than one item's 400 KB allows and listing one more object costs the same
 * however full the period is; a seal stops additions, and what was added before it is what the
 * sealer gets. Counted in the table itself.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoEvidenceState } from '../../../functions/adapters/evidence-state';
import { dynamoPerFile } from '../../support/dynamo';

const dynamo = dynamoPerFile();
let table: string;
let state: DynamoEvidenceState;

beforeAll(() => {
  table = dynamo.tables.EVIDENCE_TABLE;
  state = new DynamoEvidenceState(dynamo.documents, table);
});

const entry = (i: number, keyBytes = 40) => ({ key: `evidence/2026/11/26/sessions/${String(i).padStart(6, '0')}/${'x'.repeat(keyBytes)}.json`, sha256: 'a'.repeat(64), size: i });
const itemsIn = async (period: string) =>
  (await dynamo.documents.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `PERIOD#${period}` }, ConsistentRead: true }))).Items ?? [];

describe('digest periods', () => {
  it('list more objects than one 400 KB item could hold, each in an item of its own', async () => {
    // Prepare: 450 entries of about 1 KB each (the period's old single item refused them at 400 KB).
    const period = '2026-11-26T10:00:00.000Z';
    const entries = Array.from({ length: 450 }, (_, i) => entry(i, 900));
    // Act
    for (let i = 0; i < entries.length; i += 25) {
      const outcomes = await Promise.all(entries.slice(i, i + 25).map((e) => state.addToPeriod(period, e)));
      expect(new Set(outcomes)).toEqual(new Set(['recorded']));
    }
    const sealed = await state.sealPeriod(period, '2026-11-26T11:00:05.000Z');
    // Assess
    expect(sealed.sort((a, b) => a.size - b.size)).toEqual(entries);
    const items = await itemsIn(period);
    expect(items.filter((item) => String(item.sk).startsWith('OBJECT#'))).toHaveLength(450);
    expect(Math.max(...items.map((item) => JSON.stringify(item).length))).toBeLessThan(1_200);
  }, 120_000);

  it('refuses additions once sealed, and sealing again returns the same list', async () => {
    const period = '2026-11-26T11:00:00.000Z';
    expect(await state.addToPeriod(period, entry(1))).toBe('recorded');
    const first = await state.sealPeriod(period, '2026-11-26T12:00:05.000Z');
    expect(await state.addToPeriod(period, entry(2))).toBe('sealed');
    expect(await state.sealPeriod(period, '2026-11-26T12:00:09.000Z')).toEqual(first);
    expect(first).toEqual([entry(1)]);
    const seal = (await itemsIn(period)).find((item) => item.sk === 'SEAL');
    expect(seal?.sealedAt).toBe('2026-11-26T12:00:05.000Z');
  });
});
