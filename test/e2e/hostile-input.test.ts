/**
 * Hostile input over HTTP against the local runtime, for the refusals the local API Gateway stand-in
 * owes (as the real one gives them) and the edge's 400s. Each case asserts its status, never a 5xx,
 * and that no session was created. The issue's full corpus (150+ cases, every route × role, database
 * row counts) is not written yet.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../infra/local/identity';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';

let stack: LocalStack;
let dataDir: string;
let token: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'accessgate-hostile-'));
  stack = await startLocalStack({ port: 0, web: false, dataDir });
  token = await stack.token('alice@example.com');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A token signed with the local identity provider's own key, with the claims a case needs. */
async function signed(claims: Record<string, unknown>, options: { exp?: boolean } = {}): Promise<string> {
  const jwk = JSON.parse(readFileSync(join(dataDir, 'keys', 'jwt.json'), 'utf8')) as { privateKey: Record<string, unknown> };
  const jwt = new SignJWT({ email: 'dana@example.com', ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('hostile')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE);
  if (options.exp !== false) jwt.setExpirationTime('1h');
  return jwt.sign(await importJWK(jwk.privateKey, 'ES256'));
}

const sessionCount = async () => (await stack.deps.sessions.list({ kind: 'all' }, {}, 200)).items.length;
const get = (path: string, bearer = token) => fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } });

describe('hostile input', () => {
  it('answers an 11 MB body with 413, not a reset connection', async () => {
    const before = await sessionCount();
    const response = await fetch(`${stack.url}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: 'x'.repeat(11 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a token without exp, and one whose group names the flattened claim would split', async () => {
    expect((await get('/me', await signed({ 'cognito:groups': ['admins'] }, { exp: false }))).status).toBe(401);
    expect((await get('/me', await signed({ 'cognito:groups': ['dba admins'] }))).status).toBe(401);
    const plain = await get('/me', await signed({ 'cognito:groups': ['auditors'] }));
    expect(plain.status).toBe(200);
  });

  it.each(['/sessions/%ZZ', '/sessions?to=9999', '/sessions?to=December%2017,%202099', `/sessions?cursor=${Buffer.from('{"key":{"foo":1}}').toString('base64url')}`, `/rules/${'r'.repeat(2048)}`, '/audit/sessions?to=9999'])(
    'answers %s with a 4xx carrying nosniff',
    async (path) => {
      const response = await get(path);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );
});
