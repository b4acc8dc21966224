/**
 * `accessgate audit pull --bucket s3://…`: straight from the evidence bucket with the auditor's own AWS
 * credentials (S3 mocked, serving a folder laid out as the exporter and sealer write it), then verified
 * offline; and a listing that names an unsafe key is refused rather than written outside the folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalBytes, digestStringToSign, type SignedDigest } from '../../../functions/domain/evidence';
import { buildEvidence, rsaKey, signWith, type SigningKey } from '../../fixtures/evidence';
import { runMain } from '../run-main';

const s3 = mockClient(S3Client);
let root: string;
let key: SigningKey;
let bucket: Map<string, Buffer>;

const accessgate = (...args: string[]) => runMain(args, { HOME: root, XDG_CONFIG_HOME: join(root, 'config'), AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'accessgate-audit-bucket-'));
  key = rsaKey();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeEach(() => {
  s3.reset();
  bucket = new Map(buildEvidence({ key, sessions: 6, periods: 4 }).files);
  s3.on(ListObjectsV2Command).callsFake((input) => {
    const keys = [...bucket.keys()].filter((k) => k.startsWith(input.Prefix ?? '') && (!input.StartAfter || k > input.StartAfter)).sort();
    return { Contents: keys.map((k) => ({ Key: k, Size: bucket.get(k)!.length })), IsTruncated: false };
  });
  s3.on(GetObjectCommand).callsFake((input) => {
    const body = bucket.get(input.Key);
    if (!body) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
  });
  s3.on(HeadObjectCommand).callsFake((input) => ({ ContentLength: bucket.get(input.Key)?.length }));
});

describe('accessgate audit pull --bucket', () => {
  it('downloads the range from the bucket, and the folder verifies', async () => {
    const out = join(root, 'from-bucket');
    const pull = await accessgate('audit', 'pull', '--bucket', 's3://accessgate-evidence', '--from', '2026-11-26T08:00:00Z', '--to', '2026-11-26T12:00:00Z', '--out', out);
    expect(pull.stderr).toBe('');
    expect(pull.code).toBe(0);
    expect(pull.stdout).toMatch(/^Pulled 4 digest\(s\) and \d+ object\(s\) from s3:\/\/accessgate-evidence/);
    expect(s3.commandCalls(ListObjectsV2Command).every((call) => call.args[0].input.Bucket === 'accessgate-evidence')).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'pull.json'), 'utf8'))).toMatchObject({ from: '2026-11-26T08:00:00.000Z', to: '2026-11-26T12:00:00.000Z', source: 's3://accessgate-evidence', digests: 4 });
    writeFileSync(join(root, 'key.pem'), key.publicPem);
    const verify = await accessgate('audit', 'verify', out, '--public-key', join(root, 'key.pem'));
    expect(verify.stdout).toMatch(/^VERIFIED: 4 digest\(s\)/);

    // A second pull finds everything in place and downloads only what it cannot check (digests, keys).
    const again = await accessgate('audit', 'pull', '--bucket', 'accessgate-evidence', '--from', '2026-11-26T08:00:00Z', '--to', '2026-11-26T12:00:00Z', '--out', out);
    expect(again.stdout).toMatch(/\d+ already present\)/);
  });

  it('never writes outside the folder, even for a signed listing that names such a key', async () => {
    const digestKey = 'digests/2026/11/26/20261126T080000Z.json';
    const digest = JSON.parse(bucket.get(digestKey)!.toString('utf8')) as SignedDigest;
    const { signature: _s, ...body } = digest;
    const evil = { ...body, objects: [...body.objects, { key: '../../escape.json', sha256: 'a'.repeat(64), size: 2 }] };
    bucket.set(digestKey, canonicalBytes({ ...evil, signature: signWith(key.privateKey, digestStringToSign(evil)).toString('base64') }));
    const out = join(root, 'unsafe');
    const pull = await accessgate('audit', 'pull', '--bucket', 's3://accessgate-evidence', '--from', '2026-11-26T08:00:00Z', '--to', '2026-11-26T09:00:00Z', '--out', out);
    expect(pull.code).toBe(0);
    expect(pull.stdout).not.toContain('escape');
    expect(existsSync(join(out, '..', '..', 'escape.json'))).toBe(false);
    // The digest still lists it, so verification names it rather than passing over it.
    expect((await accessgate('audit', 'verify', out, '--json')).stdout).toContain('../../escape.json, listed in');
  });

  it('explains a bucket name it cannot use', async () => {
    const pull = await accessgate('audit', 'pull', '--bucket', 's3://Not_A_Bucket', '--from', '2026-11-26', '--to', '2026-11-27', '--out', join(root, 'x'));
    expect(pull.code).toBe(2);
    expect(pull.stderr).toMatch(/is not a bucket name/);
  });
});
