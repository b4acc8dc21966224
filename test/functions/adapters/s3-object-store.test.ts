/**
 * The S3 evidence store writes create-only at S3 itself: every PUT carries If-None-Match: * (the bucket
 * policy denies a PUT without it), and a PUT that S3 refuses because another writer created the key in
 * between is a retry when the bytes are the same and a refusal when they differ.
 */
import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../functions/adapters/object-store';
import { ObjectLockedError } from '../../../functions/app/evidence-ports';

const s3 = mockClient(S3Client);
const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }), 'evidence-bucket');
const body = new TextEncoder().encode('{"event":1}\n');
const sha256 = createHash('sha256').update(body).digest('hex');
const options = { contentType: 'application/x-ndjson', sha256, retainUntil: new Date('2027-01-01T00:00:00Z') };
const notFound = new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
const preconditionFailed = new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });

beforeEach(() => s3.reset());

describe('the S3 evidence store', () => {
  it('puts a new object only if no object has that key', async () => {
    s3.on(HeadObjectCommand).rejects(notFound);
    s3.on(PutObjectCommand).resolves({});
    await store.put('evidence/2026/11/30/s1.ndjson', body, options);
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({
      Bucket: 'evidence-bucket',
      Key: 'evidence/2026/11/30/s1.ndjson',
      IfNoneMatch: '*',
      ObjectLockMode: 'COMPLIANCE',
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
    });
  });

  it('accepts losing the race to a writer that put the same bytes', async () => {
    s3.on(HeadObjectCommand).rejectsOnce(notFound).resolves({ ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64') });
    s3.on(PutObjectCommand).rejects(preconditionFailed);
    await expect(store.put('digests/2026/11/30/10.json', body, options)).resolves.toBeUndefined();
  });

  it('refuses when the writer that won the race put other bytes', async () => {
    s3.on(HeadObjectCommand).rejectsOnce(notFound).resolves({ ChecksumSHA256: Buffer.from('other').toString('base64') });
    s3.on(PutObjectCommand).rejects(preconditionFailed);
    await expect(store.put('digests/2026/11/30/10.json', body, options)).rejects.toBeInstanceOf(ObjectLockedError);
  });
});
