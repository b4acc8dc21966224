/**
 * The web UI's OpenID Connect sign-in in Chromium, against a small provider played here (the real one
 * is Cognito or your IdP): the page discovers the provider, goes there with PKCE, state and nonce, comes
 * back to /auth/callback, exchanges the code and calls the API with the ID token as its bearer. A token
 * minted for another sign-in (wrong nonce) or another client (wrong audience) is refused, and the API is
 * never called with it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../web/build';
import { listen } from '../support/loopback-server';
import { discoveryDocument, testSigner } from '../support/oidc-provider';
import { launchChromium } from './browser';

const CLIENT_ID = 'accessgate-web';
let browser: Browser | undefined;
let outDir = '';
let issuer = '';
let web = '';
/** What the next token carries instead of the truth, to play a token from elsewhere. */
let forge: { nonce?: string; audience?: string } = {};
let issued = '';
const bearers: string[] = [];
const codes = new Map<string, { challenge: string; redirectUri: string; nonce: string }>();

/** A browser on another origin may read the answer, as a provider's and the API's CORS settings allow. */
const send = (response: ServerResponse, status: number, value: unknown) => {
  response.writeHead(status, {
    'content-type': 'application/json',
    'access-control-allow-origin': web,
    'access-control-allow-headers': 'authorization, content-type',
  });
  response.end(JSON.stringify(value));
};

beforeAll(async () => {
  const signer = await testSigner();
  issuer = await listen(async (request, body, response) => {
    const url = new URL(request.url ?? '/', issuer);
    if (request.method === 'OPTIONS') return send(response, 204, {});
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return send(response, 200, discoveryDocument(issuer));
      case '/jwks':
        return send(response, 200, signer.jwks);
      case '/authorize': {
        // The person signs in at once; the provider sends the browser back with a code.
        const code = `code-${codes.size + 1}`;
        expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
        expect(url.searchParams.get('code_challenge_method')).toBe('S256');
        codes.set(code, { challenge: url.searchParams.get('code_challenge')!, redirectUri: url.searchParams.get('redirect_uri')!, nonce: url.searchParams.get('nonce')! });
        const back = new URL(url.searchParams.get('redirect_uri')!);
        back.search = new URLSearchParams({ code, state: url.searchParams.get('state')! }).toString();
        response.writeHead(302, { location: back.toString() });
        return response.end();
      }
      case '/token': {
        const form = new URLSearchParams(body);
        const expected = codes.get(form.get('code') ?? '');
        const verifier = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        if (!expected || form.get('grant_type') !== 'authorization_code' || expected.challenge !== verifier || expected.redirectUri !== form.get('redirect_uri')) {
          return send(response, 400, { error: 'invalid_grant' });
        }
        issued = await signer.idToken(issuer, forge.audience ?? CLIENT_ID, { nonce: forge.nonce ?? expected.nonce });
        return send(response, 200, { access_token: 'opaque-access', id_token: issued, token_type: 'Bearer', expires_in: 3600 });
      }
    }
    return send(response, 404, { error: 'not_found' });
  });
  const api = await listen((request, _body, response) => {
    if (request.method === 'OPTIONS') return send(response, 204, {});
    bearers.push(request.headers.authorization ?? '');
    if (request.url === '/me') return send(response, 200, { sub: 'alice', email: 'alice@example.com', name: 'Alice Anders', groups: [] });
    if (request.url === '/resources') return send(response, 200, { resources: [] });
    return send(response, 200, { sessions: [], reviews: [], rules: [] });
  });
  outDir = mkdtempSync(join(tmpdir(), 'accessgate-web-oidc-'));
  await buildWeb(outDir);
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  web = await listen((request, _body, response) => {
    const path = new URL(request.url ?? '/', 'http://web').pathname;
    if (path === '/config.json') return send(response, 200, { mode: 'oidc', apiBase: api, oidc: { issuer, clientId: CLIENT_ID } });
    // Any page that is not a file is the single-page app (as CloudFront's fallback serves it).
    const file = extname(path) ? normalize(path).replace(/^(\.\.[/\\])+/, '') : '/index.html';
    try {
      const content = readFileSync(join(outDir, file));
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      response.end(content);
    } catch {
      response.writeHead(404).end();
    }
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function signInThroughProvider() {
  const page = await browser!.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(web);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

describe('web sign-in with OpenID Connect', () => {
  it('comes back from the provider signed in, calling the API with the ID token, and leaves no code in the address bar', async () => {
    forge = {};
    bearers.length = 0;
    const page = await signInThroughProvider();
    await page.getByTestId('current-user').filter({ hasText: 'Alice Anders' }).waitFor();
    expect(bearers).toContain(`Bearer ${issued}`);
    expect(new URL(page.url()).pathname).not.toBe('/auth/callback');
    expect(page.url()).not.toMatch(/code=/);
    await page.close();
  });

  it.each([
    ['a nonce from another sign-in', { nonce: 'someone-elses-nonce' }, /Sign-in was refused: .*nonce/],
    ['another client as its audience', { audience: 'another-client' }, /Sign-in was refused/],
  ])('refuses an ID token with %s and never sends it to the API', async (_, forged, message) => {
    forge = forged;
    bearers.length = 0;
    const page = await signInThroughProvider();
    await page.getByText(message).waitFor();
    expect(bearers.filter((bearer) => bearer === `Bearer ${issued}`)).toEqual([]);
    await page.close();
  });
});
