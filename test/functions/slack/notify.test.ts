import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { denyModal } from '../../../functions/domain/slack-message';
import type { Session } from '../../../functions/domain/session';
import { SlackStandIn } from '../../../infra/local/slack/stand-in';
import { stubHandlerEnv } from '../../fixtures/handler-env';
import { dbaByCommand, pendingReviewItem, SESSION_ID as ID, sessionRead } from '../../fixtures/session-item';

const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

const BOT_TOKEN = 'xoxb-test-token';
const TOKEN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/slack-bot-token-AbCdEf';
const alice = { sub: '11111111-1111-4111-a111-111111111111', email: 'alice@example.com', name: 'Alice Anders', groups: ['dba'] };
const bob = { sub: '22222222-2222-4222-a222-222222222222', email: 'bob@example.com', name: 'Bob Brown' };

const pending = pendingReviewItem(alice, {
  rule: { ...dbaByCommand, slackChannel: '#orders-reviews' },
  expiresAt: '2026-11-26T11:00:00.000Z',
});

let slack: SlackStandIn;
let handler: typeof import('../../../functions/slack/notify').handler;
const run = (job: unknown) => handler(job, {} as never);
const ledgerRead = (id: string) => ({ TableName: 'sessions', KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notified)', ExpressionAttributeValues: { ':pk': `SESSION#${id}`, ':notified': 'NOTIFIED#' } });
const failures = () => dynamo.commandCalls(PutCommand, { TableName: 'events' }).map((call) => call.args[0].input.Item).filter((e) => e?.type === 'notification.failed');

beforeAll(async () => {
  slack = await SlackStandIn.start({ botToken: BOT_TOKEN, signingSecret: 's', users: [{ id: 'UALICE', email: alice.email, name: alice.name }] });
  stubHandlerEnv({
    SLACK_BOT_TOKEN_SECRET_ARN: TOKEN_ARN,
    SLACK_SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/slack-signing-secret-AbCdEf',
    SLACK_DEFAULT_CHANNEL: '#db-reviews',
    SLACK_API_URL: slack.apiUrl,
    // Generous, so a loaded machine never times out a call the stand-in answers at once; the hung call below
    // is held far longer than this.
    SLACK_TIMEOUT_MS: '3000',
    NOTIFY_FUNCTION_NAME: 'accessgate-notify',
  });
  ({ handler } = await import('../../../functions/slack/notify'));
});

afterAll(async () => {
  await slack.close();
});

beforeEach(() => {
  dynamo.reset();
  secrets.reset();
  slack.clearFaults();
  secrets.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: BOT_TOKEN });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand, { TableName: 'events' }).resolves({ Items: [] });
  dynamo.on(QueryCommand, ledgerRead(ID)).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  // The notification ledger's persistence layer sends plain DynamoDB commands through the same client.
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
});

