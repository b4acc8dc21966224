/**
 * readDigests passes a digest without running the zod schema when a hand-written check says it plainly
 * fits, and takes its canonical form from its bytes when they are plainly canonical: neither shortcut
 * may accept what the long way refuses. Each change below breaks one rule of the digest schema on an
 * otherwise intact digest, written canonically; every one must be named as malformed. Bytes that are
 * not valid UTF-8 must still be named not canonical.
 */
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../../functions/domain/evidence';
import type { Inspection, Problem } from '../../../functions/domain/evidence-verify';
import { readDigests } from '../../../functions/domain/evidence-verify-digests';
import { buildEvidence, mapSource, rsaKey } from '../../fixtures/evidence';

const built = buildEvidence({ key: rsaKey(), sessions: 4, periods: 3 });
const key = built.digestKeys[1];
const intact = () => JSON.parse(built.files.get(key)!.toString('utf8')) as Record<string, any>;

function read(bytes: Uint8Array): { problems: Problem[]; digests: number } {
  const files = new Map<string, Uint8Array>([[key, bytes]]);
  const problems: Problem[] = [];
  const inspection: Inspection = { source: mapSource(files), keys: [key], problem: (problem) => problems.push(problem), note: () => {}, bytes: 0 };
  return { problems, digests: readDigests(inspection).length };
}

const entry = { key: 'evidence/x.json', sha256: 'a'.repeat(64), size: 1 };
const breaks: [string, (digest: Record<string, any>) => void][] = [
  ['an extra field', (d) => { d.extra = 1; }],
  ['a missing field', (d) => { delete d.periodEnd; }],
  ['another format', (d) => { d.format = 'accessgate-digest/2'; }],
  ['a numeric digestKey', (d) => { d.digestKey = 7; }],
  ['a time that is none', (d) => { d.periodStart = 'noon'; }],
  ['a fractional period', (d) => { d.periodSeconds = 3600.5; }],
  ['a zero period', (d) => { d.periodSeconds = 0; }],
  ['objects as an object', (d) => { d.objects = { 0: entry }; }],
  ['an object with an extra field', (d) => { d.objects = [{ ...entry, extra: 1 }]; }],
  ['an object with a short hash', (d) => { d.objects = [{ ...entry, sha256: 'abc' }]; }],
  ['an object with a negative size', (d) => { d.objects = [{ ...entry, size: -1 }]; }],
  ['an object with a fractional size', (d) => { d.objects = [{ ...entry, size: 1.5 }]; }],
  ['an object with a numeric key', (d) => { d.objects = [{ ...entry, key: 1 }]; }],
  ['previous missing', (d) => { delete d.previous; }],
  ['previous with an extra field', (d) => { d.previous = { ...d.previous, extra: 1 }; }],
  ['previous with an upper-case hash', (d) => { d.previous = { ...d.previous, sha256: d.previous.sha256.toUpperCase() }; }],
  ['previous with an empty signature', (d) => { d.previous = { ...d.previous, signature: '' }; }],
  ['previous with a signature that is not base64', (d) => { d.previous = { ...d.previous, signature: 'not base64!' }; }],
  ['previous with a time that is none', (d) => { d.previous = { ...d.previous, periodStart: 'then' }; }],
  ['a public key under another name', (d) => { d.publicKey = { ...d.publicKey, key: 'public-keys/other.pem' }; }],
  ['a public key with an extra field', (d) => { d.publicKey = { ...d.publicKey, pem: 'x' }; }],
  ['a public key with a short fingerprint', (d) => { d.publicKey = { fingerprint: 'ab', key: 'public-keys/ab.pem' }; }],
  ['another signature algorithm', (d) => { d.signatureAlgorithm = 'HMAC_SHA_256'; }],
  ['a signature with stray characters', (d) => { d.signature = `${d.signature}\n`; }],
];

describe('readDigests', () => {
  it('reads an intact digest with no problem', () => {
    expect(read(built.files.get(key)!)).toEqual({ problems: [], digests: 1 });
  });

  it.each(breaks)('names %s as malformed, as the schema does', (_what, change) => {
    const digest = intact();
    change(digest);
    expect(read(canonicalBytes(digest))).toEqual({ problems: [expect.objectContaining({ kind: 'malformed_digest', key, message: expect.stringContaining('is not a digest') })], digests: 0 });
  });

  it('names bytes that are not valid UTF-8 as not canonical, though their text parses', () => {
    const bytes = built.files.get(key)!;
    // An invalid byte inside the digest key's string: JSON.parse reads it as U+FFFD.
    const at = bytes.indexOf('"digestKey":"') + '"digestKey":"'.length + 2;
    const invalid = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
    const { problems } = read(invalid);
    expect(problems.map((problem) => problem.kind)).toContain('noncanonical_digest');
  });
});
