/**
 * examineSegment reads a plainly intact segment straight from its bytes (segment-bytes.ts) and sends
 * everything else the long way (examineParsed: parse, schema, encode). The two must answer the same for
 * the same bytes, so a tampered, undocumented or non-canonical event read from the bytes is named
 * exactly as before. Each case below compares the two; the read from the bytes must also answer for
 * intact segments (else the comparison proves nothing) and decline what the long way names.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../infra/local/seeded-random';
import { canonicalBytes } from '../../../functions/domain/evidence';
import { type ExaminedSegment, examineParsed, examineSegment } from '../../../functions/domain/evidence-verify-segment';
import { readSegmentBytes } from '../../../functions/domain/segment-bytes';
import { buildEvidence, rsaKey } from '../../fixtures/evidence';

const built = buildEvidence({ key: rsaKey(), sessions: 3, periods: 2 });
const keys = built.evidenceKeys;
const sessionKey = keys.find((k) => k.includes('/sessions/'))!;
const configKey = keys.filter((k) => k.includes('/config/')).at(-1)!;
const securityKey = keys.find((k) => k.includes('/security/'))!;

/** What examining found, but the parsed segment (which the long way builds and the bytes read parses on demand). */
const found = ({ sha256, size, outline, problems, undocumented }: ExaminedSegment) => ({ sha256, size, outline, problems, undocumented });

function bothWays(key: string, bytes: Uint8Array) {
  const quick = found(examineSegment(key, bytes));
  const long = found(examineParsed(key, bytes));
  expect(quick).toEqual(long);
  return { read: readSegmentBytes(bytes) !== undefined, long };
}

type Segment = Record<string, any>;
const intact = (key: string) => JSON.parse(built.files.get(key)!.toString('utf8')) as Segment;

/** Changes to a session segment, written back canonically: the byte read must decline each, and the long way names it. */
const changes: [string, string, (segment: Segment) => void][] = [
  ['an undocumented event field', 'undocumented', (s) => { s.events[1].row = { card: '4111' }; }],
  ['an undocumented actor field', 'undocumented', (s) => { s.events[0].actor.phone = '555'; }],
  ['a system actor with a person field', 'undocumented', (s) => { s.events[1].actor.email = 'x@example.com'; }],
  ['an undocumented details field', 'undocumented', (s) => { s.events[0].details.secret = 'hunter2'; }],
  ['an undocumented field in a nested details object', 'undocumented', (s) => { s.events[0].details.resource.password = 'x'; }],
  ['an undocumented event type', 'undocumented', (s) => { s.events[2].type = 'review.bribed'; }],
  ['an event without a type', 'undocumented', (s) => { delete s.events[2].type; }],
  ['an event whose content was altered', 'altered', (s) => { s.events[3].details.approvers = ['mallory@example.com']; }],
  ['the first event altered', 'first', (s) => { s.events[0].details.reason = 'no ticket'; }],
  ['an event that names another prev', 'broken_link', (s) => { s.events[4].prev = s.events[2].hash; }],
  ['an event of another stream', 'wrong_stream', (s) => { s.events[5].stream = 'SESSION#other'; }],
  ['a sequence gap', 'gap', (s) => { s.events[5].seq = 9; }],
  ['a recorded hash changed', 'altered', (s) => { s.events[2].hash = 'f'.repeat(64); }],
  ['a text seq', 'malformed', (s) => { s.events[1].seq = '2'; }],
  ['a fractional number in details', 'same', (s) => { s.events[5].details.result.durationMs = 4.5; }],
  ['another format', 'value', (s) => { s.format = 'accessgate-evidence/2'; }],
  ['an extra segment member', 'malformed', (s) => { s.note = 'x'; }],
  ['a kept segment moved under another key', 'misplaced', (s) => { s.exportedAt = '2026-11-27T08:30:00.000Z'; }],
];

