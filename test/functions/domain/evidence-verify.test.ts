/**
 * The offline verifier on folders built exactly as the exporter and sealer write them: an intact folder
 * passes, and each kind of tampering is named precisely. No mocks: real keys, real hashes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hashEvent } from '../../../functions/domain/audit-chain';
import {
  buildSegment,
  canonicalBytes,
  digestStringToSign,
  evidenceKey,
  sha256Hex,
  type SignedDigest,
} from '../../../functions/domain/evidence';
import { isSafeKey, type ProblemKind, verifyEvidence } from '../../../functions/domain/evidence-verify';
import { type BuiltEvidence, buildEvidence, mapSource, pullRecordFor, rsaKey, type SigningKey, sessionEvents, signWith } from '../../fixtures/evidence';

let key: SigningKey;
let other: SigningKey;
let built: BuiltEvidence;

beforeAll(() => {
  key = rsaKey();
  other = rsaKey();
  built = buildEvidence({ key, sessions: 12, periods: 6 });
});

const copy = () => new Map<string, Buffer>([...built.files].map(([k, v]) => [k, Buffer.from(v)]));
/** Verifies `files` as if pulled so (the pull record counts them) unless a pull record is given. */
const verify = (files: Map<string, Buffer>, pinned = [key.publicPem], pullRecord: Buffer | null = pullRecordFor(files, built.range)) =>
  verifyEvidence(mapSource(files), { trustedKeys: pinned, pullRecord });
const kinds = (files: Map<string, Buffer>, pinned?: string[]) => new Set(verify(files, pinned).problems.map((p) => p.kind));
const parse = (bytes: Buffer) => JSON.parse(bytes.toString('utf8'));
const sessionKey = () => built.evidenceKeys.find((k) => k.includes('/sessions/'))!;

describe('an intact folder', () => {
  it('verifies: every digest, link, object and event chain', () => {
    const report = verify(copy());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.stats).toMatchObject({ digests: 6, segments: 12 + 3, events: built.events, keyFingerprints: [key.fingerprint] });
    expect(report.streams.filter((s) => s.kind === 'session')).toHaveLength(12);
    expect(report.streams.find((s) => s.stream === 'CONFIG')!.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(report.coverage).toEqual({ from: '2026-11-26T08:00:00.000Z', to: '2026-11-26T14:00:00.000Z' });
    expect(report.notes.join('\n')).toMatch(/chain begins at digests\/2026\/11\/26\/20261126T080000Z\.json/);
  });

  it('trusts the folder\'s own key only when none is pinned, and says so', () => {
    const report = verify(copy(), []);
    expect(report.ok).toBe(true);
    expect(report.notes[0]).toMatch(/taken from the folder/);
  });

  it('accepts a range that starts mid-chain, noting where each chain continues from', () => {
    const files = copy();
    const dropped = built.digestKeys[0];
    const listedThere = (parse(files.get(dropped)!) as SignedDigest).objects.map((o) => o.key).filter((k) => !k.startsWith('public-keys/'));
    for (const k of [dropped, ...listedThere]) files.delete(k);
    const report = verify(files, [key.publicPem], pullRecordFor(files, { ...built.range, from: '2026-11-26T09:00:00.000Z' }));
    expect(report.problems).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/continues from digests\/2026\/11\/26\/20261126T080000Z\.json/);
    expect(report.notes.join('\n')).toMatch(/CONFIG continues from evidence\//);
  });
});

