import { GetCommand, PutCommand, QueryCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiEvent, callers } from '../../fixtures/api-event';
import { canonicalJson } from '../../../functions/domain/audit-chain';
import { sha256Hex } from '../../../functions/domain/session';
import { apiHandlerPerFile, WORKFLOW_ARNS } from '../../fixtures/handler-env';
import { ordersResource } from '../../fixtures/resource';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const resourceItem = {
  pk: 'RESOURCE#postgres-demo',
  sk: 'META',
  kind: 'RESOURCE',
  name: 'postgres-demo',
  record: ordersResource(),
};
const ruleItem = {
  pk: 'RULE#dba-by-command',
  sk: 'META',
  kind: 'RULE',
  name: 'dba-by-command',
  record: {
    name: 'dba-by-command', description: '', mode: 'command', resources: ['postgres-demo'], requesterGroups: [], approvalGroups: ['dba-approvers'],
    approvalsRequired: 1, forceApprovalGroups: ['sre'], reviewTimeoutSeconds: 3600, reasonRequired: false,
  },
};

const invoke = apiHandlerPerFile(() => import('../../../functions/api/sessions'), WORKFLOW_ARNS);

beforeEach(() => {
  // Prepare
  dynamo.reset();
  sfn.reset();
  dynamo.on(GetCommand, { Key: { pk: 'RESOURCE#postgres-demo', sk: 'META' } }).resolves({ Item: resourceItem });
  dynamo.on(QueryCommand, { IndexName: 'byKind' }).resolves({ Items: [ruleItem] });
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  // The requester's active windows, looked up at submission: none here.
  dynamo.on(QueryCommand, { IndexName: 'byRequester' }).resolves({ Items: [] });
  // The registry of multi-group review queue keys (functions/adapters/review-queue.ts): empty.
  dynamo.on(GetCommand, { Key: { pk: 'MARKER', sk: 'GROUP_SETS' } }).resolves({});
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:accessgate-session:x' });
});

