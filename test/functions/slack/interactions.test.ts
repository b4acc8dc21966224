import { GetCommand, PutCommand, QueryCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECORD_WAIT_MS } from '../../../functions/app/slack-rejections';
import { SLACK_WAIT_MS } from '../../../functions/app/slack-reviews';
import { slackSignature } from '../../../functions/domain/slack-signature';
import { SlackStandIn } from '../../../infra/local/slack/stand-in';
import approveClick from '../../fixtures/slack/block-actions-approve.json';
import denySubmission from '../../fixtures/slack/view-submission-deny.json';
import baseEvent from '../../fixtures/slack/interactions-event.json';
import { WORKFLOW_ARNS, stubHandlerEnv } from '../../fixtures/handler-env';
import { dbaByCommand, pendingReviewItem, SESSION_ID as ID, reviewQueueRead, sessionRead } from '../../fixtures/session-item';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);

const SIGNING_SECRET = 'test-signing-secret';
const BOT_TOKEN = 'xoxb-test-token';
const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/slack-bot-token-AbCdEf';
const SIGNING_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/slack-signing-secret-AbCdEf';

const alice = { sub: '11111111-1111-4111-a111-111111111111', email: 'alice@example.com', name: 'Alice Anders', groups: ['dba'] };
const bob = { sub: '22222222-2222-4222-a222-222222222222', email: 'bob@example.com', name: 'Bob Brown', groups: ['dba-approvers'] };
// Each of these clicks once, so Slack is asked who they are (users.info is cached per person afterwards).
const frank = { sub: '33333333-3333-4333-a333-333333333333', email: 'frank@example.com', name: 'Frank Fischer', groups: ['dba'] };
const grace = { sub: '44444444-4444-4444-a444-444444444444', email: 'grace@example.com', name: 'Grace Green', groups: ['dba-approvers'] };
const carol = { sub: '55555555-5555-4555-a555-555555555555', email: 'carol@example.com', name: 'Carol Chen', groups: ['sre'] };
const henry = { sub: '66666666-6666-4666-a666-666666666666', email: 'henry@example.com', name: 'Henry Hill', groups: ['dba-approvers'] };

const session = pendingReviewItem(alice, {
  rule: { ...dbaByCommand, reasonRequired: true },
  requesterSub: alice.sub,
  notification: { channel: 'CDBREVIEWS', ts: '1795687390.000100' },
});

let slack: SlackStandIn;
let handler: typeof import('../../../functions/slack/interactions').handler;
let notify: typeof import('../../../functions/slack/notify').handler;