describe('tampering is caught and named', () => {
  it('one byte of an evidence object changed', () => {
    const files = copy();
    const target = sessionKey();
    const bytes = files.get(target)!;
    const at = bytes.indexOf('customers');
    bytes[at] = 'C'.charCodeAt(0);
    const report = verify(files);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'altered_object', key: target }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'altered_event', key: target, seq: 1 }));
  });

  it('an evidence object deleted', () => {
    const files = copy();
    const target = sessionKey();
    files.delete(target);
    expect(verify(files).problems).toEqual([expect.objectContaining({ kind: 'missing_object', key: target })]);
  });

  it('a forged evidence object inserted', () => {
    const files = copy();
    const id = 'ffffffff-0000-4000-a000-000000000000';
    const segment = buildSegment({ stream: `SESSION#${id}`, exportedAt: '2026-11-26T09:30:00.000Z', previous: null, events: sessionEvents(id, new Date('2026-11-26T09:00:00Z')) });
    const forged = evidenceKey(segment.stream, 1, 6, new Date(segment.exportedAt));
    files.set(forged, canonicalBytes(segment));
    expect(verify(files).problems).toEqual([expect.objectContaining({ kind: 'unlisted_object', key: forged })]);
  });

  it('events reordered inside an object', () => {
    const files = copy();
    const target = sessionKey();
    const segment = parse(files.get(target)!);
    [segment.events[2], segment.events[3]] = [segment.events[3], segment.events[2]];
    files.set(target, canonicalBytes(segment));
    const report = verify(files);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'altered_object', key: target }));
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'broken_chain', key: target }));
  });

  it('an event removed and the object re-hashed: the chain shows the gap', () => {
    const files = copy();
    const target = sessionKey();
    const segment = parse(files.get(target)!);
    segment.events.splice(2, 1);
    files.set(target, canonicalBytes(segment));
    expect(kinds(files)).toEqual(new Set<ProblemKind>(['altered_object', 'broken_chain']));
  });

  it('two digests swapped', () => {
    const files = copy();
    const [a, b] = [built.digestKeys[1], built.digestKeys[2]];
    const bytesA = files.get(a)!;
    files.set(a, files.get(b)!);
    files.set(b, bytesA);
    const report = verify(files);
    expect(report.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'misplaced_digest', key: a }),
      expect.objectContaining({ kind: 'misplaced_digest', key: b }),
      expect.objectContaining({ kind: 'missing_digest' }),
    ]));
  });

  it('a digest dropped from the middle', () => {
    const files = copy();
    const dropped = built.digestKeys[3];
    files.delete(dropped);
    const report = verify(files);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'missing_digest', key: built.digestKeys[4], message: expect.stringContaining(dropped) }));
  });

  it('a digest dropped from the end of the pulled range', () => {
    const files = copy();
    files.delete(built.digestKeys.at(-1)!);
    const report = verify(files);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing_digest', message: expect.stringMatching(/13:00:00.000Z.*removed/) })]);
  });

  it('a digest re-signed with a different key', () => {
    const files = copy();
    const target = built.digestKeys[2];
    const digest = parse(files.get(target)!) as SignedDigest;
    const { signature: _old, ...body } = digest;
    const resigned = { ...body, signature: signWith(other.privateKey, digestStringToSign(body)).toString('base64') };
    files.set(target, canonicalBytes(resigned));
    expect(kinds(files)).toEqual(new Set<ProblemKind>(['bad_signature', 'broken_digest_chain']));
  });

  it('a digest re-signed with another key that claims to be that key', () => {
    const files = copy();
    const target = built.digestKeys[2];
    const digest = parse(files.get(target)!) as SignedDigest;
    const { signature: _old, ...body } = digest;
    const forgedBody = { ...body, publicKey: { fingerprint: other.fingerprint, key: `public-keys/${other.fingerprint}.pem` } };
    files.set(target, canonicalBytes({ ...forgedBody, signature: signWith(other.privateKey, digestStringToSign(forgedBody)).toString('base64') }));
    files.set(`public-keys/${other.fingerprint}.pem`, Buffer.from(other.publicPem));
    expect(kinds(files)).toContain('unknown_key');
  });

  it('an object listed in a re-signed digest with a forged hash', () => {
    const files = copy();
    const target = built.digestKeys[0];
    const digest = parse(files.get(target)!) as SignedDigest;
    const { signature: _old, ...body } = digest;
    const altered = { ...body, objects: body.objects.map((o, i) => (i === 0 ? { ...o, sha256: 'f'.repeat(64) } : o)) };
    files.set(target, canonicalBytes({ ...altered, signature: digest.signature }));
    expect(kinds(files)).toEqual(new Set<ProblemKind>(['bad_signature', 'altered_object', 'broken_digest_chain']));
  });
});

/** Re-signs every digest from `from` on with the real key, as an insider holding it could. */
function resealFrom(files: Map<string, Buffer>, from: number, edit: (digest: SignedDigest) => Omit<SignedDigest, 'signature'>) {
  let previous = from > 0 ? (() => {
    const before = parse(files.get(built.digestKeys[from - 1])!) as SignedDigest;
    return { key: before.digestKey, sha256: sha256Hex(files.get(built.digestKeys[from - 1])!), signature: before.signature, periodStart: before.periodStart };
  })() : null;
  for (const digestKey of built.digestKeys.slice(from)) {
    const { signature: _old, ...body } = edit(parse(files.get(digestKey)!) as SignedDigest) as SignedDigest;
    const next = { ...body, previous };
    const signed = { ...next, signature: signWith(key.privateKey, digestStringToSign(next)).toString('base64') };
    const bytes = canonicalBytes(signed);
    files.set(digestKey, bytes);
    previous = { key: digestKey, sha256: sha256Hex(bytes), signature: signed.signature, periodStart: signed.periodStart };
  }
}

