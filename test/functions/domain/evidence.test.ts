/**
 * The evidence formats: keys and periods, segment building, and exactly what a digest signature covers.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainEvent } from '../../../functions/domain/audit-chain';
import {
  buildDigestBody,
  buildSegment,
  canonicalBytes,
  compactTime,
  digestDayPrefixes,
  digestKey,
  digestStringToSign,
  evidenceKey,
  periodStartOf,
  publicKeyFingerprint,
  RSA_SIGNING_ALGORITHM,
  sha256Hex,
  streamKind,
  tableExportKey,
} from '../../../functions/domain/evidence';
import { rsaKey } from '../../fixtures/evidence';

describe('periods and keys', () => {
  it('aligns periods to the epoch, so hourly periods are UTC hours', () => {
    expect(periodStartOf(new Date('2026-11-26T10:59:59.999Z'), 3600).toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(periodStartOf(new Date('2026-11-26T10:00:07.000Z'), 5).toISOString()).toBe('2026-11-26T10:00:05.000Z');
    expect(compactTime(new Date('2026-11-26T10:00:05.000Z'))).toBe('20261126T100005Z');
  });

  it('partitions evidence by export date and kind', () => {
    const at = new Date('2026-11-26T23:59:00Z');
    expect(evidenceKey('SESSION#5a1f7c52-1d55-4c43-9a0e-6b1f9b0c2d11', 1, 6, at)).toBe('evidence/2026/11/26/sessions/5a1f7c52-1d55-4c43-9a0e-6b1f9b0c2d11/0000000001-0000000006.json');
    expect(evidenceKey('CONFIG', 12, 14, at)).toBe('evidence/2026/11/26/config/0000000012-0000000014.json');
    expect(evidenceKey('SECURITY#2026-11-25', 3, 3, at)).toBe('evidence/2026/11/26/security/2026-11-25/0000000003-0000000003.json');
    expect(evidenceKey('ODD/../stream', 1, 1, at)).toMatch(/^evidence\/2026\/11\/26\/other\/[A-Za-z0-9_-]+\/0000000001-0000000001\.json$/);
    expect(digestKey(new Date('2026-11-26T10:00:00Z'))).toBe('digests/2026/11/26/20261126T100000Z.json');
    expect(tableExportKey('2026-11-26', '0176-abc', 'data/x.json.gz')).toBe('table-exports/2026/11/26/0176-abc/data/x.json.gz');
    expect(digestDayPrefixes(new Date('2026-11-30T22:00:00Z'), new Date('2026-12-02T01:00:00Z'))).toEqual([
      'digests/2026/11/30/', 'digests/2026/12/01/', 'digests/2026/12/02/',
    ]);
  });

  it('names stream kinds', () => {
    expect(['SESSION#x', 'CONFIG', 'SECURITY#2026-11-26', 'RULE#x'].map(streamKind)).toEqual(['session', 'config', 'security', 'other']);
  });
});

describe('segments', () => {
  it('take their range from their events and are stored as canonical JSON', () => {
    const first = chainEvent(undefined, { stream: 'CONFIG', at: '2026-11-26T10:00:00.000Z', type: 'rule.created', actor: { system: 'x' }, details: {} });
    const second = chainEvent(first, { stream: 'CONFIG', at: '2026-11-26T10:00:01.000Z', type: 'rule.updated', actor: { system: 'x' }, details: {} });
    const segment = buildSegment({ stream: 'CONFIG', exportedAt: '2026-11-26T10:05:00.000Z', previous: null, events: [first, second] });
    expect(segment).toMatchObject({ format: 'accessgate-evidence/1', kind: 'config', fromSeq: 1, toSeq: 2 });
    expect(canonicalBytes(segment).toString('utf8')).toBe(canonicalJson(segment));
    expect(() => buildSegment({ stream: 'CONFIG', exportedAt: 'x', previous: null, events: [] })).toThrow(/at least one event/);
  });
});

describe('digests', () => {
  it('sort their objects and sign a string that commits to every field and the previous signature', () => {
    const key = rsaKey();
    const body = buildDigestBody({
      periodStart: new Date('2026-11-26T10:00:00Z'),
      periodSeconds: 3600,
      objects: [{ key: 'evidence/b', sha256: 'b'.repeat(64), size: 2 }, { key: 'evidence/a', sha256: 'a'.repeat(64), size: 1 }],
      previous: { key: 'digests/2026/11/26/20261126T090000Z.json', sha256: 'c'.repeat(64), signature: 'PREVSIG', periodStart: '2026-11-26T09:00:00.000Z' },
      publicKeyFingerprint: key.fingerprint,
      signatureAlgorithm: RSA_SIGNING_ALGORITHM,
    });
    expect(body.objects.map((o) => o.key)).toEqual(['evidence/a', 'evidence/b']);
    expect(body).toMatchObject({ periodEnd: '2026-11-26T11:00:00.000Z', digestKey: 'digests/2026/11/26/20261126T100000Z.json', publicKey: { key: `public-keys/${key.fingerprint}.pem` } });
    expect(digestStringToSign(body)).toBe([
      'accessgate-digest/1',
      '2026-11-26T11:00:00.000Z',
      'digests/2026/11/26/20261126T100000Z.json',
      sha256Hex(canonicalJson(body)),
      'PREVSIG',
    ].join('\n'));
    // The signature field itself is never part of what is signed.
    expect(digestStringToSign({ ...body, signature: 'x' } as typeof body)).toBe(digestStringToSign(body));
    expect(digestStringToSign({ ...body, previous: null })).toMatch(/\nnull$/);
  });

  it('fingerprints a public key by its DER encoding, whatever the PEM line breaks', () => {
    const key = rsaKey();
    const reflowed = key.publicPem.replace(/\n(?!-----)/g, '\r\n');
    expect(publicKeyFingerprint(reflowed)).toBe(key.fingerprint);
    expect(key.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});
