/**
 * Hostile requests over HTTP against the local runtime: malformed and oversized bodies, wrong types,
 * missing and extra fields, forged and broken tokens. Each case asserts its status (a 4xx, never a
 * 5xx, answered within the request's timeout) and that nothing changed: a case that reaches a writing
 * route is snapshotted on its own (sessions, events per chain, rows and tables of each database).
 */
import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../../infra/local/identity';
import { type Answer, expectRefused, expectUnchanged, forgedToken, hostileStackPerFile, send, settled, snapshot } from './harness';

const hostile = hostileStackPerFile();

const call = (method: string, path: string, body: string | undefined, bearer: string | undefined, contentType = 'application/json'): Promise<Answer> =>
  send(`${hostile.stack.url}${path}`, {
    method,
    headers: { 'content-type': contentType, ...(bearer === undefined ? {} : { authorization: bearer }) },
    ...(body === undefined ? {} : { body }),
  });

/** Sends one request and asserts its status and that nothing at all changed. */
async function refusedWithoutTrace(method: string, path: string, body: string | undefined, bearer: string | undefined, status?: number, contentType?: string): Promise<Answer> {
  const before = await snapshot(hostile);
  const answer = await call(method, path, body, bearer, contentType);
  expectRefused(answer, status);
  expectUnchanged(before, await snapshot(hostile));
  return answer;
}

const as = (name: string) => `Bearer ${hostile.tokens[name]}`;
const session = (fields: Record<string, unknown>) => JSON.stringify({ resource: 'postgres-demo', command: 'select 1', ...fields });
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('the snapshot itself', () => {
  it('sees an accepted session: expectUnchanged fails on a real write, so every case below can fail', async () => {
    const before = await snapshot(hostile);
    expect((await call('POST', '/sessions', session({ command: 'select 42' }), as('alice'))).status).toBe(202);
    const after = await snapshot(hostile);
    expect(after.sessions).toBe(before.sessions + 1);
    expect(() => expectUnchanged(before, after)).toThrow();
    await settled(hostile);
  });
});

describe('malformed JSON bodies', () => {
  const bodies: [string, string][] = [
    ['an empty body', ''],
    ['an unterminated object', '{'],
    ['a truncated value', '{"resource":"postgres-demo","command":'],
    ['a trailing comma', '{"resource":"postgres-demo","command":"select 1",}'],
    ['single quotes', "{'resource':'postgres-demo','command':'select 1'}"],
    ['JSON null', 'null'],
    ['a JSON array', '[{"resource":"postgres-demo","command":"select 1"}]'],
    ['a JSON string', '"select 1"'],
    ['a JSON number', '42'],
    ['a NUL byte before the object', '\u0000{"resource":"postgres-demo","command":"select 1"}'],
    ['a form-encoded body', 'resource=postgres-demo&command=select+1'],
    ['two objects back to back', '{"resource":"postgres-demo","command":"select 1"}{"resource":"postgres-demo","command":"select 2"}'],
    ['a 1000-deep nesting', `${'['.repeat(1000)}${']'.repeat(1000)}`],
  ];
  it.each(bodies)('POST /sessions with %s: 400, nothing written', async (_name, body) => {
    await refusedWithoutTrace('POST', '/sessions', body, as('alice'), 400);
  });

  /** Writing routes other than POST /sessions, each with a user allowed to call it: [method, path, user]. */
  const writingRoutes = [
    ['POST', `/sessions/${UNKNOWN_ID}/review`, 'bob'],
    ['POST', '/rules', 'dana'],
    ['PUT', '/rules/dba-by-command', 'dana'],
    ['PUT', '/directory/users/mallory@example.com', 'dana'],
  ];

  it.each(writingRoutes)('%s %s with a truncated body: 400, nothing written', async (method, path, user) => {
    await refusedWithoutTrace(method, path, '{"decision":', as(user), 400);
  });

  it.each(writingRoutes)('%s %s with JSON null: 400, nothing written', async (method, path, user) => {
    await refusedWithoutTrace(method, path, 'null', as(user), 400);
  });
});

