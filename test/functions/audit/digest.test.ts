/**
 * The digest sealer Lambda with mocked KMS, S3 and DynamoDB: it seals every ended period (empty ones
 * too), signs with the KMS key exactly as designed, writes the public key and each digest under lock,
 * and the digests it writes verify offline with the verifier an auditor runs.
 */
import { createHash, createPublicKey, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyEvidence } from '../../../functions/domain/evidence-verify';
import { mapSource, rsaKey, type SigningKey } from '../../fixtures/evidence';
import { EVIDENCE_ENV, stubHandlerEnv } from '../../fixtures/handler-env';
import { freshMocksPerCase } from '../../support/mocked-aws';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
const KEY_ID = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const NOW = new Date('2026-11-26T13:05:00.000Z');

let key: SigningKey;
let handler: typeof import('../../../functions/audit/digest').handler;
let head: Record<string, unknown> | undefined;
let bucket: Map<string, Buffer>;
let published: boolean;

beforeAll(async () => {
  key = rsaKey();
  stubHandlerEnv({ ...EVIDENCE_ENV, DIGEST_KEY_ID: KEY_ID });
  ({ handler } = await import('../../../functions/audit/digest'));
});

freshMocksPerCase(NOW, dynamo, s3, kms);

beforeEach(() => {
  // Prepare: the chain was started at 10:00; one object was recorded at 11:xx; nothing else.
  head = { next: '2026-11-26T10:00:00.000Z' };
  bucket = new Map();
  published = false;
  dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: 'DIGEST', sk: 'HEAD' } }).callsFake(() => ({ Item: head && { pk: 'DIGEST', sk: 'HEAD', ...structuredClone(head) } }));
  dynamo.on(PutCommand, { TableName: 'evidence', Item: { pk: 'DIGEST', sk: 'HEAD' } }).callsFake((input) => {
    if (input.ExpressionAttributeValues?.[':from'] !== head?.next) throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
    const { pk: _pk, sk: _sk, ...rest } = input.Item;
    head = structuredClone(rest);
    return {};
  });
  dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: `PUBLIC_KEY#${key.fingerprint}`, sk: 'KEY' } }).callsFake(() => ({ Item: published ? { pk: 'x' } : undefined }));
  dynamo.on(PutCommand, { TableName: 'evidence', Item: { pk: `PUBLIC_KEY#${key.fingerprint}` } }).callsFake(() => {
    published = true;
    return {};
  });
  // The period items as the store keeps them: one per object, and a seal marker per period.
  const objects: Record<string, Record<string, { sha256: string; size: number }>> = {
    'PERIOD#2026-11-26T11:00:00.000Z': { 'OBJECT#evidence/2026/11/26/config/0000000001-0000000001.json': { sha256: 'e'.repeat(64), size: 321 } },
  };
  const sealed = new Set<string>();
  dynamo.on(GetCommand, { TableName: 'evidence', Key: { sk: 'SEAL' } }).callsFake((input) => ({ Item: sealed.has(input.Key.pk) ? { ...input.Key, sealedAt: NOW.toISOString() } : undefined }));
  dynamo.on(UpdateCommand, { TableName: 'evidence', Key: { sk: 'SEAL' } }).callsFake((input) => {
    sealed.add(input.Key.pk);
    return {};
  });
  dynamo.on(QueryCommand, { TableName: 'evidence' }).callsFake((input) => ({
    Items: Object.entries(objects[input.ExpressionAttributeValues[':pk']] ?? {}).map(([sk, item]) => ({ pk: input.ExpressionAttributeValues[':pk'], sk, ...item })),
  }));
  kms.on(GetPublicKeyCommand).resolves({ PublicKey: createPublicKey(key.publicPem).export({ type: 'spki', format: 'der' }) });
  kms.on(SignCommand).callsFake((input) => ({ Signature: sign('sha256', Buffer.from(input.Message as Uint8Array), key.privateKey) }));
  s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3.on(PutObjectCommand).callsFake((input) => {
    bucket.set(input.Key, Buffer.from(input.Body as Uint8Array));
    return {};
  });
});

