/**
 * Custom resource handler (behind custom_resources.Provider) that puts the web UI into its bucket on every
 * deploy: it unpacks the bundle asset (one JSON document, web/build.ts packWebBundleSync) into one object
 * per file with its content type and cache policy, then writes config.json, the page's deployment
 * settings, whose values CloudFormation resolves (user pool client id, hosted sign-in domain).
 *
 * Assets go first and index.html last, so a browser that loads the new page finds the files it names.
 * The object keys are fixed and passed in as `Keys`, the same list the construct grants PutObject and
 * DeleteObject on, one ARN per key; a bundle with any other file is refused rather than half-written.
 * On stack deletion the objects are removed, so the bucket is empty and can go with the stack.
 * Lives under infra/ because only the web UI construct uses it.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

const s3 = new S3Client({});

export interface SiteProperties {
  readonly Bucket: string;
  readonly BundleBucket: string;
  readonly BundleKey: string;
  readonly Keys: readonly string[];
  readonly ConfigKey: string;
  readonly Config: string;
}

interface PackedFile {
  readonly key: string;
  readonly contentType: string;
  readonly cacheControl: string;
  readonly base64: string;
}

export async function handler(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const props = event.ResourceProperties as unknown as SiteProperties;
  if (event.RequestType === 'Delete') {
    for (const key of [...props.Keys, props.ConfigKey]) await s3.send(new DeleteObjectCommand({ Bucket: props.Bucket, Key: key }));
    return { PhysicalResourceId: event.PhysicalResourceId };
  }

  const object = await s3.send(new GetObjectCommand({ Bucket: props.BundleBucket, Key: props.BundleKey }));
  const { files } = JSON.parse(await object.Body!.transformToString('utf8')) as { files: PackedFile[] };
  const got = files.map((file) => file.key).sort();
  const expected = [...props.Keys].sort();
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new Error(`The web bundle holds ${got.join(', ')} but the stack grants ${expected.join(', ')}; rebuild and redeploy.`);
  }

  const put = (key: string, body: Buffer | string, contentType: string, cacheControl: string) =>
    s3.send(new PutObjectCommand({ Bucket: props.Bucket, Key: key, Body: body, ContentType: contentType, CacheControl: cacheControl, ChecksumAlgorithm: 'SHA256' }));
  const page = files.find((file) => file.key === 'index.html');
  for (const file of files) if (file !== page) await put(file.key, Buffer.from(file.base64, 'base64'), file.contentType, file.cacheControl);
  await put(props.ConfigKey, props.Config, 'application/json; charset=utf-8', 'no-cache');
  if (page) await put(page.key, Buffer.from(page.base64, 'base64'), page.contentType, page.cacheControl);

  return { PhysicalResourceId: `accessgate-web-${props.Bucket}`, Data: { Objects: String(files.length + 1) } };
}