describe('POST /sessions', () => {
  it('holds a covered command for review and starts the workflow named after the session', async () => {
    // Act
    const response = await invoke(
      apiEvent('POST /sessions', { caller: callers.alice, body: JSON.stringify({ resource: 'postgres-demo', command: 'select 1', reason: 'INC-7' }) }),
    );
    // Assess
    expect(response.statusCode).toBe(202);
    const { session } = JSON.parse(response.body);
    expect(session).toMatchObject({ status: 'pending_review', requester: { email: 'alice@example.com', groups: ['dba'] }, rule: { name: 'dba-by-command' } });

    const put = dynamo.commandCalls(PutCommand, { TableName: 'sessions' }).map((call) => call.args[0].input);
    const meta = put.find((input) => input.Item?.sk === 'META');
    // The approvers' inbox and history keys, for the approvers and the force-approvers together, on the session item.
    const queue = 'GROUP#["dba-approvers","sre"]';
    expect(meta).toMatchObject({ Item: { pk: `SESSION#${session.id}`, status: 'pending_review', requester: { sub: callers.alice.sub }, reviewGroupKey: queue, pendingGroupKey: queue } });
    expect(put.filter((input) => input.Item?.sk.startsWith('GROUP#'))).toEqual([]);

    const event = dynamo.commandCalls(PutCommand, { TableName: 'events' })[0].args[0].input;
    expect(event).toMatchObject({ Item: { pk: `SESSION#${session.id}`, sk: '0000000001', type: 'session.requested', seq: 1 } });

    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      // A command waiting for its review starts the machine whose StartAt is the wait.
      stateMachineArn: WORKFLOW_ARNS.COMMAND_REVIEW_STATE_MACHINE_ARN,
      name: session.id,
      // The route decided at submission travels as input, in Evaluate's output shape (Payload).
      input: JSON.stringify({ sessionId: session.id, Payload: { next: 'review', reviewSeconds: 3600 } }),
    });
  });

  it('accepts Data API parameters, stores them on the session and covers them with the digest', async () => {
    // Prepare
    const parameters = [{ name: 'p1', value: { longValue: 5 } }, { name: 'p2', value: { stringValue: '2026-01-01' }, typeHint: 'DATE' }];
    const command = 'select * from orders where customer_id = :p1 and placed_at > :p2';
    // Act
    const response = await invoke(apiEvent('POST /sessions', { caller: callers.alice, body: JSON.stringify({ resource: 'postgres-demo', command, parameters }) }));
    // Assess
    expect(response.statusCode).toBe(202);
    const { session } = JSON.parse(response.body);
    expect(session.parameters).toEqual(parameters);
    expect(session.commandSha256).toBe(sha256Hex(canonicalJson({ command, parameters })));
    const event = dynamo.commandCalls(PutCommand, { TableName: 'events' })[0].args[0].input;
    expect(event.Item?.details).toMatchObject({ command, parameters });
  });

  it.each([
    ['two values in one parameter', [{ name: 'p1', value: { longValue: 1, stringValue: '1' } }], /parameters\[0\]\.value/],
    ['a duplicate name', [{ name: 'p1', value: { longValue: 1 } }, { name: 'p1', value: { longValue: 2 } }], /unique/],
    ['an unsafe integer', [{ name: 'p1', value: { longValue: 2 ** 60 } }], /parameters\[0\]\.value/],
    ['a bad name', [{ name: '1; drop', value: { longValue: 1 } }], /parameters\[0\]\.name/],
    ['an unknown type hint', [{ name: 'p1', value: { stringValue: 'x' }, typeHint: 'INTERVAL' }], /typeHint/],
  ])('refuses parameters with %s', async (_, parameters, message) => {
    const response = await invoke(apiEvent('POST /sessions', { caller: callers.alice, body: JSON.stringify({ resource: 'postgres-demo', command: 'select :p1', parameters }) }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.message).toMatch(message);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('takes identity only from the token, never from the body', async () => {
    const response = await invoke(
      apiEvent('POST /sessions', { caller: callers.alice, body: JSON.stringify({ resource: 'postgres-demo', command: 'select 1', requester: 'bob@example.com' }) }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.message).toMatch(/requester/);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"resource": ', 400, /not valid JSON/],
    ['a wrong type', JSON.stringify({ resource: 'postgres-demo', command: 42 }), 400, /command/],
    ['an empty command', JSON.stringify({ resource: 'postgres-demo', command: '   ' }), 400, /command: must not be empty/],
    ['a command over 64 KiB', JSON.stringify({ resource: 'postgres-demo', command: 'x'.repeat(65 * 1024) }), 413, /over the 65536-byte limit/],
    ['an unknown resource', JSON.stringify({ resource: 'nope', command: 'select 1' }), 404, /Resource "nope" does not exist/],
  ])('answers %s with a clear error and changes nothing', async (_, body, status, message) => {
    dynamo.on(GetCommand, { Key: { pk: 'RESOURCE#nope', sk: 'META' } }).resolves({});
    const response = await invoke(apiEvent('POST /sessions', { caller: callers.alice, body }));
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body).error.message).toMatch(message);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses a resource the caller may not use with 403', async () => {
    const response = await invoke(apiEvent('POST /sessions', { caller: callers.bob, body: JSON.stringify({ resource: 'postgres-demo', command: 'select 1' }) }));
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body).error.code).toBe('resource_not_allowed');
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 401 when no verified claims reach the handler', async () => {
    const response = await invoke(apiEvent('POST /sessions', { body: JSON.stringify({ resource: 'postgres-demo', command: 'select 1' }) }));
    expect(response.statusCode).toBe(401);
  });

  it('decodes base64 bodies', async () => {
    const response = await invoke(
      apiEvent('POST /sessions', { caller: callers.alice, base64: true, body: JSON.stringify({ resource: 'postgres-demo', command: 'select 1' }) }),
    );
    expect(response.statusCode).toBe(202);
  });
});