describe('every file is bound byte for byte', () => {
  const lastDigest = () => built.digestKeys.at(-1)!;

  it('a newline appended to the last digest (whose bytes no later digest records)', () => {
    const files = copy();
    files.set(lastDigest(), Buffer.concat([files.get(lastDigest())!, Buffer.from('\n')]));
    expect(verify(files).problems).toEqual([expect.objectContaining({ kind: 'noncanonical_digest', key: lastDigest() })]);
  });

  it('a digest re-encoded with whitespace, same fields and signature', () => {
    const files = copy();
    files.set(lastDigest(), Buffer.from(JSON.stringify(parse(files.get(lastDigest())!), null, 2)));
    expect(kinds(files)).toEqual(new Set<ProblemKind>(['noncanonical_digest']));
  });

  it('a signature spelled differently in base64 that decodes to the same bytes', () => {
    const files = copy();
    const digest = parse(files.get(lastDigest())!) as SignedDigest;
    // 256 signature bytes end in "==": the last character before them carries 4 unused bits.
    const at = digest.signature.length - 3;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const respelled = digest.signature.slice(0, at) + alphabet[alphabet.indexOf(digest.signature[at]) ^ 1] + digest.signature.slice(at + 1);
    expect(Buffer.from(respelled, 'base64')).toEqual(Buffer.from(digest.signature, 'base64'));
    files.set(lastDigest(), canonicalBytes({ ...digest, signature: respelled }));
    expect(verify(files).problems).toContainEqual(expect.objectContaining({ kind: 'malformed_digest', key: lastDigest(), message: expect.stringMatching(/canonical base64/) }));
  });

  it('a public key file re-wrapped (same key, other line breaks)', () => {
    const files = copy();
    const keyFile = `public-keys/${key.fingerprint}.pem`;
    files.set(keyFile, Buffer.from(key.publicPem.replaceAll('\n', '\r\n')));
    const report = verify(files);
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'altered_key', key: keyFile }));
  });
});

describe('only keys the digests name are used', () => {
  const keyFile = () => `public-keys/${key.fingerprint}.pem`;

  it('an extra copy of the public key under another name is reported, pinned or not', () => {
    const files = copy();
    files.set('public-keys/copy.pem', Buffer.from(key.publicPem));
    for (const pinned of [[key.publicPem], []]) {
      expect(verify(files, pinned).problems).toEqual([expect.objectContaining({ kind: 'unreferenced_key', key: 'public-keys/copy.pem' })]);
    }
  });

  it('a key no digest names is never trusted, even if a digest claims it', () => {
    const files = copy();
    files.set(`public-keys/${other.fingerprint}.pem`, Buffer.from(other.publicPem));
    expect(kinds(files, [])).toEqual(new Set<ProblemKind>(['unreferenced_key']));
  });

  it('the named key file deleted is reported even when the key is pinned', () => {
    const files = copy();
    files.delete(keyFile());
    expect(kinds(files)).toEqual(new Set<ProblemKind>(['missing_key', 'missing_object']));
  });

  it('with --public-key, the pinned keys are the only ones trusted', () => {
    const report = verify(copy(), [other.publicPem]);
    expect(new Set(report.problems.map((p) => p.kind))).toEqual(new Set<ProblemKind>(['unknown_key']));
    expect(report.problems).toHaveLength(built.digestKeys.length);
  });
});

