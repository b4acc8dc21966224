/**
 * examineSegment passes a segment without running the zod schema when a hand-written check says it
 * plainly fits: that check must never accept what the schema refuses. Each change below breaks one
 * rule of the schema on an otherwise intact segment; every one must be named as malformed.
 */
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../../functions/domain/evidence';
import { examineSegment } from '../../../functions/domain/evidence-verify-segment';
import { buildEvidence, rsaKey } from '../../fixtures/evidence';

const built = buildEvidence({ key: rsaKey(), sessions: 2, periods: 2 });
const key = built.evidenceKeys.find((k) => k.includes('/sessions/'))!;
const intact = () => JSON.parse(built.files.get(key)!.toString('utf8')) as Record<string, any>;
const link = { key: 'evidence/x.json', sha256: 'a'.repeat(64), toSeq: 1, lastHash: 'b'.repeat(64) };

const breaks: [string, (segment: Record<string, any>) => void][] = [
  ['an extra field', (s) => { s.extra = 1; }],
  ['a missing field', (s) => { delete s.exportedAt; }],
  ['another format', (s) => { s.format = 'accessgate-evidence/2'; }],
  ['an unknown kind', (s) => { s.kind = 'audit'; }],
  ['an empty stream', (s) => { s.stream = ''; }],
  ['a fractional fromSeq', (s) => { s.fromSeq = 1.5; }],
  ['a zero toSeq', (s) => { s.toSeq = 0; }],
  ['a toSeq past the safe integers', (s) => { s.toSeq = 2 ** 60; }],
  ['a time that is none', (s) => { s.exportedAt = 'yesterday'; }],
  ['previous missing', (s) => { delete s.previous; }],
  ['previous as a list', (s) => { s.previous = [link]; }],
  ['previous with an extra field', (s) => { s.previous = { ...link, extra: 1 }; }],
  ['previous with a short hash', (s) => { s.previous = { ...link, sha256: 'abc' }; }],
  ['previous with an upper-case hash', (s) => { s.previous = { ...link, lastHash: 'B'.repeat(64) }; }],
  ['previous with toSeq 0', (s) => { s.previous = { ...link, toSeq: 0 }; }],
  ['no events', (s) => { s.events = []; }],
  ['events as an object', (s) => { s.events = { 0: s.events[0] }; }],
  ['an event that is a list', (s) => { s.events[1] = [s.events[1]]; }],
  ['an event without prev', (s) => { delete s.events[2].prev; }],
  ['an event with a text seq', (s) => { s.events[0].seq = '1'; }],
  ['an event with a fractional seq', (s) => { s.events[3].seq = 3.5; }],
  ['an event with a numeric hash', (s) => { s.events[5].hash = 5; }],
];

describe('examineSegment', () => {
  it('finds nothing wrong with an intact segment', () => {
    expect(examineSegment(key, built.files.get(key)!).problems).toEqual([]);
  });

  it.each(breaks)('names %s as malformed, as the schema does', (_what, change) => {
    const segment = intact();
    change(segment);
    const { problems, outline, segment: read } = examineSegment(key, canonicalBytes(segment));
    expect(problems).toEqual([expect.objectContaining({ kind: 'malformed_object', key, message: expect.stringContaining('is not an evidence segment') })]);
    expect(outline).toBeUndefined();
    expect(read).toBeUndefined();
  });
});