describe('the notify Lambda', () => {
  it("posts a review request to the rule's channel, keeps where it went and records it", async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [pending] });

    await run({ kind: 'review', sessionId: ID });

    const posted = slack.messages.at(-1)!;
    expect(posted.channel).toBe('CORDERSREVIEWS');
    // Kept beside the session item, which it would make larger at every later rewrite.
    const save = dynamo.commandCalls(PutCommand, { TableName: 'sessions' }).map((call) => call.args[0].input.Item);
    expect(save).toEqual([{ pk: `SESSION#${ID}`, sk: 'META#NOTIFICATION', notification: { channel: 'CORDERSREVIEWS', ts: posted.ts } }]);
    const recorded = dynamo.commandCalls(PutCommand, { TableName: 'events' }).map((call) => call.args[0].input.Item);
    expect(recorded).toEqual([expect.objectContaining({ type: 'review.requested', details: expect.objectContaining({ notification: { channel: 'CORDERSREVIEWS', ts: posted.ts } }) })]);
  });

  it('redraws the message from the session as it is now and tells the requester once per milestone', async () => {
    const message = slack.messages.at(-1)!;
    const done = { ...pending, status: 'done', decidedAt: '2026-11-26T10:02:00.000Z', approvals: [{ ...bob, at: '2026-11-26T10:02:00.000Z', via: 'slack', forced: false }], result: { rowCount: 3, durationMs: 12, truncated: false }, notification: { channel: message.channel, ts: message.ts } };
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [done] });
    // The ledger does not yet show "approved" as sent (its send is being completed): the claim decides.
    dynamo
      .on(PutItemCommand, { TableName: 'sessions', Item: { pk: { S: `SESSION#${ID}` }, sk: { S: 'NOTIFIED#dm:approved' } } })
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    await run({ kind: 'session', sessionId: ID });

    expect(JSON.stringify(message.latest.blocks)).toContain('approved by Bob Brown');
    expect(JSON.stringify(message.latest.blocks)).toContain('executed: 3 rows in 12 ms');
    expect(message.latest.blocks.some((block) => block.type === 'actions')).toBe(false);
    const claims = dynamo.commandCalls(PutItemCommand, { TableName: 'sessions' }).map((call) => call.args[0].input);
    expect(claims.map((claim) => claim.Item?.sk?.S)).toEqual(['NOTIFIED#dm:approved', 'NOTIFIED#dm:done']);
    // "approved" was already sent by an earlier job; only "done" goes out now.
    const dms = slack.messages.filter((m) => m.user === 'UALICE');
    expect(dms.map((m) => m.text)).toEqual([expect.stringContaining('executed: 3 rows in 12 ms')]);
  });

  it('claims no milestone the ledger already shows as sent: a refused claim is a billed write', async () => {
    const message = slack.messages.at(-1)!;
    const done = { ...pending, status: 'done', decidedAt: '2026-11-26T10:02:00.000Z', approvals: [{ ...bob, at: '2026-11-26T10:02:00.000Z', via: 'slack', forced: false }], result: { rowCount: 3, durationMs: 12, truncated: false }, notification: { channel: message.channel, ts: message.ts } };
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [done] });
    dynamo.on(QueryCommand, ledgerRead(ID)).resolves({ Items: [{ sk: 'NOTIFIED#dm:approved', state: 'COMPLETED', expiration: 4_000_000_000 }, { sk: 'NOTIFIED#dm:done', state: 'INPROGRESS' }] });
    dynamo.on(PutItemCommand, { TableName: 'sessions', Item: { pk: { S: `SESSION#${ID}` }, sk: { S: 'NOTIFIED#dm:done' } } }).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const dmsBefore = slack.messages.filter((m) => m.user === 'UALICE').length;

    await run({ kind: 'session', sessionId: ID });

    // "done" is claimed (in progress elsewhere, refused here); "approved" is sent and not claimed at all.
    const claims = dynamo.commandCalls(PutItemCommand, { TableName: 'sessions' }).map((call) => call.args[0].input.Item?.sk?.S);
    expect(claims).toEqual(['NOTIFIED#dm:done']);
    expect(slack.messages.filter((m) => m.user === 'UALICE')).toHaveLength(dmsBefore);
  });

  it("records Slack's error on the session and fails, so Lambda retries the job", async () => {
    const message = slack.messages.find((m) => !m.user)!;
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ ...pending, notification: { channel: message.channel, ts: message.ts } }] });
    slack.fail('chat.update', 'ratelimited');

    await expect(run({ kind: 'session', sessionId: ID })).rejects.toThrow('Slack chat.update failed: ratelimited');

    expect(failures()).toEqual([expect.objectContaining({ pk: `SESSION#${ID}`, details: { work: 'session', error: 'Slack chat.update failed: ratelimited', code: 'ratelimited' } })]);
  });

  it('gives up on a Slack call that hangs past the timeout, and gives the DM claim back for the retry', async () => {
    dynamo.on(QueryCommand, sessionRead(ID)).resolves({ Items: [{ ...pending, status: 'denied', denial: { ...bob, at: '2026-11-26T10:02:00.000Z', via: 'web' } }] });
    slack.hang('chat.postMessage', 30_000);

    await expect(run({ kind: 'session', sessionId: ID })).rejects.toThrow('Slack chat.postMessage failed: timeout');

    expect(failures()[0]?.details).toMatchObject({ code: 'timeout' });
    expect(dynamo.commandCalls(DeleteItemCommand)[0].args[0].input).toEqual({ TableName: 'sessions', Key: { pk: { S: `SESSION#${ID}` }, sk: { S: 'NOTIFIED#dm:denied' } } });
  });

  it('refuses a malformed job', async () => {
    await expect(run({ kind: 'session', sessionId: 'nope' })).rejects.toThrow(/sessionId/);
    await expect(run({ kind: 'view', viewId: '', text: 'x' })).rejects.toThrow(/viewId/);
  });
});

describe('the explanation in a modal opened before the clicker was known', () => {
  /** A deny modal as the interactions Lambda opens it, through Slack's Web API. */
  async function openDenyModal(): Promise<{ id: string; hash: string }> {
    const response = await fetch(`${slack.apiUrl}views.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ trigger_id: slack.mintTrigger('UALICE'), view: denyModal(pending as unknown as Session) }),
    });
    return ((await response.json()) as { view: { id: string; hash: string } }).view;
  }
  const text = 'Only members of dba-approvers can review this command; nothing was recorded.';

  it('replaces the form with the explanation and nothing to submit', async () => {
    const opened = await openDenyModal();

    await run({ kind: 'view', viewId: opened.id, hash: opened.hash, text });

    const view = slack.views.find((v) => v.id === opened.id)!;
    expect(view.state).toBe('open');
    expect(view.view).toMatchObject({ callback_id: 'refused', title: { text: 'Deny command' }, close: { text: 'Close' }, blocks: [{ type: 'section', text: { type: 'plain_text', text } }] });
    expect(view.view.submit).toBeUndefined();
    expect(JSON.stringify(view.view)).not.toContain('"type":"input"');
  });

  it('leaves alone a modal that was closed, or changed since it opened, without a retry', async () => {
    const closed = await openDenyModal();
    slack.closeView({ user: 'UALICE', viewId: closed.id });
    await expect(run({ kind: 'view', viewId: closed.id, hash: closed.hash, text })).resolves.toBeUndefined();

    const changed = await openDenyModal();
    await expect(run({ kind: 'view', viewId: changed.id, hash: 'an-older-hash', text })).resolves.toBeUndefined();
    expect(slack.views.find((v) => v.id === changed.id)!.view).toMatchObject({ callback_id: 'deny' });
    // The click changed nothing, so there is nothing to record on any session.
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('fails on any other Slack error, so Lambda retries it', async () => {
    const opened = await openDenyModal();
    slack.fail('views.update', 'ratelimited');

    await expect(run({ kind: 'view', viewId: opened.id, hash: opened.hash, text })).rejects.toThrow('Slack views.update failed: ratelimited');
  });
});
