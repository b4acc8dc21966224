/**
 * GET /audit/sessions, GET /audit/exports and GET /audit/exports/object with mocked DynamoDB and S3:
 * who may call them, what the CSV holds (formula-looking cells neutralised), what an export listing
 * names, and that a refused caller is recorded as a security event.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEvent, type Caller, callers } from '../../fixtures/api-event';
import { apiHandlerPerFile, EVIDENCE_ENV } from '../../fixtures/handler-env';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const erin: Caller = { sub: '55555555-5555-4555-a555-555555555555', email: 'erin@example.com', name: 'Erin', groups: ['auditors'] };

const session = {
  pk: 'SESSION#5a1f7c52-1d55-4c43-9a0e-6b1f9b0c2d11',
  sk: 'META',
  id: '5a1f7c52-1d55-4c43-9a0e-6b1f9b0c2d11',
  status: 'done',
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:01:00.000Z',
  requester: { sub: callers.alice.sub, email: 'alice@example.com', name: '=HYPERLINK("http://evil")', groups: ['dba'] },
  resource: { id: 'postgres-demo', name: 'Demo', type: 'postgres', database: 'demo' },
  command: '-- cleanup\ndelete from orders where id = 1',
  commandSha256: 'a'.repeat(64),
  reason: 'ticket "42", urgent',
  rule: { name: 'dba-by-command' },
  approvalsRequired: 1,
  approvals: [{ sub: callers.bob.sub, email: 'bob@example.com', name: 'Bob', at: '2026-11-26T10:00:30.000Z', via: 'web', forced: false }],
  forced: false,
  result: { rowCount: 1, durationMs: 3, truncated: false },
};

const digestBody = JSON.stringify({ objects: [{ key: 'evidence/2026/11/26/config/0000000001-0000000002.json', sha256: 'b'.repeat(64), size: 10 }, { key: '../escape', sha256: 'c'.repeat(64), size: 1 }], publicKey: { fingerprint: 'abc', key: 'public-keys/abc.pem' } });

const invoke = apiHandlerPerFile(() => import('../../../functions/api/audit'), EVIDENCE_ENV);

beforeEach(() => {
  // Prepare
  vi.useFakeTimers({ now: new Date('2026-11-26T12:00:00.000Z'), toFake: ['Date'] });
  dynamo.reset();
  s3.reset();
  dynamo.on(GetCommand, { Key: { pk: 'MARKER', sk: 'FIRST_MONTH' } }).resolves({ Item: { month: '2026-11' } });
  // The month index holds keys only; the sessions it lists are read from the table.
  dynamo.on(QueryCommand, { IndexName: 'byMonth' }).resolves({ Items: [{ pk: session.pk, sk: session.sk, monthKey: 'MONTH#2026-11', createdKey: `${session.createdAt}#${session.id}` }] });
  dynamo.on(BatchGetCommand).resolves({ Responses: { sessions: [session] } });
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(GetCommand, { TableName: 'evidence', Key: { pk: 'DIGEST', sk: 'HEAD' } }).resolves({ Item: { next: '2026-11-26T12:00:00.000Z' } });
  s3.on(ListObjectsV2Command, { Prefix: 'digests/2026/11/26/' }).resolves({
    Contents: [
      { Key: 'digests/2026/11/26/20261126T090000Z.json', Size: 500 },
      { Key: 'digests/2026/11/26/20261126T100000Z.json', Size: 600 },
      { Key: 'digests/2026/11/26/20261126T110000Z.json', Size: 700 },
    ],
  });
  s3.on(ListObjectsV2Command, { Prefix: 'public-keys/' }).resolves({ Contents: [{ Key: 'public-keys/abc.pem', Size: 451 }, { Key: 'public-keys/retired.pem', Size: 451 }] });
  s3.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new Uint8Array(Buffer.from(digestBody)) } as never });
  s3.on(HeadObjectCommand).resolves({ ContentLength: 600 });
});

describe('GET /audit/sessions', () => {
  it('gives auditors every matching session as JSON', async () => {
    const reply = await invoke(apiEvent('GET /audit/sessions', { caller: erin, query: { approver: 'bob@example.com' } }));
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body).sessions.map((s: { id: string }) => s.id)).toEqual([session.id]);
  });

  it('downloads CSV with every user-typed cell quoted or neutralised', async () => {
    const reply = await invoke(apiEvent('GET /audit/sessions', { caller: callers.dana, query: { format: 'csv', from: '2026-11-01' } }));
    expect(reply.statusCode).toBe(200);
    expect(reply.headers).toMatchObject({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="accessgate-sessions-from-2026-11-01.csv"' });
    const [header, row] = reply.body.split('\r\n');
    expect(header.split(',').slice(0, 4)).toEqual(['session_id', 'status', 'created_at', 'requester_email']);
    expect(row).toContain(`'=HYPERLINK(""http://evil"")`);
    expect(row).toContain(`"'-- cleanup\ndelete from orders where id = 1"`);
    expect(row).toContain('"ticket ""42"", urgent"');
    expect(row).toContain('bob@example.com at 2026-11-26T10:00:30.000Z');
  });

  it('refuses engineers, and records the attempt as a security event', async () => {
    const reply = await invoke(apiEvent('GET /audit/sessions', { caller: callers.alice }));
    expect(reply.statusCode).toBe(403);
    expect(JSON.parse(reply.body).error.code).toBe('audit_access_refused');
    const recorded = dynamo.commandCalls(PutCommand, { TableName: 'events' })[0].args[0].input.Item!;
    expect(recorded).toMatchObject({ pk: 'SECURITY#2026-11-26', type: 'security.audit_access_refused', actor: { email: 'alice@example.com' }, details: { what: 'sessions' } });
  });
});

describe('GET /audit/exports', () => {
  it('lists the digests of the range, the objects they list (safe keys only) and the public keys they name (no other)', async () => {
    const reply = await invoke(apiEvent('GET /audit/exports', { caller: erin, query: { from: '2026-11-26T10:00:00Z', to: '2026-11-26T12:00:00Z' } }));
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({
      from: '2026-11-26T10:00:00.000Z',
      to: '2026-11-26T12:00:00.000Z',
      sealedUntil: '2026-11-26T12:00:00.000Z',
      digests: [
        { key: 'digests/2026/11/26/20261126T100000Z.json', size: 600 },
        { key: 'digests/2026/11/26/20261126T110000Z.json', size: 700 },
      ],
      objects: [{ key: 'evidence/2026/11/26/config/0000000001-0000000002.json', sha256: 'b'.repeat(64), size: 10 }],
      publicKeys: [{ key: 'public-keys/abc.pem', size: 451 }],
    });
  });

  it('pages by digest', async () => {
    const first = JSON.parse((await invoke(apiEvent('GET /audit/exports', { caller: erin, query: { from: '2026-11-26T00:00:00Z', to: '2026-11-27T00:00:00Z', limit: '2' } }))).body);
    expect(first.digests.map((d: { key: string }) => d.key)).toEqual(['digests/2026/11/26/20261126T090000Z.json', 'digests/2026/11/26/20261126T100000Z.json']);
    expect(first.cursor).toBe('digests/2026/11/26/20261126T100000Z.json');
    s3.on(ListObjectsV2Command, { Prefix: 'digests/2026/11/26/', StartAfter: first.cursor }).resolves({ Contents: [{ Key: 'digests/2026/11/26/20261126T110000Z.json', Size: 700 }] });
    const second = JSON.parse((await invoke(apiEvent('GET /audit/exports', { caller: erin, query: { from: '2026-11-26T00:00:00Z', to: '2026-11-27T00:00:00Z', limit: '2', cursor: first.cursor } }))).body);
    expect(second.digests.map((d: { key: string }) => d.key)).toEqual(['digests/2026/11/26/20261126T110000Z.json']);
    expect(second.cursor).toBeUndefined();
  });

  it('is for auditors only: admins are refused too', async () => {
    expect((await invoke(apiEvent('GET /audit/exports', { caller: callers.dana, query: { from: '2026-11-26', to: '2026-11-27' } }))).statusCode).toBe(403);
  });
});

describe('GET /audit/exports/object', () => {
  it('returns the bytes of one object (or one range of it), base64 as API Gateway expects', async () => {
    const reply = await invoke(apiEvent('GET /audit/exports/object', { caller: erin, query: { key: 'digests/2026/11/26/20261126T100000Z.json', offset: '0', length: '1000' } }));
    expect(reply.statusCode).toBe(200);
    expect(reply.isBase64Encoded).toBe(true);
    expect(reply.headers['x-object-size']).toBe('600');
    expect(createHash('sha256').update(Buffer.from(reply.body, 'base64')).digest('hex')).toBe(createHash('sha256').update(digestBody).digest('hex'));
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'accessgate-evidence', Key: 'digests/2026/11/26/20261126T100000Z.json', Range: 'bytes=0-599' });
  });

  it('refuses keys outside the evidence layout', async () => {
    for (const key of ['../secrets', 'other/file', 'evidence/../x']) {
      const reply = await invoke(apiEvent('GET /audit/exports/object', { caller: erin, query: { key } }));
      expect(reply.statusCode).toBe(400);
    }
  });
});
