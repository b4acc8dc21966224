/**
 * The daily table export Lambda with mocked DynamoDB and S3: it starts a point-in-time export into the
 * staging bucket once a day (idempotently), and once the export completes copies each of its files
 * under lock into the evidence bucket and lists them for the digest.
 */
import { createHash } from 'node:crypto';
import { DescribeExportCommand, DynamoDBClient, ExportTableToPointInTimeCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVIDENCE_ENV, stubHandlerEnv } from '../../fixtures/handler-env';
import { freshMocksPerCase } from '../../support/mocked-aws';

const dynamo = mockClient(DynamoDBDocumentClient);
const ddb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/accessgate-Events';
const EXPORT_ARN = `${TABLE_ARN}/export/01795699200000-a1b2c3d4`;
const BASE = 'exports/2026-11-26/AWSDynamoDB/01795699200000-a1b2c3d4/';
const NOW = new Date('2026-11-26T10:30:00.000Z');

let handler: typeof import('../../../functions/audit/table-export').handler;
let records: Map<string, Record<string, unknown>>;

const staged: Record<string, string> = {
  [`${BASE}manifest-summary.json`]: JSON.stringify({ manifestFilesS3Key: `${BASE}manifest-files.json`, itemCount: 2 }),
  [`${BASE}manifest-files.json`]: `${JSON.stringify({ dataFileS3Key: `${BASE}data/abc.json.gz`, itemCount: 2 })}\n`,
  [`${BASE}data/abc.json.gz`]: 'gzip bytes',
};

beforeAll(async () => {
  stubHandlerEnv({ ...EVIDENCE_ENV, EXPORT_STAGING_BUCKET: 'accessgate-staging', EVENTS_TABLE_ARN: TABLE_ARN });
  ({ handler } = await import('../../../functions/audit/table-export'));
});

freshMocksPerCase(NOW, dynamo, ddb, s3);

beforeEach(() => {
  // Prepare
  records = new Map();
  dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: 'DIGEST', sk: 'HEAD' } }).resolves({ Item: { next: '2026-11-26T10:00:00.000Z' } });
  dynamo.on(GetCommand, { TableName: 'evidence' }).callsFake((input) => ({ Item: records.get(input.Key.pk) }));
  dynamo.on(PutCommand, { TableName: 'evidence' }).callsFake((input) => {
    records.set(input.Item.pk, structuredClone(input.Item));
    return {};
  });
  dynamo.on(UpdateCommand).resolves({});
  ddb.on(ExportTableToPointInTimeCommand).resolves({ ExportDescription: { ExportArn: EXPORT_ARN, ExportStatus: 'IN_PROGRESS' } });
  ddb.on(DescribeExportCommand).resolves({ ExportDescription: { ExportArn: EXPORT_ARN, ExportStatus: 'IN_PROGRESS' } });
  s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3.on(GetObjectCommand, { Bucket: 'accessgate-staging' }).callsFake((input) => {
    const text = staged[input.Key];
    return { Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(text)) } };
  });
  s3.on(PutObjectCommand).resolves({});
});

describe('the daily export', () => {
  it('starts once a day into the staging bucket, idempotent by day', async () => {
    // Act
    await handler({}, {} as never);
    await handler({}, {} as never);

    // Assess
    const starts = ddb.commandCalls(ExportTableToPointInTimeCommand);
    expect(starts).toHaveLength(1);
    expect(starts[0].args[0].input).toEqual({
      TableArn: TABLE_ARN,
      S3Bucket: 'accessgate-staging',
      S3Prefix: 'exports/2026-11-26',
      ExportFormat: 'DYNAMODB_JSON',
      ExportType: 'FULL_EXPORT',
      ClientToken: 'accessgate-2026-11-26',
    });
    expect(records.get('TABLE_EXPORT#2026-11-26')).toMatchObject({ exportId: EXPORT_ARN, status: 'started' });
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
  });

  it('copies a completed export under lock, file by file, and lists each for the digest', async () => {
    await handler({}, {} as never);
    ddb.on(DescribeExportCommand).resolves({ ExportDescription: { ExportArn: EXPORT_ARN, ExportStatus: 'COMPLETED', ExportManifest: `${BASE}manifest-summary.json` } });

    const { exports } = await handler({}, {} as never);

    expect(exports).toEqual([expect.objectContaining({ day: '2026-11-26', status: 'copied', files: 3 })]);
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Key)).toEqual([
      'table-exports/2026/11/26/01795699200000-a1b2c3d4/manifest-summary.json',
      'table-exports/2026/11/26/01795699200000-a1b2c3d4/manifest-files.json',
      'table-exports/2026/11/26/01795699200000-a1b2c3d4/data/abc.json.gz',
    ]);
    const data = puts[2];
    expect(data).toMatchObject({
      Bucket: 'accessgate-evidence',
      ContentType: 'application/gzip',
      ChecksumSHA256: createHash('sha256').update('gzip bytes').digest('base64'),
      ContentMD5: createHash('md5').update('gzip bytes').digest('base64'),
      ObjectLockMode: 'COMPLIANCE',
    });
    const listed = dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item?.sk as string)
      .filter((sk) => sk.startsWith('OBJECT#'));
    expect(listed).toEqual(puts.map((input) => `OBJECT#${input.Key}`));
  });

  it('records a failed export and does not copy it', async () => {
    await handler({}, {} as never);
    ddb.on(DescribeExportCommand).resolves({ ExportDescription: { ExportArn: EXPORT_ARN, ExportStatus: 'FAILED', FailureMessage: 'PITR is off' } });
    const { exports } = await handler({}, {} as never);
    expect(exports).toEqual([expect.objectContaining({ status: 'failed', error: 'PITR is off' })]);
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
  });
});