type Result = { statusCode: number; body?: string };
function signedEvent(payload: unknown, options: { base64?: boolean; secret?: string; timestamp?: number; sourceIp?: string; timeEpoch?: number } = {}): APIGatewayProxyEventV2 {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const event = structuredClone(baseEvent) as unknown as APIGatewayProxyEventV2;
  if (options.sourceIp) event.requestContext.http.sourceIp = options.sourceIp;
  event.requestContext.timeEpoch = options.timeEpoch ?? Date.now();
  return {
    ...event,
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
/**
 * A click as Slack sees it, then the Approve it handed to the notify Lambda run there, as Lambda would
 * after the acknowledgement; `jobs()` then shows only what was queued after the hand-over.
 */
async function clickThrough(event: APIGatewayProxyEventV2): Promise<Result> {
  const response = await invoke(event);
  const handedOver = jobs().filter((job) => job.Payload.kind === 'approve_click');
  lambda.resetHistory();
  for (const job of handedOver) await notify(job.Payload, {} as never);
  return response;
}
/** What was appended to the event log, by stream. */
const appended = (stream: RegExp) => dynamo.commandCalls(PutCommand, { TableName: 'events' }).map((call) => call.args[0].input.Item!).filter((item) => stream.test(String(item.pk)));
const SECURITY = /^SECURITY#\d{4}-\d{2}-\d{2}$/;
const SESSION = /^SESSION#/;
/** Nothing about the session changed: no write to its item, nothing in its event stream. */
function sessionUntouched() {
  expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  expect(dynamo.commandCalls(PutCommand, { TableName: 'sessions' })).toHaveLength(0);
  expect(appended(SESSION)).toHaveLength(0);
  expect(sfn.calls()).toHaveLength(0);
}
/** A refused review: the session untouched, and the refusal the one event on the SECURITY chain, naming who tried, why and from which Slack user. */
function refusalRecorded(person: typeof alice, code: string, decision: 'approve' | 'deny', slackUser: string) {
  sessionUntouched();
  expect(appended(SECURITY)).toEqual([
    expect.objectContaining({
      type: 'security.review_refused',
      actor: { sub: person.sub, email: person.email, name: person.name },
      details: { sessionId: ID, code, decision, force: false, via: 'slack', groups: person.groups, slackUser },
    }),
  ]);
}
const slackCalls = (method: string) => slack.calls.filter((call) => call.method === method);

beforeAll(async () => {
  slack = await SlackStandIn.start({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      { id: 'UALICE', email: alice.email, name: alice.name },
      { id: 'UBOB', email: bob.email, name: bob.name },
      { id: 'UFRANK', email: frank.email, name: frank.name },
      { id: 'UGRACE', email: grace.email, name: grace.name },
      { id: 'UCAROL', email: carol.email, name: carol.name },
      { id: 'UHENRY', email: henry.email, name: henry.name },
      { id: 'UZED', email: 'zed@example.com', name: 'Zed Zimmer' },
    ],
  });
  stubHandlerEnv({
    ...WORKFLOW_ARNS,
    SLACK_BOT_TOKEN_SECRET_ARN: TOKEN_ARN,
    SLACK_SIGNING_SECRET_ARN: SIGNING_ARN,
    SLACK_DEFAULT_CHANNEL: '#db-reviews',
    SLACK_API_URL: slack.apiUrl,
    NOTIFY_FUNCTION_NAME: 'accessgate-notify',
  });
  ({ handler } = await import('../../../functions/slack/interactions'));
  ({ handler: notify } = await import('../../../functions/slack/notify'));
});

afterAll(async () => {
  await slack.close();
});

beforeEach(() => {
  slack.delayMs = 0;
  slack.clearFaults();
  slack.calls.length = 0;
  for (const client of [dynamo, sfn, secrets, lambda]) client.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SIGNING_ARN }).resolves({ SecretString: SIGNING_SECRET });
  secrets.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: BOT_TOKEN });
  dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [session] });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: `SESSION#${ID}`, sk: 'TASK_TOKEN' } }).resolves({ Item: { token: 'token-1' } });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: 'USER#bob@example.com', sk: 'META' } }).resolves({ Item: { record: bob } });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: 'USER#alice@example.com', sk: 'META' } }).resolves({ Item: { record: alice } });
  for (const person of [frank, grace, carol, henry]) dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: `USER#${person.email}`, sk: 'META' } }).resolves({ Item: { record: person } });
  dynamo.on(GetCommand, { TableName: 'sessions', Key: { pk: 'USER#zed@example.com', sk: 'META' } }).resolves({});
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  dynamo.on(QueryCommand, reviewQueueRead(ID)).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

