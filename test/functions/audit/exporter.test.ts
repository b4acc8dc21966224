/**
 * The exporter Lambda with mocked clients: what it asks DynamoDB and S3 to do for a batch of stream
 * records — the claim, the locked PUT with its checksums, the listing in the open digest period — and
 * how it reports a failed stream so only that part of the batch is retried.
 */
import { createHash } from 'node:crypto';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../functions/adapters/log';
import { canonicalJson } from '../../../functions/domain/audit-chain';
import { sessionEvents } from '../../fixtures/evidence';
import { eventItem, streamEvent, streamRecord } from '../../fixtures/stream-event';
import { EVIDENCE_ENV, stubHandlerEnv } from '../../fixtures/handler-env';
import { sessionRead } from '../../fixtures/session-item';
import { freshMocksPerCase } from '../../support/mocked-aws';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const ID = '5a1f7c52-1d55-4c43-9a0e-6b1f9b0c2d11';
const events = sessionEvents(ID, new Date('2026-11-26T10:00:00.000Z'));
const NOW = new Date('2026-11-26T10:20:00.000Z');

let handler: typeof import('../../../functions/audit/exporter').handler;
const invoke = (records: Parameters<typeof streamEvent>[0]) => handler(streamEvent(records), {} as never) as Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

beforeAll(async () => {
  stubHandlerEnv({ ...EVIDENCE_ENV, EVIDENCE_RETENTION_DAYS: '400', DIGEST_SECONDS: '3600' });
  ({ handler } = await import('../../../functions/audit/exporter'));
});

/** The stream's export cursor as the table would hold it, so claims and confirmations move it on. */
let cursor: Record<string, any> | undefined;
let stored = events;

freshMocksPerCase(NOW, dynamo, s3);

beforeEach(() => {
  // Prepare
  cursor = undefined;
  stored = events;
  const cursorKey = { pk: `CURSOR#SESSION#${ID}`, sk: 'CURSOR' };
  dynamo.on(GetCommand, { TableName: 'evidence', Key: cursorKey }).callsFake(() => ({ Item: cursor && structuredClone(cursor) }));
  dynamo.on(PutCommand, { TableName: 'evidence', Item: cursorKey }).callsFake((input) => {
    cursor = structuredClone(input.Item);
    return {};
  });
  dynamo.on(UpdateCommand, { TableName: 'evidence', Key: cursorKey }).callsFake(() => {
    delete cursor?.pending;
    return {};
  });
  dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: 'DIGEST', sk: 'HEAD' } }).resolves({ Item: { pk: 'DIGEST', sk: 'HEAD', next: '2026-11-26T10:00:00.000Z' } });
  dynamo.on(QueryCommand, { TableName: 'events' }).callsFake((input) => {
    const after = (input.ExclusiveStartKey as { sk?: string } | undefined)?.sk ?? '';
    return { Items: stored.map(eventItem).filter((item) => item.sk > after).slice(0, input.Limit) };
  });
  for (const period of ['2026-11-26T10:00:00.000Z', '2026-11-26T11:00:00.000Z']) {
    dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: `PERIOD#${period}`, sk: 'SEAL' } }).resolves({});
  }
  s3.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));
  s3.on(PutObjectCommand).resolves({});
});

describe('a session that has ended', () => {
  it('is written whole, once, under lock with both checksums, and listed in the open period', async () => {
    // Act
    const result = await invoke([streamRecord(events[4], '100'), streamRecord(events[5], '101')]);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const key = `evidence/2026/11/26/sessions/${ID}/0000000001-0000000006.json`;
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0].args[0].input;
    const body = Buffer.from(input.Body as Uint8Array);
    const segment = JSON.parse(body.toString('utf8'));
    expect(canonicalJson(segment)).toBe(body.toString('utf8'));
    expect(segment).toMatchObject({ format: 'accessgate-evidence/1', kind: 'session', stream: `SESSION#${ID}`, fromSeq: 1, toSeq: 6, previous: null, exportedAt: NOW.toISOString() });
    expect(segment.events).toEqual(events);
    expect(input).toMatchObject({
      Bucket: 'accessgate-evidence',
      Key: key,
      ContentType: 'application/json',
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
      ContentMD5: createHash('md5').update(body).digest('base64'),
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(NOW.getTime() + 400 * 86_400_000),
      ServerSideEncryption: 'aws:kms',
    });

    const claim = dynamo.commandCalls(PutCommand, { TableName: 'evidence' })[0].args[0].input;
    expect(claim).toMatchObject({
      Item: { pk: `CURSOR#SESSION#${ID}`, sk: 'CURSOR', position: '0000000006', pending: { key, fromSeq: 1, toSeq: 6, lastHash: events[5].hash } },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // One small item per object, whatever the period already holds.
    const listing = dynamo.commandCalls(PutCommand, { TableName: 'evidence', Item: { pk: 'PERIOD#2026-11-26T10:00:00.000Z' } });
    expect(listing).toHaveLength(1);
    expect(listing[0].args[0].input.Item).toEqual({
      pk: 'PERIOD#2026-11-26T10:00:00.000Z',
      sk: `OBJECT#${key}`,
      sha256: createHash('sha256').update(body).digest('hex'),
      size: body.length,
    });
    const confirm = dynamo.commandCalls(UpdateCommand, { Key: { pk: `CURSOR#SESSION#${ID}`, sk: 'CURSOR' } });
    expect(confirm[0].args[0].input).toMatchObject({ UpdateExpression: 'REMOVE pending' });
  });

  it('lists the object in the next period when the current one was sealed meanwhile', async () => {
    // Sealed after the object's item was written: the sealer may not have seen it.
    let sealReads = 0;
    dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: 'PERIOD#2026-11-26T10:00:00.000Z', sk: 'SEAL' } }).callsFake(() => {
      sealReads += 1;
      return sealReads === 1 ? {} : { Item: { pk: 'PERIOD#2026-11-26T10:00:00.000Z', sk: 'SEAL', sealedAt: '2026-11-26T11:00:01.000Z' } };
    });
    expect(await invoke([streamRecord(events[5], '101')])).toEqual({ batchItemFailures: [] });
    const periods = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item?.pk as string).filter((pk) => pk.startsWith('PERIOD#'));
    expect(periods).toEqual(['PERIOD#2026-11-26T10:00:00.000Z', 'PERIOD#2026-11-26T11:00:00.000Z']);
  });
});

