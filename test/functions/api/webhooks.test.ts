/** The webhooks API handler: routing and statuses, with the DynamoDB client mocked. */
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiEvent, callers } from '../../fixtures/api-event';
import { apiHandlerPerFile } from '../../fixtures/handler-env';

const dynamo = mockClient(DynamoDBDocumentClient);
const HOOK_ID = '5b0c1f3e-8a57-4d0b-9f3a-0c6a3f1d2e44';
const stored = { id: HOOK_ID, url: 'https://hooks.example.com/in', events: ['session.done'], createdAt: '2026-11-26T10:00:00.000Z', createdBy: 'dana@example.com' };

const invoke = apiHandlerPerFile(() => import('../../../functions/api/webhooks'), { WEBHOOK_KEY: 'test-webhook-key-0123456789abcdef0123456789abcdef' });
const body = (response: { body?: string }) => JSON.parse(response.body ?? 'null');

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand, { TableName: 'sessions', IndexName: 'byKind' }).resolves({ Items: [] });
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
});

describe('POST /webhooks', () => {
  it('answers 201 with the id and the secret to an admin', async () => {
    const response = await invoke(apiEvent('POST /webhooks', { caller: callers.dana, body: JSON.stringify({ url: 'https://hooks.example.com/in', events: ['session.done'] }) }));
    expect(response.statusCode).toBe(201);
    expect(body(response)).toMatchObject({ id: expect.any(String), secret: expect.stringMatching(/^whsec_/), webhook: { url: 'https://hooks.example.com/in' } });
  });

  it('answers 403 to anyone else, 400 naming events[i] or url, and writes nothing', async () => {
    const post = (caller: (typeof callers)[keyof typeof callers], payload: unknown) => invoke(apiEvent('POST /webhooks', { caller, body: JSON.stringify(payload) }));
    expect((await post(callers.bob, { url: 'https://hooks.example.com/in', events: ['session.done'] })).statusCode).toBe(403);
    const unknown = await post(callers.dana, { url: 'https://hooks.example.com/in', events: ['session.nope'] });
    expect(unknown.statusCode).toBe(400);
    expect(body(unknown).error.details.fields).toEqual(['events[0]']);
    const loopback = await post(callers.dana, { url: 'http://127.0.0.1:9000/in', events: ['session.done'] });
    expect(loopback.statusCode).toBe(400);
    expect(body(loopback).error.details.fields).toEqual(['url']);
    expect(dynamo.commandCalls(PutCommand)).toEqual([]);
  });
});

describe('GET /webhooks, DELETE /webhooks/{id}, GET /webhooks/{id}/deliveries', () => {
  it('lists without secrets, deletes with 204 then 404, and reads the attempts', async () => {
    dynamo.on(QueryCommand, { TableName: 'sessions', IndexName: 'byKind' }).resolves({ Items: [{ record: stored }] });
    const listed = await invoke(apiEvent('GET /webhooks', { caller: callers.dana }));
    expect(listed.statusCode).toBe(200);
    expect(body(listed)).toEqual({ webhooks: [stored] });

    dynamo.on(GetCommand).resolves({ Item: { record: stored } });
    dynamo.on(QueryCommand, { TableName: 'sessions', KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attempt)' }).resolves({ Items: [{ record: { at: 'x', attempt: 1, eventId: 'e', type: 'session.done', status: 204, outcome: 'delivered' } }] });
    const deliveries = await invoke(apiEvent('GET /webhooks/{id}/deliveries', { caller: callers.dana, path: { id: HOOK_ID } }));
    expect(deliveries.statusCode).toBe(200);
    expect(body(deliveries).deliveries).toHaveLength(1);

    dynamo.on(DeleteCommand).resolvesOnce({ Attributes: { record: stored } }).resolves({});
    expect((await invoke(apiEvent('DELETE /webhooks/{id}', { caller: callers.alice, path: { id: HOOK_ID } }))).statusCode).toBe(403);
    expect((await invoke(apiEvent('DELETE /webhooks/{id}', { caller: callers.dana, path: { id: HOOK_ID } }))).statusCode).toBe(204);
    expect((await invoke(apiEvent('DELETE /webhooks/{id}', { caller: callers.dana, path: { id: HOOK_ID } }))).statusCode).toBe(404);
    expect((await invoke(apiEvent('DELETE /webhooks/{id}', { caller: callers.dana, path: { id: 'not-an-id' } }))).statusCode).toBe(400);
  });

  it('answers 403 to a requester listing webhooks', async () => {
    expect((await invoke(apiEvent('GET /webhooks', { caller: callers.alice }))).statusCode).toBe(403);
  });
});
