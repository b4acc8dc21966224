/**
 * Hostile use of the WebSocket API against the local runtime (the same authorizer and route handler
 * as on AWS, behind the stand-in): `$connect` without a token, with broken, forged, expired, exp-less,
 * wrongly addressed and oversized tokens; subscribes to someone else's session; malformed frames
 * (not JSON, no action, reserved actions, bad session ids, binary, oversized). Each connection case is
 * refused at the handshake (401 or 404), each frame case answered with an error the client can read
 * while the connection stays usable, and nothing changed: no watch or connection item, no event, no
 * session, no database row (test/e2e/hostile/harness.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subjectOf } from '../../../infra/local/identity';
import { expectUnchanged, forgedToken, hostileStackPerFile, send, settled, snapshot } from './harness';

const hostile = hostileStackPerFile();
let socketUrl: string;
/** alice's session waiting for a review. */
let alices: string;

beforeAll(async () => {
  const me = await send(`${hostile.stack.url}/me`, { headers: { authorization: `Bearer ${hostile.tokens.alice}` } });
  socketUrl = JSON.parse(me.text).socketUrl;
  const submitted = await send(`${hostile.stack.url}/sessions?wait=5`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hostile.tokens.alice}` },
    body: JSON.stringify({ resource: 'postgres-demo', command: 'select count(*) from orders' }),
  });
  alices = JSON.parse(submitted.text).session.id;
  expect(alices).toBeTruthy();
  await settled(hostile);
}, 120_000);

/** Opens a connection; resolves the handshake's refusal status, or the open socket. */
function connect(url: string, headers: Record<string, string> = {}): Promise<{ refused: number } | { socket: WebSocket }> {
  const socket = new WebSocket(url, { handshakeTimeout: 10_000, headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

const withToken = (token: string) => `${socketUrl}?token=${encodeURIComponent(token)}`;

async function open(user: string): Promise<{ socket: WebSocket; messages: Record<string, unknown>[] }> {
  const answer = await connect(withToken(hostile.tokens[user]!));
  if (!('socket' in answer)) throw new Error(`${user} was refused ${answer.refused}`);
  const messages: Record<string, unknown>[] = [];
  answer.socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
  return { socket: answer.socket, messages };
}

/** Waits up to 10 s for a message `accept` takes. */
async function reply(messages: Record<string, unknown>[], accept: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = messages.find(accept);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no answer; got ${JSON.stringify(messages)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const closed = (socket: WebSocket) => new Promise<number>((resolve) => (socket.readyState === WebSocket.CLOSED ? resolve(0) : socket.once('close', (code) => resolve(code))));

describe('$connect refused at the handshake', () => {
  const cases: [string, number, () => Promise<string>][] = [
    ['no token', 401, async () => socketUrl],
    ['an empty token', 401, async () => `${socketUrl}?token=`],
    ['a token that is no JWT', 401, async () => withToken('not-a-jwt')],
    // Over the server's header limit: refused before any handler runs, as API Gateway refuses an overlong request line.
    ['a token of 100 000 characters', 431, async () => withToken('e'.repeat(100_000))],
    ['a token with alg none', 401, async () => withToken(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: subjectOf('dana@example.com'), 'cognito:groups': ['admins'] })).toString('base64url')}.`)],
    ['a valid token with its signature cut off', 401, async () => withToken(hostile.tokens.alice!.split('.').slice(0, 2).join('.'))],
    ['an expired token', 401, async () => withToken(await forgedToken(hostile, {}, { exp: Math.floor(Date.now() / 1000) - 60 }))],
    ['a token without exp', 401, async () => withToken(await forgedToken(hostile, {}, { exp: false }))],
    ['a token for another audience', 401, async () => withToken(await forgedToken(hostile, {}, { aud: 'someone-else' }))],
    ['a token from another issuer', 401, async () => withToken(await forgedToken(hostile, {}, { iss: 'https://issuer.example.com' }))],
    ['a token whose groups would not flatten faithfully', 401, async () => withToken(await forgedToken(hostile, { 'cognito:groups': ['dba admins'] }))],
    ['another path', 404, async () => socketUrl.replace(/\/socket$/, '/socket2')],
  ];
  it.each(cases)('%s: %i, no connection', async (_name, status, url) => {
    const before = await snapshot(hostile);
    const answer = await connect(await url());
    expect(answer).toEqual({ refused: status });
    expectUnchanged(before, await snapshot(hostile));
  });

  it('a valid token in the Authorization header, none in the query: 401 (a browser can send no header; only the query counts)', async () => {
    const before = await snapshot(hostile);
    expect(await connect(socketUrl, { authorization: `Bearer ${hostile.tokens.dana}` })).toEqual({ refused: 401 });
    expectUnchanged(before, await snapshot(hostile));
  });
});