describe('wrong types, missing and extra fields', () => {
  const cases: [string, string][] = [
    ['resource a number', session({ resource: 7 })],
    ['resource null', session({ resource: null })],
    ['resource an array', session({ resource: ['postgres-demo', 'postgres-staging'] })],
    ['command a number', session({ command: 1 })],
    ['command an array of statements', session({ command: ['select 1', 'drop table orders'] })],
    ['command an object', session({ command: { sql: 'select 1' } })],
    ['reason an object', session({ reason: { text: 'x' } })],
    ['parameters a string', session({ parameters: 'id=1' })],
    ['no fields at all', '{}'],
    ['no command', JSON.stringify({ resource: 'postgres-demo' })],
    ['no resource', JSON.stringify({ command: 'select 1' })],
    ['an unknown resource', session({ resource: 'postgres-prod' })],
    ['a resource id with path characters', session({ resource: '../postgres-demo' })],
    ['an extra status field', session({ status: 'approved' })],
    ['an extra requester field', session({ requester: { sub: 'bob', email: 'bob@example.com' } })],
    ['an extra approvals field', session({ approvals: [{ by: 'bob' }] })],
    ['a __proto__ field', '{"resource":"postgres-demo","command":"select 1","__proto__":{"isAdmin":true}}'],
    ['a reason over 2000 characters', session({ reason: 'r'.repeat(2001) })],
    ['a 2 KB resource name', session({ resource: 'r'.repeat(2048) })],
  ];
  it.each(cases)('POST /sessions with %s: 4xx, nothing written', async (_name, body) => {
    await refusedWithoutTrace('POST', '/sessions', body, as('alice'));
  });

  it('POST /sessions with a 300 KB command: 413 naming the command, nothing written', async () => {
    const answer = await refusedWithoutTrace('POST', '/sessions', session({ command: `select '${'x'.repeat(300_000)}'` }), as('alice'), 413);
    expect(answer.text).toContain('command');
  });

  it('POST /sessions with an 11 MB body: 413 as API Gateway answers, not a reset connection', async () => {
    await refusedWithoutTrace('POST', '/sessions', 'x'.repeat(11 * 1024 * 1024), as('alice'), 413);
  });

  const reviews: [string, Record<string, unknown>][] = [
    ['decision a boolean', { decision: true }],
    ['an unknown decision', { decision: 'maybe' }],
    ['force a string', { decision: 'approve', force: 'yes' }],
    ['an unknown via', { decision: 'approve', via: 'slack' }],
    ['an extra approver field', { decision: 'approve', approver: 'grace@example.com' }],
    ['a 5000-character reason', { decision: 'deny', reason: 'r'.repeat(5000) }],
  ];
  it.each(reviews)('POST /sessions/{id}/review with %s: 400, nothing written', async (_name, body) => {
    await refusedWithoutTrace('POST', `/sessions/${UNKNOWN_ID}/review`, JSON.stringify(body), as('bob'), 400);
  });

  const rules: [string, Record<string, unknown>][] = [
    ['no name', { mode: 'command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: 1 }],
    ['approvalsRequired a string', { name: 'hostile-rule', mode: 'command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: 'one' }],
    ['approvalsRequired negative', { name: 'hostile-rule', mode: 'command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: -1 }],
    ['an unknown mode', { name: 'hostile-rule', mode: 'anything-goes', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: 1 }],
    ['a name with a slash', { name: '../dba-by-command', mode: 'command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: 1 }],
  ];
  it.each(rules)('POST /rules as an admin with %s: 4xx, nothing written', async (_name, body) => {
    await refusedWithoutTrace('POST', '/rules', JSON.stringify(body), as('dana'));
  });

  const entries: [string, Record<string, unknown>][] = [
    ['groups a string', { sub: 'x', name: 'Mallory', groups: 'admins' }],
    ['an empty sub', { sub: '', name: 'Mallory', groups: [] }],
    ['a mismatched email', { sub: 'x', name: 'Mallory', groups: [], email: 'dana@example.com' }],
    ['an extra isAdmin field', { sub: 'x', name: 'Mallory', groups: [], isAdmin: true }],
  ];
  it.each(entries)('PUT /directory/users/{email} as an admin with %s: 400, nothing written', async (_name, body) => {
    await refusedWithoutTrace('PUT', '/directory/users/mallory@example.com', JSON.stringify(body), as('dana'), 400);
  });
});

describe('tokens', () => {
  const tokens: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['an empty bearer', async () => 'Bearer '],
    ['Basic credentials', async () => `Basic ${Buffer.from('dana:dana').toString('base64')}`],
    ['a garbage token', async () => 'Bearer not.a.token'],
    ['a token without the Bearer scheme', async () => hostile.tokens.dana],
    ['a token without exp', async () => `Bearer ${await forgedToken(hostile, {}, { exp: false })}`],
    ['an expired token', async () => `Bearer ${await forgedToken(hostile, {}, { exp: Math.floor(Date.now() / 1000) - 3600 })}`],
    ['a token from another issuer', async () => `Bearer ${await forgedToken(hostile, {}, { iss: 'https://evil.example.com' })}`],
    ['a token for another audience', async () => `Bearer ${await forgedToken(hostile, {}, { aud: 'someone-else' })}`],
    [
      'a token with alg none',
      async () => {
        const [, payload] = (await forgedToken(hostile, {})).split('.');
        return `Bearer ${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      },
    ],
    [
      'a token with a flipped signature',
      async () => {
        const token = hostile.tokens.dana!;
        const last = token.at(-2) === 'A' ? 'B' : 'A';
        return `Bearer ${token.slice(0, -2)}${last}${token.at(-1)}`;
      },
    ],
    [
      'a token whose payload was changed after signing',
      async () => {
        const [header, , signature] = hostile.tokens.alice!.split('.');
        const payload = Buffer.from(JSON.stringify({ sub: 'x', email: 'dana@example.com', 'cognito:groups': ['admins'], iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, exp: 9_999_999_999 })).toString('base64url');
        return `Bearer ${header}.${payload}.${signature}`;
      },
    ],
    [
      'a token signed by another key',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        const jwt = await new SignJWT({ email: 'dana@example.com', 'cognito:groups': ['admins'] }).setProtectedHeader({ alg: 'ES256' }).setSubject('x').setIssuer(LOCAL_ISSUER).setAudience(LOCAL_AUDIENCE).setExpirationTime('1h').sign(privateKey);
        return `Bearer ${jwt}`;
      },
    ],
    ['a token not valid before next year', async () => `Bearer ${await forgedToken(hostile, { nbf: Math.floor(Date.now() / 1000) + 365 * 86_400 })}`],
    ['a token whose groups claim is one string with spaces', async () => `Bearer ${await forgedToken(hostile, { 'cognito:groups': ['dba admins'] })}`],
  ];
  it.each(tokens)('POST /sessions with %s: 401, nothing written', async (_name, bearer) => {
    await refusedWithoutTrace('POST', '/sessions', session({}), await bearer(), 401);
  });

  it.each(tokens.slice(5))('POST /rules with %s: 401, nothing written', async (_name, bearer) => {
    await refusedWithoutTrace('POST', '/rules', JSON.stringify({ name: 'hostile-rule', mode: 'command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: 1 }), await bearer(), 401);
  });

  it('a token forged with the local key and valid claims is accepted: the refusals above are for the flaw each one carries', async () => {
    const answer = await call('GET', '/me', undefined, `Bearer ${await forgedToken(hostile, { 'cognito:groups': ['auditors'] })}`);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).groups).toEqual(['auditors']);
  });

  it('a comma-separated groups claim grants no group: admin routes answer 403', async () => {
    const bearer = `Bearer ${await forgedToken(hostile, { 'cognito:groups': 'dba,admins' })}`;
    await refusedWithoutTrace('POST', '/rules', JSON.stringify({ name: 'hostile-rule', mode: 'command', resources: ['postgres-demo'], approvalGroups: ['dba-approvers'], approvalsRequired: 1 }), bearer, 403);
  });
});
