/**
 * isCanonicalJsonBytes lets the verifier hash stored bytes instead of encoding their value again, so it
 * must never call a text canonical that canonicalJson would write otherwise. Checked against
 * canonicalJson itself on canonical texts and on many small respellings of them.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../functions/domain/canonical-json';
import { isCanonicalJsonBytes } from '../../../functions/domain/canonical-bytes';
import { sessionEvents } from '../../fixtures/evidence';

const values: unknown[] = [
  sessionEvents('c1', new Date('2026-11-26T10:00:00.000Z')),
  { a: 1, b: [true, false, null, -7, 0, 123456789012345], c: { d: '', e: 'café 🔑 — \u2028' } },
  { escapes: '"\\\b\f\n\r\t\u0000\u0001\u000b\u001f\u007f/' },
  [[], {}, [{}], ''],
  { A: 1, B: 2, a: 3, aa: 4, ab: 5, b: 6 },
];
const canonical = values.map((value) => canonicalJson(value));

/** Respellings of `text` that JSON.parse still reads, each a single small change. */
function respellings(text: string): string[] {
  const out = new Set<string>();
  const structural = [...text.matchAll(/[{}[\]:,]/g)].map((match) => match.index!);
  for (const at of structural.slice(0, 40)) {
    for (const space of [' ', '\n', '\t', '\r']) out.add(text.slice(0, at) + space + text.slice(at));
    out.add(text.slice(0, at + 1) + ' ' + text.slice(at + 1));
  }
  out.add(` ${text}`);
  out.add(`${text}\n`);
  for (const [from, to] of [
    ['"a"', '"\\u0061"'], ['A', '\\u0041'], ['/', '\\/'], ['\\u0001', '\\u0001'.toUpperCase()], ['\\b', '\\u0008'], ['\\n', '\\u000a'],
    ['\\u001f', '\\u001F'], [':1,', ':1.0,'], [':1,', ':1e0,'], [':1,', ':10e-1,'], [':0}', ':-0}'], [',0,', ',-0,'], ['-7', '-7.0'],
    ['123456789012345', '123456789012345.0'], ['é', '\\u00e9'], ['🔑', '\\ud83d\\udd11'], ['\u2028', '\\u2028'], ['\u007f', '\\u007f'],
  ]) {
    for (let at = text.indexOf(from); at >= 0; at = text.indexOf(from, at + 1)) out.add(text.slice(0, at) + to + text.slice(at + from.length));
  }
  // Members swapped or repeated: every adjacent pair of keys of the first object that has two.
  const object = text.match(/\{"([^"]+)":("[^"]*"|[^,{}[\]]+),"([^"]+)":("[^"]*"|[^,{}[\]]+)/);
  if (object) {
    const [whole, k1, v1, k2, v2] = object;
    out.add(text.replace(whole, `{"${k2}":${v2},"${k1}":${v1}`));
    out.add(text.replace(whole, `{"${k1}":${v1},"${k1}":${v1},"${k2}":${v2}`));
  }
  out.delete(text);
  return [...out].filter((candidate) => {
    try {
      JSON.parse(candidate);
      return true;
    } catch {
      return false;
    }
  });
}

describe('isCanonicalJsonBytes', () => {
  it('reads canonicalJson\'s own texts as canonical', () => {
    for (const text of canonical) expect(isCanonicalJsonBytes(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('never reads a respelled text as canonical', () => {
    let checked = 0;
    for (const text of canonical) {
      for (const respelled of respellings(text)) {
        const isCanonical = canonicalJson(JSON.parse(respelled)) === respelled;
        if (!isCanonical) {
          expect.soft(isCanonicalJsonBytes(Buffer.from(respelled, 'utf8')), respelled).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
  });

  it('leaves to the encoder what it cannot read cheaply: non-integers, long integers, escaped keys', () => {
    for (const value of [{ a: 1.5 }, { a: 1234567890123456 }, { 'é': 1 }, { 'a"b': 1 }, { a: '\ud800' }]) {
      expect(isCanonicalJsonBytes(Buffer.from(canonicalJson(value), 'utf8'))).toBe(false);
    }
  });
});