describe('POST /slack/interactions', () => {
  it('acknowledges an Approve after verifying it and handing it to the notify Lambda, before any Slack or database call', async () => {
    const arrived = Date.now() - 1_500;

    const response = await invoke(signedEvent(click('UBOB', 'approve'), { timeEpoch: arrived }));

    expect(response).toMatchObject({ statusCode: 200, body: '' });
    // The 3 s are Slack's, counted from API Gateway's arrival time, not from when this Lambda woke.
    expect(jobs()).toEqual([
      {
        FunctionName: 'accessgate-notify',
        InvocationType: 'Event',
        Payload: { kind: 'approve_click', sessionId: ID, slackUser: 'UBOB', triggerId: approveClick.trigger_id, replyTo: approveClick.response_url, deadline: arrived + SLACK_WAIT_MS },
      },
    ]);
    expect(slack.calls).toEqual([]);
    expect(dynamo.calls()).toEqual([]);
    expect(sfn.calls()).toEqual([]);
  });

  it("counts bob's click as bob's approval via slack, resumes the workflow and leaves the message update to the notify Lambda", async () => {
    const approvedItem = { ...session, status: 'approved', approvals: [{ ...bob, via: 'slack' }], approvalCount: 1 };
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...session, approvals: [{ ...bob, via: 'slack' }], approvalCount: 1 } });
    dynamo.on(UpdateCommand, { UpdateExpression: 'SET #status = :approved, decidedAt = :at, updatedAt = :at' }).resolves({ Attributes: approvedItem });
    sfn.on(SendTaskSuccessCommand).resolves({});

    const response = await clickThrough(signedEvent(click('UBOB', 'approve')));

    expect(response).toMatchObject({ statusCode: 200, body: '' });
    // The bot token, to ask Slack who clicked (the signing secret was read, and cached, by the first click).
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toContain(TOKEN_ARN);
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
    dynamo.on(QueryCommand, sessionRead(ID)).resolvesOnce({ Items: [session] }).resolves({ Items: [{ ...session, status: 'approved' }] });

    const response = await clickThrough(signedEvent(click('UBOB', 'approve'), { base64: true }));

    expect(response.statusCode).toBe(200);
    // The review had closed meanwhile: bob hears "already decided", privately.
    expect(jobs().find((job) => job.Payload.kind === 'reply')?.Payload).toEqual({ kind: 'reply', replyTo: approveClick.response_url, text: 'Already decided: this session is approved.' });
  });

  it.each([
    ['another secret', { secret: 'not-the-secret', sourceIp: '203.0.113.1' }, 'bad_signature'],
    ['a timestamp six minutes old', { timestamp: Math.floor(Date.now() / 1000) - 360, sourceIp: '203.0.113.2' }, 'stale_timestamp'],
  ])('answers 401 to a request signed with %s, reads nothing of it, and records a security event', async (_, options, reason) => {
    const event = signedEvent(click('UBOB', 'approve'), options);

    const response = await invoke(event);

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!).error.code).toBe('invalid_signature');
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    sessionUntouched();
    expect(lambda.calls()).toHaveLength(0);
    expect(slack.calls).toHaveLength(0);
    const [recorded] = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(recorded).toMatchObject({ TableName: 'events' });
    expect(recorded.Item).toMatchObject({
      pk: expect.stringMatching(SECURITY),
      type: 'security.slack_signature_rejected',
      actor: { system: 'slack-interactions' },
      details: { reason, sourceIp: options.sourceIp, timestamp: event.headers['x-slack-request-timestamp'], unrecorded: expect.any(Number) },
    });
    expect(Object.keys(recorded.Item!.details).sort()).toEqual(['reason', 'sourceIp', 'timestamp', 'unrecorded']);
    // Neither the unverified body nor anything secret goes into the log.
    const written = JSON.stringify(recorded.Item);
    for (const secret of [SIGNING_SECRET, BOT_TOKEN, event.headers['x-slack-signature']!, 'payload', 'UBOB']) expect(written).not.toContain(secret);
  });

  it('answers 401 to a tampered body, and to a request without a signature', async () => {
    const event = signedEvent(click('UBOB', 'approve'), { sourceIp: '203.0.113.3' });
    expect((await invoke({ ...event, body: event.body!.replace('UBOB', 'UALICE') })).statusCode).toBe(401);
    const { 'x-slack-signature': _, ...unsigned } = event.headers;
    expect((await invoke({ ...event, headers: unsigned })).statusCode).toBe(401);

    sessionUntouched();
    expect(appended(SECURITY).map((item) => item.details)).toEqual([
      expect.objectContaining({ reason: 'bad_signature', sourceIp: '203.0.113.3' }),
      expect.objectContaining({ reason: 'missing_signature', sourceIp: '203.0.113.3' }),
    ]);
  });

  it('records one event per reason and source IP per minute however many forged requests arrive, and counts the rest', async () => {
    const forged = () => signedEvent(click('UBOB', 'approve'), { secret: 'guessed', sourceIp: '198.51.100.7' });

    const answers = await Promise.all(Array.from({ length: 50 }, () => invoke(forged())));

    expect(answers.every((answer) => answer.statusCode === 401)).toBe(true);
    expect(appended(SECURITY)).toHaveLength(1);
    // The turned-away ones cost no AWS call at all: one append's Put, and its read of the stream's last
    // event unless the event log already knows it.
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(dynamo.calls().length).toBeLessThanOrEqual(2);

    // The next one recorded, from elsewhere, says how many went unrecorded before it.
    await invoke(signedEvent(click('UBOB', 'approve'), { secret: 'guessed', sourceIp: '198.51.100.8' }));
    expect(appended(SECURITY).map((item) => item.details)).toEqual([
      expect.objectContaining({ sourceIp: '198.51.100.7' }),
      expect.objectContaining({ sourceIp: '198.51.100.8', unrecorded: 49 }),
    ]);
  });

  it('answers the same 401, at once, when the event log fails or is slow', async () => {
    dynamo.on(PutCommand, { TableName: 'events' }).rejects(new Error('ProvisionedThroughputExceededException'));
    const failing = await invoke(signedEvent(click('UBOB', 'approve'), { secret: 'guessed', sourceIp: '198.51.100.9' }));
    expect(failing.statusCode).toBe(401);
    expect(JSON.parse(failing.body!).error.code).toBe('invalid_signature');
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);

    // Time is faked: the answer must come RECORD_WAIT_MS after the write began, while the write still hangs.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let written = false;
      const slowWrite = () => new Promise((resolve) => setTimeout(() => resolve({}), 3_000)).then((output) => ((written = true), output));
      dynamo.on(PutCommand, { TableName: 'events' }).callsFake(slowWrite);
      const slow = invoke(signedEvent(click('UBOB', 'approve'), { secret: 'guessed', sourceIp: '198.51.100.10' }));
      let answered = false;
      void slow.then(() => (answered = true));
      // The handler does no I/O here (every client is mocked): a few turns of the event loop bring it to the write.
      for (let turn = 0; turn < 50 && dynamo.commandCalls(PutCommand).length < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(RECORD_WAIT_MS - 1);
      expect(answered).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect((await slow).statusCode).toBe(401);
      expect(written).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('tells the requester privately that they cannot approve their own command, records the attempt as a security event, and leaves the session alone', async () => {
    const response = await clickThrough(signedEvent(click('UALICE', 'approve')));

    expect(response.statusCode).toBe(200);
    refusalRecorded(alice, 'self_review', 'approve', 'UALICE');
    expect(jobs()).toEqual([
      { FunctionName: 'accessgate-notify', InvocationType: 'Event', Payload: { kind: 'reply', replyTo: approveClick.response_url, text: 'You cannot approve or deny your own command; another approver has to.' } },
    ]);
  });

  it('still answers a refused click when the security event cannot be written', async () => {
    dynamo.on(PutCommand, { TableName: 'events' }).rejects(new Error('ProvisionedThroughputExceededException'));

    const response = await invoke(signedEvent(click('UALICE', 'deny')));

    expect(response.statusCode).toBe(200);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(jobs().map((job) => job.Payload.text)).toEqual(['You cannot approve or deny your own command; another approver has to.']);
  });

  it('tells a Slack user the directory does not know that nothing was recorded', async () => {
    const response = await clickThrough(signedEvent(click('UZED', 'approve')));

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

  it('records a modal submission refused on second look as a security event', async () => {
    const submission = structuredClone(denySubmission);
    submission.user.id = 'UALICE';

    const response = await invoke(signedEvent(submission));

    expect(JSON.parse(response.body!)).toEqual({ response_action: 'errors', errors: { reason: 'You cannot approve or deny your own command; another approver has to.' } });
    sessionUntouched();
    expect(appended(SECURITY).map((item) => item.details)).toEqual([expect.objectContaining({ code: 'self_review', decision: 'deny', force: false, via: 'slack', slackUser: 'UALICE' })]);
  });
});

describe('a Deny by someone Slack has not named yet', () => {
  // That users.info and views.open overlap is shown in test/functions/app/slack-reviews.test.ts; how long the
  // click takes with slow Slack calls is measured by `npm run bench` (test/bench/slack-ack.ts).
  it('opens the deny modal for a first click, asking Slack who clicked', async () => {
    const trigger = slack.mintTrigger('UGRACE');

    const response = await invoke(signedEvent(click('UGRACE', 'deny', { trigger_id: trigger })));

    expect(response).toMatchObject({ statusCode: 200, body: '' });
    expect(slackCalls('users.info').at(-1)?.args).toMatchObject({ user: 'UGRACE' });
    expect(slack.views.at(-1)).toMatchObject({ user: 'UGRACE', state: 'open', view: { callback_id: 'deny', private_metadata: JSON.stringify({ sessionId: ID }) } });
    expect(jobs()).toEqual([]);
    sessionUntouched();
  });

  it('turns the modal into the explanation when the person may not deny, and records the attempt', async () => {
    const trigger = slack.mintTrigger('UFRANK');

    const response = await invoke(signedEvent(click('UFRANK', 'deny', { trigger_id: trigger })));

    expect(response).toMatchObject({ statusCode: 200, body: '' });
    const opened = slack.views.at(-1)!;
    expect(opened).toMatchObject({ user: 'UFRANK', view: { callback_id: 'deny' } });
    // Said in the modal, by the notify Lambda, not a second time in the channel.
    expect(jobs().map((job) => job.Payload)).toEqual([
      { kind: 'view', viewId: opened.id, hash: opened.hash, text: 'Only members of dba-approvers can review this command; nothing was recorded.' },
    ]);
    refusalRecorded(frank, 'not_approver', 'deny', 'UFRANK');
  });

  it('asks to click again when Slack does not open the modal', async () => {
    slack.fail('views.open', 'expired_trigger_id');

    const response = await invoke(signedEvent(click('UHENRY', 'deny', { trigger_id: slack.mintTrigger('UHENRY') })));

    expect(response.statusCode).toBe(200);
    expect(jobs().map((job) => job.Payload)).toEqual([
      { kind: 'reply', replyTo: approveClick.response_url, text: 'Slack did not open the form in time; nothing was recorded. Please click again.' },
    ]);
    sessionUntouched();
  });
});

describe('the 3-second deadline', () => {
  it('stops waiting for a modal Slack is slow to open once the click has used its time, whatever the per-call timeout', async () => {
    // carol may force-approve: her first Approve waits for users.info, then for a views.open that hangs
    // past Slack's 3 s. The deadline itself is checked with a faked clock in
    // test/functions/adapters/slack-api.test.ts and test/functions/app/slack-reviews.test.ts.
    slack.hang('views.open', 10_000);

    const response = await clickThrough(signedEvent(click('UCAROL', 'approve', { trigger_id: slack.mintTrigger('UCAROL') })));

    expect(response.statusCode).toBe(200);
    expect(slackCalls('views.open')).toHaveLength(1);
    expect(jobs().map((job) => job.Payload.text)).toEqual(['Slack did not open the form in time; nothing was recorded. Please click again.']);
    sessionUntouched();
  });
});
