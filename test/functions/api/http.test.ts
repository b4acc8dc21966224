import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseGroups } from '../../../functions/api/http';
import { apiEvent, callers } from '../../fixtures/api-event';
import { apiHandlerPerFile, WORKFLOW_ARNS } from '../../fixtures/handler-env';

describe('parseGroups', () => {
  it('reads API Gateway\'s flattened array claim', () => {
    expect(parseGroups('[dba dba-approvers]')).toEqual(['dba', 'dba-approvers']);
    expect(parseGroups('[]')).toEqual([]);
  });
  it('reads real arrays and JSON arrays, each name whole', () => {
    expect(parseGroups(['a', 'b'])).toEqual(['a', 'b']);
    expect(parseGroups(['dba admins'])).toEqual(['dba admins']);
    expect(parseGroups('["dba admins"]')).toEqual(['dba admins']);
    expect(parseGroups('["a","b c"]')).toEqual(['a', 'b c']);
  });
  it('grants no group for anything that is not a group list', () => {
    expect(parseGroups('dba,admins')).toEqual([]);
    expect(parseGroups('admins')).toEqual([]);
    expect(parseGroups('a, b')).toEqual([]);
    expect(parseGroups(['admins', 1])).toEqual([]);
    expect(parseGroups('["admins", 1]')).toEqual([]);
    expect(parseGroups('["admins"')).toEqual([]);
    expect(parseGroups(undefined)).toEqual([]);
    expect(parseGroups(42)).toEqual([]);
  });
});

describe('the HTTP edge', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const invoke = apiHandlerPerFile(() => import('../../../functions/api/sessions'), WORKFLOW_ARNS);

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(GetCommand).resolves({});
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  const fields = (response: { body: string }) => JSON.parse(response.body).error.details?.fields as string[];

  it('answers malformed percent-encoding in a path id with 400 naming the field, reading nothing', async () => {
    const response = await invoke(apiEvent('GET /sessions/{id}', { caller: callers.alice, path: { id: '%ZZ' } }));
    expect(response.statusCode).toBe(400);
    expect(fields(response)).toEqual(['id']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('answers an overlong resource name with 400 naming the field', async () => {
    const body = JSON.stringify({ resource: 'r'.repeat(2048), command: 'select 1' });
    const response = await invoke(apiEvent('POST /sessions', { caller: callers.alice, body }));
    expect(response.statusCode).toBe(400);
    expect(fields(response)).toEqual(['resource']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each(['9999', 'December 17, 2099', '2026-13-01', '9999-12-31', '1970-01-01T00:00:00Z', '2026-11-30T12:00'])(
    'refuses the date %j with 400 naming the field, before any read',
    async (to) => {
      const response = await invoke(apiEvent('GET /sessions', { caller: callers.dana, query: { to, scope: 'all' } }));
      expect(response.statusCode).toBe(400);
      expect(fields(response)).toEqual(['to']);
      expect(dynamo.calls()).toHaveLength(0);
    },
  );

  it('accepts ISO 8601 dates and date-times with an offset', async () => {
    for (const to of ['2026-11-30', '2026-11-30T12:00:00Z', '2026-11-30T12:00:00.123+02:00']) {
      const response = await invoke(apiEvent('GET /sessions', { caller: callers.alice, query: { to } }));
      expect(response.statusCode).toBe(200);
    }
  });

  it('refuses a cursor it did not sign with 400 naming the field, before any query', async () => {
    const crafted = Buffer.from(JSON.stringify({ key: { foo: 1 } })).toString('base64url');
    for (const cursor of [crafted, `${crafted}.AAAA`, 'x'.repeat(3000), '..']) {
      const response = await invoke(apiEvent('GET /sessions', { caller: callers.alice, query: { cursor } }));
      expect(response.statusCode).toBe(400);
      expect(fields(response)).toEqual(['cursor']);
    }
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('sends nosniff and no-store on answers and on errors alike', async () => {
    const ok = await invoke(apiEvent('GET /sessions', { caller: callers.alice }));
    const refused = await invoke(apiEvent('GET /sessions/{id}', { caller: callers.alice, path: { id: 'nope' } }));
    const unauthenticated = await invoke(apiEvent('GET /sessions', {}));
    for (const response of [ok, refused, unauthenticated]) {
      expect(response.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    }
    expect([ok.statusCode, refused.statusCode, unauthenticated.statusCode]).toEqual([200, 400, 401]);
  });
});
