/**
 * The web UI deployment handler: it unpacks the bundle into one object per file with its content type and
 * cache policy, writes config.json, puts index.html last (so a new page never names missing assets),
 * refuses a bundle whose files differ from the keys its role may write, and empties the bucket on Delete.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../infra/constructs/web-deploy-handler';
import { WEB_CONFIG_KEY, WEB_FILES } from '../../../web/build';

const s3 = mockClient(S3Client);
const keys = WEB_FILES.map((file) => file.key);
const config = JSON.stringify({ mode: 'oidc', apiBase: '/api', oidc: { issuer: 'https://issuer.example.com', clientId: 'web' } });
const properties = { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:framework', Bucket: 'web-bucket', BundleBucket: 'assets', BundleKey: 'abc.json', Keys: keys, ConfigKey: WEB_CONFIG_KEY, Config: config };
const event = (type: 'Create' | 'Update' | 'Delete', props: Record<string, unknown> = properties) =>
  ({
    RequestType: type,
    ServiceToken: properties.ServiceToken,
    ResponseURL: 'https://example.com/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Accessgate/1',
    RequestId: 'request-1',
    LogicalResourceId: 'WebSite',
    ResourceType: 'Custom::AccessgateWebUi',
    ResourceProperties: props,
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'accessgate-web-web-bucket', OldResourceProperties: props }),
  }) as unknown as CloudFormationCustomResourceEvent;

/** A GetObject body as the SDK hands it over: the handler reads it with transformToString. */
const bundle = (files: readonly { key: string; contentType: string; cacheControl: string }[]) => {
  const text = JSON.stringify({ files: files.map((file) => ({ ...file, base64: Buffer.from(`contents of ${file.key}`).toString('base64') })) });
  return { transformToString: async () => text };
};

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
});

describe('the web UI deployment handler', () => {
  it('writes every file with its type and cache policy, then config.json, and index.html last', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Bucket: 'assets', Key: 'abc.json' }).resolves({ Body: bundle(WEB_FILES) } as never);
    // Act
    const result = await handler(event('Create'));
    // Assess
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Key)).toEqual([...keys.filter((key) => key !== 'index.html'), WEB_CONFIG_KEY, 'index.html']);
    expect(puts.every((input) => input.Bucket === 'web-bucket' && input.ChecksumAlgorithm === 'SHA256')).toBe(true);
    const byKey = new Map(puts.map((input) => [input.Key, input]));
    expect(byKey.get('assets/app.js')).toMatchObject({ ContentType: 'text/javascript; charset=utf-8', CacheControl: 'public, max-age=31536000, immutable' });
    expect(Buffer.from(byKey.get('assets/app.js')!.Body as Buffer).toString()).toBe('contents of assets/app.js');
    expect(byKey.get('index.html')).toMatchObject({ ContentType: 'text/html; charset=utf-8', CacheControl: 'no-cache' });
    expect(byKey.get(WEB_CONFIG_KEY)).toMatchObject({ Body: config, ContentType: 'application/json; charset=utf-8', CacheControl: 'no-cache' });
    expect(result.PhysicalResourceId).toBe('accessgate-web-web-bucket');
  });

  it('refuses a bundle whose files are not exactly the keys it may write, writing nothing', async () => {
    s3.on(GetObjectCommand).resolves({ Body: bundle([...WEB_FILES, { key: 'assets/extra.js', contentType: 'text/javascript', cacheControl: 'no-cache' }]) } as never);
    await expect(handler(event('Update'))).rejects.toThrow(/assets\/extra\.js.*rebuild and redeploy/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('removes its objects on Delete, so the bucket can go with the stack', async () => {
    const result = await handler(event('Delete'));
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual(
      [...keys, WEB_CONFIG_KEY].map((Key) => ({ Bucket: 'web-bucket', Key })),
    );
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(result.PhysicalResourceId).toBe('accessgate-web-web-bucket');
  });
});
