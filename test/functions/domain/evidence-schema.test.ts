/** The documented event schema: what it allows, and how it names what it does not. */
import { describe, expect, it } from 'vitest';
import { undocumentedFields } from '../../../functions/domain/evidence-schema';
import { sessionEvents } from '../../fixtures/evidence';

describe('undocumentedFields', () => {
  it('allows every event of a whole session story as the product records it', () => {
    for (const event of sessionEvents('00000000-0000-4000-a000-000000000001', new Date('2026-11-26T08:00:00Z'))) {
      expect(undocumentedFields(event)).toEqual([]);
    }
  });

  it('names an extra field at any depth it documents, on the event, its actor and its details', () => {
    const base = { stream: 'SESSION#x', seq: 1, at: '2026-11-26T08:00:00.000Z', prev: '0', hash: '1', actor: { system: 'accessgate' } };
    expect(undocumentedFields({ ...base, type: 'session.failed', details: { error: { code: '22P02', message: 'failed', detail: 'row data' } } })).toEqual(['details.error.detail']);
    expect(undocumentedFields({ ...base, type: 'session.done', details: { result: { rowCount: 1, durationMs: 2, truncated: false, rows: [[1]] } } })).toEqual(['details.result.rows']);
    expect(undocumentedFields({ ...base, type: 'session.running', details: { commandSha256: 'x' }, sql: 'select' } as never)).toEqual(['sql']);
    expect(undocumentedFields({ ...base, type: 'review.denied', actor: { sub: 'a', email: 'a@x', name: 'A', groups: ['g'] }, details: { denial: { sub: 'a', at: 'now', reason: 'no' } } })).toEqual(['actor.groups']);
  });

  it('names an event type the schema does not document', () => {
    expect(undocumentedFields({ type: 'session.leaked', actor: { system: 'accessgate' }, details: {} })).toEqual(['type "session.leaked"']);
  });

  it('leaves configuration snapshots to be what the configuration is', () => {
    expect(undocumentedFields({ type: 'rule.updated', actor: { sub: 'd' }, details: { rule: 'r', before: { any: 1 }, after: { any: 2, more: [3] } } })).toEqual([]);
  });
});