describe('sealing', () => {
  it('writes one signed digest per ended period, empty ones included, chained, and publishes the key', async () => {
    // Act
    const result = await handler({}, {} as never);

    // Assess
    expect(result.sealed).toEqual([
      'digests/2026/11/26/20261126T100000Z.json',
      'digests/2026/11/26/20261126T110000Z.json',
      'digests/2026/11/26/20261126T120000Z.json',
    ]);
    expect(head).toMatchObject({ next: '2026-11-26T13:00:00.000Z', last: { key: 'digests/2026/11/26/20261126T120000Z.json' } });
    const signs = kms.commandCalls(SignCommand).map((call) => call.args[0].input);
    expect(signs).toHaveLength(3);
    expect(signs[0]).toMatchObject({ KeyId: KEY_ID, MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' });
    expect(Buffer.from(signs[1].Message as Uint8Array).toString('utf8')).toMatch(/^accessgate-digest\/1\n2026-11-26T12:00:00.000Z\ndigests\/2026\/11\/26\/20261126T110000Z.json\n[0-9a-f]{64}\n/);

    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Key)).toEqual([`public-keys/${key.fingerprint}.pem`, ...result.sealed]);
    for (const input of puts) {
      const body = Buffer.from(input.Body as Uint8Array);
      expect(input).toMatchObject({
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        ContentMD5: createHash('md5').update(body).digest('base64'),
        ObjectLockMode: 'COMPLIANCE',
        ServerSideEncryption: 'aws:kms',
      });
    }
    // A digest is kept 400 days after its period ends.
    expect(puts[3].ObjectLockRetainUntilDate).toEqual(new Date(Date.parse('2026-11-26T13:00:00.000Z') + 400 * 86_400_000));
    const second = JSON.parse(bucket.get(result.sealed[1])!.toString('utf8'));
    expect(second.objects).toEqual([{ key: 'evidence/2026/11/26/config/0000000001-0000000001.json', sha256: 'e'.repeat(64), size: 321 }]);
    expect(second.previous.key).toBe(result.sealed[0]);

    // The public key went into the period open now, to be listed by a later digest.
    expect(
      dynamo.commandCalls(PutCommand).filter((call) => call.args[0].input.Item?.pk === 'PERIOD#2026-11-26T13:00:00.000Z' && String(call.args[0].input.Item?.sk).startsWith('OBJECT#public-keys/')),
    ).toHaveLength(1);

    // What KMS signed verifies offline, with nothing but the files and the public key.
    const digestsAndKey = new Map([...bucket].filter(([k]) => k.startsWith('digests/') || k.startsWith('public-keys/')));
    const report = verifyEvidence(mapSource(digestsAndKey), { trustedKeys: [key.publicPem], pullRecord: null });
    expect(report.problems.map((p) => p.kind).sort()).toEqual(['missing_object', 'missing_pull_record']);
    expect(report.stats.digests).toBe(3);
  });

  it('does nothing before a period has ended, and starts the chain on its first run', async () => {
    head = undefined;
    const result = await handler({}, {} as never);
    expect(result.sealed).toEqual([]);
    expect(head).toEqual({ next: '2026-11-26T13:00:00.000Z' });
    expect(kms.commandCalls(SignCommand)).toEqual([]);
  });

  it('leaves the chain to another sealer that moved the head first', async () => {
    let raced = false;
    dynamo.on(PutCommand, { TableName: 'evidence', Item: { pk: 'DIGEST', sk: 'HEAD' } }).callsFake((input) => {
      if (!raced) {
        raced = true;
        head = { next: '2026-11-26T13:00:00.000Z', last: { key: 'digests/2026/11/26/20261126T120000Z.json', sha256: 'a'.repeat(64), signature: 'x', periodStart: '2026-11-26T12:00:00.000Z' } };
        throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
      }
      head = input.Item;
      return {};
    });
    const result = await handler({}, {} as never);
    expect(result.sealed).toEqual([]);
    expect(head).toMatchObject({ next: '2026-11-26T13:00:00.000Z' });
  });
});
