import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiEvent, callers } from '../../fixtures/api-event';
import { apiHandlerPerFile, WORKFLOW_ARNS } from '../../fixtures/handler-env';
import { pendingReviewItem, SESSION_ID as ID, reviewQueueRead, sessionRead } from '../../fixtures/session-item';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const session = pendingReviewItem(
  { sub: callers.alice.sub, email: 'alice@example.com', name: 'Alice', groups: ['dba'] },
  { requesterSub: callers.alice.sub },
);

const invoke = apiHandlerPerFile(() => import('../../../functions/api/reviews'), WORKFLOW_ARNS);
const review = (caller: (typeof callers)[keyof typeof callers], body: unknown) =>
  invoke(apiEvent('POST /sessions/{id}/review', { caller, path: { id: ID }, body: JSON.stringify(body) }));

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [session] });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: `SESSION#${ID}`, sk: 'TASK_TOKEN' } }).resolves({ Item: { token: 'token-1' } });
  // The directory, which decides who reviews with which groups.
  for (const caller of Object.values(callers)) {
    dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: `USER#${caller.email}`, sk: 'META' } }).resolves({ Item: { record: caller } });
  }
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  // The session's review queue item, which a closing decision takes out of the inbox.
  dynamo.on(QueryCommand, reviewQueueRead(ID)).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
});

describe('POST /sessions/{id}/review', () => {
  it('approves, closes the review and resumes the workflow', async () => {
    const approvedItem = { ...session, approvals: [{ sub: callers.bob.sub }], approvalCount: 1 };
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...approvedItem, approvals: [{ sub: callers.bob.sub, email: 'bob@example.com' }] } });
    dynamo.on(UpdateCommand, { UpdateExpression: 'SET #status = :approved, decidedAt = :at, updatedAt = :at' }).resolves({ Attributes: { ...approvedItem, status: 'approved' } });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const response = await review(callers.bob, { decision: 'approve' });

    expect(response.statusCode).toBe(200);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toEqual({ taskToken: 'token-1', output: JSON.stringify({ decision: 'approve' }) });
  });

  it('treats "task does not exist anymore" from Step Functions as already decided, not a server error', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...session, status: 'denied', denial: { sub: callers.bob.sub } } });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const response = await review(callers.bob, { decision: 'deny', reason: 'not today' });

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).session.status).toBe('denied');
  });

  it('answers 409 when the review closed between the read and the write', async () => {
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamo.on(QueryCommand, sessionRead(ID)).resolvesOnce({ Items: [session] }).resolves({ Items: [{ ...session, status: 'denied' }] });

    const response = await review(callers.bob, { decision: 'approve' });

    expect(response.statusCode).toBe(409);
    expect(JSON.parse(response.body).error).toMatchObject({ code: 'review_closed' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('refuses self-approval with 403, records it as a security event and writes nothing to the session', async () => {
    const response = await review(callers.alice, { decision: 'approve' });

    expect(response.statusCode).toBe(403);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    const security = dynamo.commandCalls(PutCommand, { TableName: 'events' })[0].args[0].input.Item;
    expect(security).toMatchObject({ type: 'security.review_refused', details: { sessionId: ID, code: 'self_review' } });
    expect(security?.pk).toMatch(/^SECURITY#\d{4}-\d{2}-\d{2}$/);
  });

  it('names the bad field of a malformed decision', async () => {
    const response = await review(callers.bob, { decision: 'maybe' });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.message).toMatch(/decision/);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
