/**
 * examineSegment hashes each event's stored text (its hash member cut out) only when the whole segment
 * is exactly canonical JSON. A text that parses to the same event but is spelled otherwise (re-spaced,
 * members reordered, `\u0041` for `A`, `2.0` for `2`) must still be hashed as its canonical form: an
 * event whose recorded hash is that of its own non-canonical text is altered, as before.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type AuditEvent, canonicalJson, chainEvent, hashEvent } from '../../../functions/domain/audit-chain';
import { buildSegment, evidenceKey, type EvidenceSegment } from '../../../functions/domain/evidence';
import { examineSegment } from '../../../functions/domain/evidence-verify-segment';
import { storedEventHashes } from '../../../functions/domain/stored-event-hashes';
import { sessionEvents } from '../../fixtures/evidence';

const exportedAt = '2026-11-26T10:00:06.000Z';
const events = sessionEvents('s1', new Date('2026-11-26T10:00:00.000Z'));
const segment = buildSegment({ stream: 'SESSION#s1', exportedAt, previous: null, events });
const key = evidenceKey(segment.stream, segment.fromSeq, segment.toSeq, new Date(exportedAt));
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const bodyOf = ({ hash: _hash, ...body }: AuditEvent) => body;

/** Whether examineSegment took `seq`'s recorded hash as what its content hashes to. */
function accepted(bytes: Buffer, seq: number): boolean {
  const { outline, problems } = examineSegment(key, bytes);
  expect(problems).toEqual([]);
  if (outline!.first.seq === seq) return outline!.first.recomputed === outline!.first.hash;
  return !outline!.within.some((problem) => problem.kind === 'altered' && problem.seq === seq);
}

/**
 * The segment's canonical bytes with event `index` written as `text` (its content spelled by `spell`)
 * and recording `hash`, placed after its content: exactly what cutting the hash member out of the
 * stored text would hash.
 */
function respelled(index: number, spell: (canonicalBody: string) => string, hash: (spelled: string) => string): Buffer {
  const event = events[index];
  const spelled = spell(canonicalJson(bodyOf(event)));
  expect(JSON.parse(spelled)).toEqual(bodyOf(event));
  const text = `${spelled.slice(0, -1)},"hash":"${hash(spelled)}"}`;
  const canonical = canonicalJson(segment);
  expect(canonical).toContain(canonicalJson(event));
  return Buffer.from(canonical.replace(canonicalJson(event), text), 'utf8');
}

const spellings: [string, number, (body: string) => string][] = [
  ['re-spaced', 2, (body) => body.replace(',"at":', ', "at": ')],
  ['with its members reordered', 3, (body) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body)).reverse()))],
  ['with \\u0041 for A', 0, (body) => body.replace('"Alice', '"\\u0041lice')],
  ['with 2.0 for 2', 1, (body) => body.replace('"seq":2,', '"seq":2.0,')],
];

describe('stored event hashes', () => {
  it('hash each event of a canonical segment from its stored text, as hashEvent does', () => {
    const bytes = Buffer.from(canonicalJson(segment), 'utf8');
    expect(storedEventHashes(bytes, JSON.parse(bytes.toString('utf8')))).toEqual(events.map((event) => event.hash));
    expect(events.every((_event, index) => accepted(bytes, index + 1))).toBe(true);
  });

  it('cut only the event\'s own hash member, whatever its strings and nested members hold', () => {
    const odd: AuditEvent[] = [];
    const details = [
      { hash: 'a nested hash member', note: 'café ✓ — "quoted", {braced} [listed] \\ back\nslash' },
      { list: [{ hash: 'x' }, '}', ']', ','], emoji: '🔑', control: '\u0001' },
    ];
    for (const detail of details) odd.push(chainEvent(odd.at(-1), { stream: 'SESSION#s2', at: exportedAt, type: 'session.note', actor: { system: 'accessgate' }, details: detail }));
    const oddSegment: EvidenceSegment = buildSegment({ stream: 'SESSION#s2', exportedAt, previous: null, events: odd });
    const bytes = Buffer.from(canonicalJson(oddSegment), 'utf8');
    expect(storedEventHashes(bytes, JSON.parse(bytes.toString('utf8')))).toEqual(odd.map((event) => hashEvent(bodyOf(event))));
  });

  it.each(spellings)('name an event %s that records the hash of its own text as altered', (_what, index, spell) => {
    const bytes = respelled(index, spell, sha256);
    expect(storedEventHashes(bytes, JSON.parse(bytes.toString('utf8')))).toBeUndefined();
    expect(accepted(bytes, index + 1)).toBe(false);
  });

  it.each(spellings)('accept an event %s that records the hash of its canonical form, as before', (_what, index, spell) => {
    const bytes = respelled(index, spell, () => events[index].hash);
    expect(accepted(bytes, index + 1)).toBe(true);
  });

  it('hash text that is not valid UTF-8 as its decoded value, not as its bytes', () => {
    const bytes = Buffer.from(canonicalJson(segment), 'utf8');
    const at = bytes.indexOf('Alice');
    bytes[at] = 0xff; // decodes as U+FFFD, which canonical JSON writes as three bytes
    expect(storedEventHashes(bytes, JSON.parse(bytes.toString('utf8')))).toBeUndefined();
  });
});