describe('a session still open', () => {
  it('is not exported until it is final', async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ pk: `SESSION#${ID}`, sk: 'META', id: ID, status: 'pending_review' }] });
    expect(await invoke([streamRecord(events[1], '100')])).toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(dynamo.commandCalls(QueryCommand, { TableName: 'events' })).toEqual([]);
  });

  it('waits for the final event when the session already reads as final without it', async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ pk: `SESSION#${ID}`, sk: 'META', id: ID, status: 'done' }] });
    stored = events.slice(0, 5);
    expect(await invoke([streamRecord(events[4], '100')])).toEqual({ batchItemFailures: [] });
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    stored = events;
    await invoke([streamRecord(events[5], '101')]);
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([`evidence/2026/11/26/sessions/${ID}/0000000001-0000000006.json`]);
  });

  it('but an event after the end (a failed notification) is, once its session reads as final', async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ pk: `SESSION#${ID}`, sk: 'META', id: ID, status: 'done' }] });
    await invoke([streamRecord(events[1], '100')]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });
});

describe('a replayed claim', () => {
  it('rewrites the exact bytes it claimed, not whatever the stream holds now', async () => {
    // Prepare: a crash left the first five events claimed but unconfirmed; a sixth has arrived since.
    const first = await import('../../../functions/domain/evidence');
    const segment = first.buildSegment({ stream: `SESSION#${ID}`, exportedAt: '2026-11-26T10:05:00.000Z', previous: null, events: events.slice(0, 5) });
    const bytes = first.canonicalBytes(segment);
    const pending = {
      key: first.evidenceKey(`SESSION#${ID}`, 1, 5, new Date('2026-11-26T10:05:00.000Z')), sha256: first.sha256Hex(bytes), size: bytes.length,
      fromSeq: 1, toSeq: 5, lastHash: events[4].hash, exportedAt: '2026-11-26T10:05:00.000Z', previous: null,
    };
    cursor = { last: { key: pending.key, sha256: pending.sha256, toSeq: 5, lastHash: events[4].hash }, position: '0000000005', pending };

    // Act
    await invoke([streamRecord(events[5], '101')]);

    // Assess: the claimed segment, byte for byte, then the sixth event as the next segment linked to it.
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map((input) => input.Key)).toEqual([pending.key, `evidence/2026/11/26/sessions/${ID}/0000000006-0000000006.json`]);
    expect(Buffer.from(puts[0].Body as Uint8Array).equals(bytes)).toBe(true);
    expect(JSON.parse(Buffer.from(puts[1].Body as Uint8Array).toString('utf8')).previous).toEqual({ key: pending.key, sha256: pending.sha256, toSeq: 5, lastHash: events[4].hash });
  });
});

describe('a failure', () => {
  it('reports the stream\'s first record so the batch is retried from there', async () => {
    s3.on(PutObjectCommand).rejects(new Error('S3 is down'));
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const result = await invoke([streamRecord(events[4], '100'), streamRecord(events[5], '99')]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '99' }] });
    expect(errors).toHaveBeenCalledWith('evidence export failed', expect.objectContaining({ error: expect.objectContaining({ message: 'S3 is down' }) }));
    errors.mockRestore();
  });

  it('refuses to replace an object that exists with other content', async () => {
    s3.on(HeadObjectCommand).resolves({ ChecksumSHA256: Buffer.alloc(32).toString('base64') });
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const result = await invoke([streamRecord(events[5], '101')]);
    expect(result.batchItemFailures).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)).toEqual([]);
    expect(errors).toHaveBeenCalledWith('evidence export failed', expect.objectContaining({ error: expect.objectContaining({ message: expect.stringContaining('evidence is never replaced') }) }));
    errors.mockRestore();
  });
});
