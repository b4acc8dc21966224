import { GetCommand, PutCommand, QueryCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { slackSignature } from '../../../functions/domain/slack-signature';
import { SlackStandIn } from '../../../infra/local/slack/stand-in';
import approveClick from '../../fixtures/slack/block-actions-approve.json';
import denySubmission from '../../fixtures/slack/view-submission-deny.json';
import baseEvent from '../../fixtures/slack/interactions-event.json';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);

const ID = '0f6f7c52-1d55-4c43-9a0e-6b1f9b0c2d11';
const SIGNING_SECRET = 'test-signing-secret';
const BOT_TOKEN = 'xoxb-test-token';
const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/slack-bot-token-AbCdEf';
const SIGNING_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/slack-signing-secret-AbCdEf';

const alice = { sub: '11111111-1111-4111-a111-111111111111', email: 'alice@example.com', name: 'Alice Anders', groups: ['dba'] };
const bob = { sub: '22222222-2222-4222-a222-222222222222', email: 'bob@example.com', name: 'Bob Brown', groups: ['dba-approvers'] };

const session = {
  pk: `SESSION#${ID}`,
  sk: 'META',
  id: ID,
  status: 'pending_review',
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:00.000Z',
  requester: alice,
  resource: { id: 'postgres-demo', name: 'Orders', type: 'postgres', database: 'orders' },
  command: 'select 1',
  commandSha256: 'x',
  rule: { name: 'dba-by-command', approvalGroups: ['dba-approvers'], forceApprovalGroups: ['sre'], approvalsRequired: 1, reviewTimeoutSeconds: 3600, reasonRequired: true },
  approvalsRequired: 1,
  approvals: [],
  forced: false,
  taskToken: 'token-1',
  requesterSub: alice.sub,
  notification: { channel: 'CDBREVIEWS', ts: '1795687390.000100' },
};

let slack: SlackStandIn;
let handler: typeof import('../../../functions/slack/interactions').handler;

type Result = { statusCode: number; body?: string };
function signedEvent(payload: unknown, options: { base64?: boolean; secret?: string; timestamp?: number } = {}): APIGatewayProxyEventV2 {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    ...(structuredClone(baseEvent) as unknown as APIGatewayProxyEventV2),
    headers: {
      ...baseEvent.headers,
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(options.secret ?? SIGNING_SECRET, timestamp, body),
    },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: !!options.base64,
  };
}
const invoke = (event: APIGatewayProxyEventV2) => handler(event, {} as never) as Promise<Result>;
const click = (user: string, action: 'approve' | 'deny', extra: Record<string, unknown> = {}) => ({
  ...approveClick,
  user: { ...approveClick.user, id: user },
  actions: [{ ...approveClick.actions[0], action_id: action }],
  ...extra,
});
const jobs = () => lambda.commandCalls(InvokeCommand).map((call) => ({ ...call.args[0].input, Payload: JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) }));

beforeAll(async () => {
  slack = await SlackStandIn.start({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: 'UALICE', email: alice.email, name: alice.name },
      { id: 'UBOB', email: bob.email, name: bob.name },
      { id: 'UZED', email: 'zed@example.com', name: 'Zed Zimmer' },
    ],
  });
  for (const [name, value] of Object.entries({
    SESSIONS_TABLE: 'sessions',
    EVENTS_TABLE: 'events',
    RESULTS_TABLE: 'results',
    STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:accessgate-session',
    SLACK_BOT_TOKEN_SECRET_ARN: TOKEN_ARN,
    SLACK_SIGNING_SECRET_ARN: SIGNING_ARN,
    SLACK_DEFAULT_CHANNEL: '#db-reviews',
    SLACK_API_URL: slack.apiUrl,
    NOTIFY_FUNCTION_NAME: 'accessgate-notify',
  })) vi.stubEnv(name, value);
  ({ handler } = await import('../../../functions/slack/interactions'));
});

afterAll(async () => {
  await slack.close();
});

beforeEach(() => {
  for (const client of [dynamo, sfn, secrets, lambda]) client.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SIGNING_ARN }).resolves({ SecretString: SIGNING_SECRET });
  secrets.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: BOT_TOKEN });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: `SESSION#${ID}`, sk: 'META' } }).resolves({ Item: session });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: 'USER#bob@example.com', sk: 'META' } }).resolves({ Item: { record: bob } });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: 'USER#alice@example.com', sk: 'META' } }).resolves({ Item: { record: alice } });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: 'USER#zed@example.com', sk: 'META' } }).resolves({});
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