describe('a segment read from its bytes', () => {
  it('answers for every intact segment exactly as the long way does', () => {
    for (const key of [sessionKey, configKey, securityKey, ...keys]) {
      const { read, long } = bothWays(key, built.files.get(key)!);
      expect(read, key).toBe(true);
      expect(long.problems).toEqual([]);
    }
  });

  it.each(changes)('declines %s, which the long way names', (_what, named, change) => {
    const segment = intact(sessionKey);
    change(segment);
    const { read, long } = bothWays(sessionKey, canonicalBytes(segment));
    const within = long.outline?.within.map((problem) => problem.kind) ?? [];
    switch (named) {
      case 'undocumented':
        expect(long.undocumented).not.toEqual([]);
        break;
      case 'first':
        expect(long.outline!.first.recomputed).not.toBe(long.outline!.first.hash);
        return; // the first event is checked against the one before it by the verifier: the read answers
      case 'malformed':
        expect(long.problems.map((problem) => problem.kind)).toEqual(['malformed_object']);
        break;
      case 'value':
        // Read, but the members' values are examineSegment's to check, with the long way's own check.
        expect(long.problems.map((problem) => problem.kind)).toEqual(['malformed_object']);
        return;
      case 'misplaced':
        expect(long.problems.map((problem) => problem.kind)).toEqual(['misplaced_object']);
        expect(read).toBe(true);
        return;
      case 'same':
        expect(long.problems).toEqual([]);
        break;
      default:
        expect(within).toContain(named);
    }
    expect(read).toBe(false);
  });

  it('declines a segment spelled other than canonically', () => {
    const text = built.files.get(sessionKey)!.toString('utf8');
    const withLiterals = intact(sessionKey);
    withLiterals.events[0].details.parameters = [false, null, true];
    const literals = canonicalBytes(withLiterals).toString('utf8');
    expect(bothWays(sessionKey, Buffer.from(literals, 'utf8')).read).toBe(true);
    const respellings = [
      text.replace('"seq":2,', '"seq": 2,'),
      text.replace('"Alice', '"\\u0041lice'),
      text.replace('"seq":2,', '"seq":2.0,'),
      `${text}\n`,
      ` ${text}`,
      text.replace('{"events":[{"actor":', '{"events":[{"at":"x","actor":'),
      JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse())),
      // Not JSON at all: a misspelt literal (in the first event, whose hash the verifier checks against
      // the segment before), a raw control character in a string, a text cut short.
      literals.replace('[false,null,true]', '[fa1se,null,true]'),
      literals.replace('[false,null,true]', '[false,nul1,true]'),
      literals.replace('[false,null,true]', '[false,null,tru]'),
      text.replace('"previous":null', '"previous":nul1'),
      text.replace('"Alice', '"\\u0009Alice'),
      text.replace('"Alice', `"${String.fromCharCode(9)}Alice`),
      text.slice(0, -1),
      text.slice(0, text.indexOf('"hash"') + 20),
    ];
    for (const respelled of respellings) {
      expect(respelled).not.toBe(text);
      const { read } = bothWays(sessionKey, Buffer.from(respelled, 'utf8'));
      expect(read, respelled).toBe(false);
    }
  });

  it('answers as the long way for 2,000 random byte changes', () => {
    // Each change flips, drops, doubles or swaps bytes of an intact segment: most make it no JSON or no
    // longer canonical, some change a value. The long way's answer is the reference for every one.
    const random = seededRandom(20261201);
    const pick = (length: number) => Math.floor(random() * length);
    let read = 0;
    for (let run = 0; run < 2000; run++) {
      const key = [sessionKey, configKey, securityKey][run % 3];
      const bytes = Buffer.from(built.files.get(key)!);
      const at = pick(bytes.length);
      const changed = (() => {
        switch (run % 4) {
          case 0:
            bytes[at] ^= 1 << pick(8);
            return bytes;
          case 1:
            return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + pick(4))]);
          case 2:
            return Buffer.concat([bytes.subarray(0, at + 1), bytes.subarray(at, at + 1 + pick(4)), bytes.subarray(at + 1)]);
          default: {
            const other = pick(bytes.length);
            [bytes[at], bytes[other]] = [bytes[other], bytes[at]];
            return bytes;
          }
        }
      })();
      if (bothWays(key, changed).read) read++;
    }
    // Both ways were taken many times: a change inside a string or between equal bytes still reads.
    expect(read).toBeGreaterThan(200);
    expect(read).toBeLessThan(1500);
  });

  it('declines, rather than fails on, nesting deeper than its stack', () => {
    const text = built.files.get(sessionKey)!.toString('utf8');
    const deep = text.replace(/"command":"[^"]*"/, `"command":${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(deep).not.toBe(text);
    expect(readSegmentBytes(Buffer.from(deep, 'utf8'))).toBeUndefined();
  });
});
