/**
 * The evidence bucket on S3 with Object Lock. Every PUT carries the SHA-256 checksum and Content-MD5
 * (a locked bucket refuses a PUT without one, and S3 rejects a body that does not match), the
 * compliance-mode lock with its retain-until date, and KMS encryption. Writes are create-only: the
 * object is looked up first, an identical one is left alone (a retry), and a different one is refused,
 * because on a versioned bucket a second PUT would quietly become the current version. The PUT itself
 * carries `If-None-Match: *`, so S3 refuses it (412) when another writer created the key in between; the
 * bucket policy denies every PUT without that header (infra/constructs/evidence.ts), so no other client
 * can add a version either.
 */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type ObjectStore, ObjectLockedError, type PutObjectOptions, type StoredObject } from '../app/evidence-ports';

const hexToBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const md5Base64 = (body: Uint8Array) => createHash('md5').update(body).digest('base64');

const isNotFound = (error: unknown) =>
  error instanceof NotFound || error instanceof NoSuchKey || ['NotFound', 'NoSuchKey'].includes((error as { name?: string })?.name ?? '') ||
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

/** S3's answers to `If-None-Match: *` when the key exists (412), or a concurrent conditional write on it (409). */
const isAlreadyThere = (error: unknown) =>
  ['PreconditionFailed', 'ConditionalRequestConflict'].includes((error as { name?: string })?.name ?? '') ||
  [409, 412].includes((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0);

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<void> {
    const existing = await this.checksum(key);
    if (existing !== undefined) {
      if (existing === hexToBase64(options.sha256)) return;
      throw new ObjectLockedError(`${key} already exists with other content; evidence is never replaced`);
    }
    try {
      await this.client.send(this.createOnly(key, body, options));
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
      // Another writer won the race: the same bytes are a retry that already succeeded.
      if ((await this.checksum(key)) === hexToBase64(options.sha256)) return;
      throw new ObjectLockedError(`${key} was created meanwhile with other content; evidence is never replaced`);
    }
  }

  private createOnly(key: string, body: Uint8Array, options: PutObjectOptions): PutObjectCommand {
    return new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      IfNoneMatch: '*',
      Body: body,
      ContentType: options.contentType,
      ContentLength: body.length,
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: hexToBase64(options.sha256),
      ContentMD5: md5Base64(body),
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: options.retainUntil,
      ServerSideEncryption: 'aws:kms',
    });
  }

  /** The stored SHA-256 (base64) of an object, or undefined when there is none. */
  private async checksum(key: string): Promise<string | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }));
      return head.ChecksumSHA256 ?? '';
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async get(key: string, range?: { offset: number; length: number }): Promise<Uint8Array | undefined> {
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {}),
        }),
      );
      return Body ? await Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<{ items: StoredObject[]; more: boolean }> {
    const page = await this.client.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: prefix,
        ...(options.startAfter ? { StartAfter: options.startAfter } : {}),
        MaxKeys: Math.min(options.limit ?? 1000, 1000),
      }),
    );
    return {
      items: (page.Contents ?? []).map((item) => ({ key: item.Key ?? '', size: item.Size ?? 0 })).filter((item) => item.key),
      more: !!page.IsTruncated,
    };
  }
}