describe('POST /slack/interactions', () => {
  it("counts bob's click as bob's approval via slack, resumes the workflow and leaves the message update to the notify Lambda", async () => {
    const approvedItem = { ...session, status: 'approved', approvals: [{ ...bob, via: 'slack' }], approvalCount: 1 };
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...session, approvals: [{ ...bob, via: 'slack' }], approvalCount: 1 } });
    dynamo.on(UpdateCommand, { UpdateExpression: 'SET #status = :approved, decidedAt = :at, updatedAt = :at' }).resolves({ Attributes: approvedItem });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const response = await invoke(signedEvent(click('UBOB', 'approve')));

    expect(response).toMatchObject({ statusCode: 200, body: '' });
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual(expect.arrayContaining([SIGNING_ARN, TOKEN_ARN]));
    expect(slack.calls.filter((call) => call.method === 'users.info').at(-1)?.args).toMatchObject({ user: 'UBOB' });
    const [count] = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(count.ExpressionAttributeValues).toMatchObject({ ':sub': bob.sub, ':approval': [expect.objectContaining({ sub: bob.sub, email: bob.email, via: 'slack', forced: false })] });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input).toEqual({ taskToken: 'token-1', output: JSON.stringify({ decision: 'approve' }) });
    const recorded = dynamo.commandCalls(PutCommand, { TableName: 'events' }).map((call) => call.args[0].input.Item);
    expect(recorded.map((event) => event?.type)).toEqual(['review.approved', 'session.approved']);
    expect(jobs()).toEqual([{ FunctionName: 'accessgate-notify', InvocationType: 'Event', Payload: { kind: 'session', sessionId: ID } }]);
    expect(slack.calls.some((call) => call.method === 'chat.update')).toBe(false);
  });

  it('verifies a base64-encoded body on its decoded bytes', async () => {
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: `SESSION#${ID}`, sk: 'META' } }).resolvesOnce({ Item: session }).resolves({ Item: { ...session, status: 'approved' } });

    const response = await invoke(signedEvent(click('UBOB', 'approve'), { base64: true }));

    expect(response.statusCode).toBe(200);
    // The review had closed meanwhile: bob hears "already decided", privately.
    expect(jobs().find((job) => job.Payload.kind === 'reply')?.Payload).toEqual({ kind: 'reply', replyTo: approveClick.response_url, text: 'Already decided: this session is approved.' });
  });

  it.each([
    ['another secret', { secret: 'not-the-secret' }],
    ['a timestamp six minutes old', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
  ])('answers 401 to a request signed with %s, and records nothing', async (_, options) => {
    const response = await invoke(signedEvent(click('UBOB', 'approve'), options));

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!).error.code).toBe('invalid_signature');
    expect(dynamo.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 401 to a tampered body', async () => {
    const event = signedEvent(click('UBOB', 'approve'));
    const response = await invoke({ ...event, body: event.body!.replace('UBOB', 'UALICE') });
    expect(response.statusCode).toBe(401);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('tells the requester privately that they cannot approve their own command, and records nothing', async () => {
    const response = await invoke(signedEvent(click('UALICE', 'approve')));

    expect(response.statusCode).toBe(200);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(jobs()).toEqual([
      { FunctionName: 'accessgate-notify', InvocationType: 'Event', Payload: { kind: 'reply', replyTo: approveClick.response_url, text: 'You cannot approve or deny your own command; another approver has to.' } },
    ]);
  });

  it('tells a Slack user the directory does not know that nothing was recorded', async () => {
    const response = await invoke(signedEvent(click('UZED', 'approve')));

    expect(response.statusCode).toBe(200);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(jobs()[0].Payload.text).toMatch(/does not know zed@example.com/);
  });

  it('opens the deny modal for an approver, with the trigger Slack sent', async () => {
    const trigger = slack.mintTrigger('UBOB');

    const response = await invoke(signedEvent(click('UBOB', 'deny', { trigger_id: trigger })));

    expect(response.statusCode).toBe(200);
    const opened = slack.views.at(-1)!;
    expect(opened).toMatchObject({ user: 'UBOB', view: { callback_id: 'deny', private_metadata: JSON.stringify({ sessionId: ID }) } });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('keeps the deny modal open with an error when the rule requires a reason and none was given', async () => {
    const submission = structuredClone(denySubmission);
    submission.view.state.values.reason.reason.value = '   ';

    const response = await invoke(signedEvent(submission));

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ response_action: 'errors', errors: { reason: 'reason: this rule requires a reason to deny' } });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('denies with the reason typed in the modal', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...session, status: 'denied', denial: { ...bob, reason: 'deletes every order' } } });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const response = await invoke(signedEvent(denySubmission));

    expect(response).toMatchObject({ statusCode: 200, body: '' });
    const [deny] = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(deny.ExpressionAttributeValues?.[':denial']).toMatchObject({ sub: bob.sub, reason: 'deletes every order', via: 'slack' });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0].args[0].input.output).toBe(JSON.stringify({ decision: 'deny' }));
  });
});
