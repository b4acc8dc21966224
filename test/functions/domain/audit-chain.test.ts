import { describe, expect, it } from 'vitest';
import { type AuditEvent, CHAIN_START, type ChainPosition, type ChainProblem, canonicalJson, chainEvent, checkLink, GENESIS_HASH, hashEvent, verifyChain } from '../../../functions/domain/audit-chain';

const actor = { sub: 's', email: 'bob@example.com', name: 'Bob' };

function chain(count: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let index = 0; index < count; index++) {
    events.push(chainEvent(events.at(-1), { stream: 'SESSION#1', at: `2026-11-26T10:00:0${index}.000Z`, type: `t${index}`, actor, details: { n: index } }));
  }
  return events;
}

describe('canonicalJson', () => {
  it('orders keys by UTF-16 code units, integer-like keys included, as the format says', () => {
    expect(canonicalJson({ é: 1, a: 2, B: 3, 10: 4, 9: 5, '': [undefined, { y: 1, x: 2 }] })).toBe('{"":[null,{"x":2,"y":1}],"10":4,"9":5,"B":3,"a":2,"é":1}');
  });

  it('sorts keys, drops undefined members and whitespace', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 'é', y: -2 } })).toBe('{"a":[true,null,"x"],"b":1,"d":{"y":-2,"z":"é"}}');
  });
  it('is the same for the same value whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: { b: 2, a: 1 } })).toBe(canonicalJson({ y: { a: 1, b: 2 }, x: 1 }));
  });
  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
  it('gives the same form for values already in canonical order (read back from canonical bytes) as for any other', () => {
    const written = canonicalJson({ z: [1, { b: 'x', a: null, c: undefined }], a: { 9: true, 10: -0.5 }, m: 'é\u2028"' });
    expect(canonicalJson(JSON.parse(written))).toBe(written);
    expect(canonicalJson({ a: [undefined, 1], b: undefined })).toBe('{"a":[null,1]}');
    // Not plain data: written member by member as before, never through toJSON or a prototype.
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":{}}');
    expect(canonicalJson(Object.assign(Object.create({ inherited: 1 }), { own: 2 }))).toBe('{"own":2}');
    expect(() => canonicalJson({ a: 1, b: [Number.POSITIVE_INFINITY] })).toThrow(/non-finite/);
    expect(() => canonicalJson(undefined)).toThrow(/undefined/);
  });
});

describe('hash chain', () => {
  it('links each event to the one before, starting from the genesis hash', () => {
    const events = chain(3);
    expect(events[0]).toMatchObject({ seq: 1, prev: GENESIS_HASH });
    expect(events[1].prev).toBe(events[0].hash);
    expect(events[2].prev).toBe(events[1].hash);
    const { hash, ...body } = events[2];
    expect(hashEvent(body)).toBe(hash);
    expect(verifyChain('SESSION#1', events)).toEqual([]);
  });

  it('names an altered event', () => {
    const events = chain(3);
    events[1] = { ...events[1], details: { n: 99 } };
    expect(verifyChain('SESSION#1', events)).toEqual([expect.objectContaining({ kind: 'altered', seq: 2 })]);
  });

  it('notices a removed event as a gap and a broken link', () => {
    const events = chain(3);
    const problems = verifyChain('SESSION#1', [events[0], events[2]]);
    expect(problems.map((p) => p.kind)).toEqual(['gap', 'broken_link']);
  });

  it('notices reordered events: each moved event is out of sequence and off its link', () => {
    const events = chain(3);
    expect(verifyChain('SESSION#1', [events[0], events[2], events[1]])).toEqual([
      { kind: 'gap', expectedSeq: 2, actualSeq: 3 },
      { kind: 'broken_link', seq: 3, expectedPrev: events[0].hash, actualPrev: events[1].hash },
      { kind: 'gap', expectedSeq: 4, actualSeq: 2 },
      { kind: 'broken_link', seq: 2, expectedPrev: events[2].hash, actualPrev: events[0].hash },
    ]);
  });

  it('notices an event moved from another stream', () => {
    const events = chain(1);
    expect(verifyChain('SESSION#2', events)).toEqual([expect.objectContaining({ kind: 'wrong_stream' })]);
  });

  it('gives the same problems checked in pieces (as the evidence verifier checks each segment apart) as in one run', () => {
    const events = chain(6);
    const tampered = [events[0], { ...events[1], stream: 'SESSION#9' }, events[3], events[2], { ...events[4], details: { n: 99 } }, events[5]];
    const whole = verifyChain('SESSION#1', tampered);
    expect(whole.map((p) => p.kind)).toEqual(['wrong_stream', 'altered', 'gap', 'broken_link', 'gap', 'broken_link', 'gap', 'broken_link', 'altered']);
    const recomputed = tampered.map(({ hash: _hash, ...body }) => hashEvent(body));
    for (let cut = 1; cut < tampered.length; cut++) {
      // The second piece's events after its first are checked on their own, its first against the piece before it.
      const problems: ChainProblem[] = [];
      let at: ChainPosition = CHAIN_START;
      for (let index = 0; index < cut; index++) at = checkLink('SESSION#1', tampered[index], recomputed[index], at, problems);
      const within: ChainProblem[] = [];
      let inside: ChainPosition = { prev: tampered[cut].hash, expectedSeq: tampered[cut].seq + 1 };
      for (let index = cut + 1; index < tampered.length; index++) inside = checkLink('SESSION#1', tampered[index], recomputed[index], inside, within);
      checkLink('SESSION#1', tampered[cut], recomputed[cut], at, problems);
      expect([...problems, ...within]).toEqual(whole);
    }
  });
});