describe('frames a connection may send', () => {
  const UNKNOWN = '00000000-0000-4000-8000-000000000000';
  const frames: [string, string | Buffer, (message: Record<string, unknown>) => boolean][] = [
    ['not JSON', '{subscribe', (m) => m.message === 'Forbidden'],
    ['JSON null', 'null', (m) => m.message === 'Forbidden'],
    ['no action', '{}', (m) => m.message === 'Forbidden'],
    ['an unknown action', '{"action":"drop"}', (m) => m.message === 'Forbidden'],
    ['the reserved action $connect', '{"action":"$connect"}', (m) => m.message === 'Forbidden'],
    ['the reserved action $disconnect', '{"action":"$disconnect"}', (m) => m.message === 'Forbidden'],
    ['an action that is an object', '{"action":{"subscribe":true}}', (m) => m.message === 'Forbidden'],
    ['a subscribe without sessionId', '{"action":"subscribe"}', (m) => m.type === 'error' && m.code === 'invalid_input'],
    ['a subscribe with a sessionId that is no id', '{"action":"subscribe","sessionId":"../../CONNECTION"}', (m) => m.type === 'error' && m.code === 'invalid_input'],
    ['a subscribe with a numeric sessionId', '{"action":"subscribe","sessionId":42}', (m) => m.type === 'error' && m.code === 'invalid_input'],
    ['a subscribe with a sessionId of 10 000 characters', JSON.stringify({ action: 'subscribe', sessionId: 'a'.repeat(10_000) }), (m) => m.type === 'error' && m.code === 'invalid_input'],
    ['a subscribe to a session that does not exist', JSON.stringify({ action: 'subscribe', sessionId: UNKNOWN }), (m) => m.type === 'error' && m.sessionId === UNKNOWN],
    ['a binary frame', Buffer.from([0, 159, 146, 150, 255]), (m) => m.message === 'Forbidden'],
    // Binary frames reach no route: the route selection reads a JSON text body only.
    ['a binary frame holding a subscribe', Buffer.from(JSON.stringify({ action: 'subscribe', sessionId: UNKNOWN })), (m) => m.message === 'Forbidden'],
  ];
  it.each(frames)('%s: an error answer, still connected, nothing written', async (_name, frame, accept) => {
    const before = await snapshot(hostile);
    const { socket, messages } = await open('alice');
    socket.send(frame);
    await reply(messages, accept);
    socket.send(JSON.stringify({ action: 'ping' }));
    await reply(messages, (m) => m.type === 'pong');
    socket.close();
    await closed(socket);
    expectUnchanged(before, await snapshot(hostile));
  });

  it('a frame over the 128 KB message limit: the connection is closed (1009), nothing written', async () => {
    const before = await snapshot(hostile);
    const { socket } = await open('alice');
    socket.on('error', () => undefined); // the client learns of the limit as an error, then the close
    socket.send(JSON.stringify({ action: 'subscribe', sessionId: 'x'.repeat(200 * 1024) }));
    expect(await closed(socket)).toBe(1009);
    expectUnchanged(before, await snapshot(hostile));
  });
});

describe('subscribing to someone else\'s session', () => {
  // frank is the one demo user who may not read alice's session (bob and grace review it, carol may force it).
  it.each(['frank'])('%s, who may not read alice\'s session, subscribes: refused, no watch, no push', async (name) => {
    const before = await snapshot(hostile);
    const { socket, messages } = await open(name);
    socket.send(JSON.stringify({ action: 'subscribe', sessionId: alices }));
    const answer = await reply(messages, (m) => m.sessionId === alices);
    expect(answer).toMatchObject({ type: 'error' });
    expect(answer).not.toHaveProperty('status');
    socket.close();
    await closed(socket);
    expectUnchanged(before, await snapshot(hostile));
  });

  it('frank subscribes with alice\'s session id in upper case: refused the same', async () => {
    const before = await snapshot(hostile);
    const { socket, messages } = await open('frank');
    socket.send(JSON.stringify({ action: 'subscribe', sessionId: alices.toUpperCase() }));
    expect(await reply(messages, (m) => m.type === 'error')).toMatchObject({ type: 'error', sessionId: alices });
    socket.close();
    await closed(socket);
    expectUnchanged(before, await snapshot(hostile));
  });
});
