/**
 * Waiting through the WebSocket API on the local runtime (HTTP + WS, the same handlers as on AWS): the
 * decision reaches the waiting requester as a push; a token that is missing, forged or expired never opens
 * a connection; a person who may not read a session is refused at subscribe and hears nothing about it;
 * a connection that has gone is forgotten the first time a push finds it gone. Watches are counted in
 * the Connections table itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, subjectOf } from '../../infra/local/identity';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from './client';
import { ApiClient as CliApiClient } from '../../cli/lib/api';
import { followSession as cliFollowSession } from '../../cli/lib/wait';

let stack: LocalStack;
let socketUrl: string;
const as: Record<string, ApiClient> = {};
let table: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, retryIntervalMs: 10, web: false });
  for (const name of ['alice', 'bob', 'frank']) as[name] = await ApiClient.as(stack, `${name}@example.com`);
  socketUrl = (await as.alice.get('/me')).body.socketUrl;
  table = DynamoDBDocumentClient.from(new DynamoDBClient({}));
}, 120_000);

afterAll(async () => {
  table?.destroy();
  await stack?.stop();
});

interface Message {
  readonly type: string;
  readonly sessionId?: string;
  readonly status?: string;
  readonly code?: string;
}

/** A waiting client: every message it receives, and a way to wait for one. */
class Client {
  readonly messages: Message[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static open(token: string | undefined): Promise<Client> {
    const url = token === undefined ? socketUrl : `${socketUrl}?token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new Client(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  async next(accept: (message: Message) => boolean, timeoutMs = 20_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(accept);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

const watches = async (sessionId: string) =>
  ((await table.send(new ScanCommand({ TableName: 'accessgate-Connections', ConsistentRead: true }))).Items ?? []).filter((item) => item.pk === `SESSION#${sessionId}`);

/** A socket open as `name`@example.com, with a subscribe to the session sent on it. */
const subscribed = async (name: string, sessionId: string) => {
  const client = await Client.open(await stack.token(`${name}@example.com`));
  client.send({ action: 'subscribe', sessionId });
  return client;
};

const submit = async () => {
  const reply = await as.alice.post('/sessions?wait=5', { resource: 'postgres-demo', command: 'select id from customers order by id limit 2' });
  expect(reply.body.session.status).toBe('pending_review');
  return reply.body.session.id as string;
};

describe('waiting for a decision through the WebSocket API', () => {
  it('names its endpoint in GET /me', () => {
    expect(socketUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket$/);
  });

  it('pushes each change to the waiting requester until the rows are there, with no request held open', async () => {
    const id = await submit();
    const alice = await subscribed('alice', id);
    expect(await alice.next((m) => m.sessionId === id)).toMatchObject({ type: 'session', status: 'pending_review' });
    expect(await watches(id)).toHaveLength(1);

    expect((await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' })).status).toBe(200);
    const done = await alice.next((m) => m.sessionId === id && m.status === 'done');
    expect(done.type).toBe('session');
    const statuses = alice.messages.filter((m) => m.sessionId === id).map((m) => m.status);
    expect(statuses).toEqual(expect.arrayContaining(['pending_review', 'approved', 'running', 'done']));
    // The push says what changed; the view (with the rows, the requester's alone) is one plain GET.
    const view = await as.alice.get(`/sessions/${id}`);
    expect(view.body.result.rowCount).toBe(2);
    await alice.close();
  });

  it('refuses a connection without a valid token at $connect', async () => {
    await expect(Client.open(undefined)).rejects.toThrow('refused 401');
    await expect(Client.open('not-a-jwt')).rejects.toThrow('refused 401');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ email: 'dana@example.com', 'cognito:groups': ['admins'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'local' })
      .setSubject(subjectOf('dana@example.com'))
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(Client.open(forged)).rejects.toThrow('refused 401');
  });

  it('refuses a subscribe from someone who may not read the session, and tells them nothing of it', async () => {
    const id = await submit();
    const frank = await subscribed('frank', id);
    expect(await frank.next((m) => m.sessionId === id)).toMatchObject({ type: 'error', code: 'session_not_visible' });
    expect(await watches(id)).toHaveLength(0);

    const alice = await subscribed('alice', id);
    await alice.next((m) => m.sessionId === id);
    await as.bob.post(`/sessions/${id}/review`, { decision: 'deny', reason: 'not today' });
    await alice.next((m) => m.sessionId === id && m.status === 'denied');
    await stack.push.flush();
    expect(frank.messages.filter((m) => m.sessionId === id && m.type === 'session')).toEqual([]);
    await Promise.all([alice.close(), frank.close()]);
  });

  it('brings the decision to a waiting CLI through the socket, with no long-poll held', async () => {
    const requests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}${new URL(String(input)).search}`);
      return fetch(input, init);
    };
    const cli = new CliApiClient(stack.url, await stack.token('alice@example.com'), counting);
    const first = await cli.submit({ resource: 'postgres-demo', command: 'select id from customers order by id limit 2' }, 5);
    const id = first.session.id;
    const following = cliFollowSession(cli, first);
    for (let tries = 0; (await watches(id)).length === 0; tries += 1) {
      if (tries > 200) throw new Error('the CLI never watched the session');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await as.bob.post(`/sessions/${id}/review`, { decision: 'approve' });
    const done = await following;
    expect(done.session.status).toBe('done');
    expect(done.result?.rowCount).toBe(2);
    expect(requests.filter((request) => request.includes(`/sessions/${id}?`))).toEqual([]);
  });

  it('forgets a connection that has gone the first time a push finds it gone', async () => {
    const id = await submit();
    const alice = await subscribed('alice', id);
    await alice.next((m) => m.sessionId === id);
    expect(await watches(id)).toHaveLength(1);
    await alice.close();

    await as.alice.post(`/sessions/${id}/cancel`);
    await stack.push.flush();
    expect(await watches(id)).toHaveLength(0);
  });
});