describe('the pull record is held to the folder', () => {
  const record = (edit: (value: Record<string, unknown>) => Record<string, unknown>) => Buffer.from(JSON.stringify(edit(JSON.parse(built.pullRecord.toString('utf8')))));

  it('is required', () => {
    expect(verify(copy(), [key.publicPem], null).problems).toEqual([expect.objectContaining({ kind: 'missing_pull_record' })]);
  });

  it('a claimed range missing periods at its end is reported', () => {
    const report = verify(copy(), [key.publicPem], record((r) => ({ ...r, to: '2026-11-26T16:00:00.000Z', sealedUntil: '2026-11-26T16:00:00.000Z' })));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing_digest', message: expect.stringMatching(/between 2026-11-26T14:00:00.000Z.*and 2026-11-26T16:00:00.000Z/) })]);
  });

  it('periods not yet sealed when pulled are stated, not failed', () => {
    const report = verify(copy(), [key.publicPem], record((r) => ({ ...r, to: '2026-11-26T16:00:00.000Z' })));
    expect(report.problems).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/from 2026-11-26T14:00:00.000Z to 2026-11-26T16:00:00.000Z were not yet sealed/);
  });

  it('a digest outside the claimed range, a wrong count, an unknown field', () => {
    expect(kinds(copy(), undefined)).toEqual(new Set());
    const narrowed = verify(copy(), [key.publicPem], record((r) => ({ ...r, to: '2026-11-26T12:00:00.000Z', sealedUntil: '2026-11-26T12:00:00.000Z' })));
    expect(narrowed.problems.map((p) => p.kind)).toEqual(['outside_range', 'outside_range']);
    expect(verify(copy(), [key.publicPem], record((r) => ({ ...r, objects: (r.objects as number) + 1 }))).problems).toEqual([expect.objectContaining({ kind: 'pull_record_mismatch' })]);
    expect(verify(copy(), [key.publicPem], record((r) => ({ ...r, filter: 'none' }))).problems).toEqual([expect.objectContaining({ kind: 'malformed_pull_record' })]);
  });
});

describe('nothing in the evidence that the documented schema does not allow', () => {
  it('a database error text in a field of its own is named, though every hash and signature is right', () => {
    const files = copy();
    const target = sessionKey();
    const segment = parse(files.get(target)!);
    const events = segment.events.slice(0, 5);
    const failed = { stream: events[0].stream, at: events[4].at, type: 'session.failed', actor: { system: 'accessgate' }, details: { error: { code: '22P02', message: 'the statement failed', detail: 'invalid input syntax for type integer: "Amélie van Rossum"' } } };
    const body = { ...failed, seq: 6, prev: events[4].hash };
    const rebuilt = buildSegment({ stream: segment.stream, exportedAt: segment.exportedAt, previous: null, events: [...events, { ...body, hash: hashEvent(body) }] });
    const bytes = canonicalBytes(rebuilt);
    files.set(target, bytes);
    resealFrom(files, 0, (digest) => ({ ...digest, objects: digest.objects.map((o) => (o.key === target ? { ...o, sha256: sha256Hex(bytes), size: bytes.length } : o)) }));
    expect(verify(files).problems).toEqual([expect.objectContaining({ kind: 'undocumented_field', key: target, seq: 6, message: expect.stringContaining('details.error.detail') })]);
  });
});

describe('with the signing key itself, history still cannot be rewritten', () => {
  it('a later segment that does not link to the one before it is a broken chain', () => {
    const files = copy();
    const configKeys = built.evidenceKeys.filter((k) => k.includes('/config/'));
    const second = configKeys[1];
    const segment = parse(files.get(second)!);
    segment.previous.lastHash = 'a'.repeat(64);
    const bytes = canonicalBytes(segment);
    files.set(second, bytes);
    resealFrom(files, 0, (digest) => ({ ...digest, objects: digest.objects.map((o) => (o.key === second ? { ...o, sha256: sha256Hex(bytes), size: bytes.length } : o)) }));
    const report = verify(files);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'broken_chain', key: second, stream: 'CONFIG' })]);
  });

  it('an event rewritten with its hash recomputed breaks the link of the event after it', () => {
    const files = copy();
    const target = sessionKey();
    const segment = parse(files.get(target)!);
    segment.events[0].details.command = 'delete from customers';
    const { hash: _h, ...body } = segment.events[0];
    segment.events[0].hash = hashEvent(body);
    const bytes = canonicalBytes(segment);
    files.set(target, bytes);
    resealFrom(files, 0, (digest) => ({ ...digest, objects: digest.objects.map((o) => (o.key === target ? { ...o, sha256: sha256Hex(bytes), size: bytes.length } : o)) }));
    expect(verify(files).problems).toEqual([expect.objectContaining({ kind: 'broken_chain', key: target, seq: 2 })]);
  });
});

describe('isSafeKey', () => {
  it('keeps keys inside the folder', () => {
    expect(isSafeKey('evidence/2026/11/26/sessions/abc/0000000001-0000000006.json')).toBe(true);
    for (const bad of ['../etc/passwd', '/abs', 'a//b', 'a/./b', 'evidence/../../x', 'a\\b', '']) expect(isSafeKey(bad)).toBe(false);
  });
});
