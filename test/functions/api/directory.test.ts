import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiEvent, callers } from '../../fixtures/api-event';
import { apiHandlerPerFile } from '../../fixtures/handler-env';

const dynamo = mockClient(DynamoDBDocumentClient);
const invoke = apiHandlerPerFile(() => import('../../../functions/api/directory'));
const grace = { sub: '55555555-5555-4555-a555-555555555555', email: 'grace@example.com', name: 'Grace Green', groups: ['dba-approvers'] };

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  dynamo.on(QueryCommand, { TableName: 'sessions', IndexName: 'byKind' }).resolves({ Items: [{ record: grace }] });
  dynamo.on(PutCommand).resolves({});
});

describe('/directory/users', () => {
  it('lets an admin map an email to a subject and groups, recorded as a CONFIG change', async () => {
    const response = await invoke(apiEvent('PUT /directory/users/{email}', { caller: callers.dana, path: { email: 'Bob%40Example.com' }, body: JSON.stringify({ sub: callers.bob.sub, name: 'Bob Brown', groups: ['dba-approvers'] }) }));

    expect(response.statusCode).toBe(201);
    const put = dynamo.commandCalls(PutCommand, { TableName: 'sessions' })[0].args[0].input;
    expect(put).toMatchObject({
      Item: { pk: 'USER#bob@example.com', sk: 'META', kind: 'USER', name: 'bob@example.com', record: { email: 'bob@example.com', sub: callers.bob.sub, name: 'Bob Brown', groups: ['dba-approvers'] } },
      ReturnValues: 'ALL_OLD',
    });
    const event = dynamo.commandCalls(PutCommand, { TableName: 'events' })[0].args[0].input.Item;
    expect(event).toMatchObject({ pk: 'CONFIG', type: 'directory.user_created', actor: { email: 'dana@example.com' }, details: { email: 'bob@example.com', before: null } });
  });

  it("refuses a second email for someone's subject: one person must never count twice", async () => {
    const response = await invoke(apiEvent('PUT /directory/users/{email}', { caller: callers.dana, path: { email: 'grace.alt@example.com' }, body: JSON.stringify({ sub: grace.sub, name: 'Grace', groups: [] }) }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.message).toMatch(/already belongs to grace@example.com/);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('lets admins and auditors read, and only admins write', async () => {
    expect((await invoke(apiEvent('GET /directory/users', { caller: callers.dana }))).statusCode).toBe(200);
    expect(JSON.parse((await invoke(apiEvent('GET /directory/users', { caller: callers.dana }))).body).users).toEqual([grace]);
    expect((await invoke(apiEvent('GET /directory/users', { caller: callers.bob }))).statusCode).toBe(403);
    const write = await invoke(apiEvent('PUT /directory/users/{email}', { caller: callers.alice, path: { email: 'alice@example.com' }, body: JSON.stringify({ sub: callers.alice.sub, name: 'A', groups: ['admins'] }) }));
    expect(write.statusCode).toBe(403);
    expect(JSON.parse(write.body).error.code).toBe('admin_only');
  });

  it('removes an entry, and answers 404 for one that is not there', async () => {
    dynamo.on(DeleteCommand).resolvesOnce({ Attributes: { record: grace } }).resolves({});
    expect((await invoke(apiEvent('DELETE /directory/users/{email}', { caller: callers.dana, path: { email: 'grace@example.com' } }))).statusCode).toBe(204);
    expect(dynamo.commandCalls(DeleteCommand)[0].args[0].input).toMatchObject({ Key: { pk: 'USER#grace@example.com', sk: 'META' }, ReturnValues: 'ALL_OLD' });
    expect((await invoke(apiEvent('DELETE /directory/users/{email}', { caller: callers.dana, path: { email: 'grace@example.com' } }))).statusCode).toBe(404);
    dynamo.on(GetCommand).resolves({});
    expect((await invoke(apiEvent('GET /directory/users/{email}', { caller: callers.dana, path: { email: 'nobody@example.com' } }))).statusCode).toBe(404);
  });

  it('names the bad field', async () => {
    const response = await invoke(apiEvent('PUT /directory/users/{email}', { caller: callers.dana, path: { email: 'not-an-email' }, body: JSON.stringify({ sub: 'x', name: 'X', groups: [] }) }));
    expect(response.statusCode).toBe(400);
    const missing = await invoke(apiEvent('PUT /directory/users/{email}', { caller: callers.dana, path: { email: 'x@example.com' }, body: JSON.stringify({ name: 'X', groups: [] }) }));
    expect(JSON.parse(missing.body).error.message).toMatch(/sub/);
  });
});
