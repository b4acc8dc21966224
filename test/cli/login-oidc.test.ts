/**
 * `accessgate login` against an OpenID provider, with a small provider and API played in this file
 * (the real ones are Cognito or your IdP and the deployed API, which this machine cannot reach): the
 * device authorization grant, and authorization code + PKCE with the loopback redirect, end with the
 * provider's ID token cached (0600) for the API that accepted it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../support/loopback-server';
import { discoveryDocument, testSigner } from '../support/oidc-provider';
import { freshConfig, startCli } from './run-cli';

const CLIENT_ID = 'accessgate-cli';
let issuer: string;
let api: string;
let idToken = '';
let offerDevice = true;
const challenges = new Map<string, { challenge: string; redirectUri: string }>();

const json = (response: ServerResponse, status: number, value: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
};

beforeAll(async () => {
  const signer = await testSigner();
  issuer = await listen(async (request, body, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const form = new URLSearchParams(body);
    const tokens = async () => {
      idToken = await signer.idToken(issuer, CLIENT_ID);
      json(response, 200, { access_token: 'opaque-access', id_token: idToken, token_type: 'Bearer', expires_in: 3600 });
    };
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(response, 200, discoveryDocument(issuer, offerDevice ? { device_authorization_endpoint: `${issuer}/device` } : {}));
      case '/jwks':
        return json(response, 200, signer.jwks);
      case '/device':
        expect(form.get('client_id')).toBe(CLIENT_ID);
        return json(response, 200, { device_code: 'dev-1', user_code: 'WDJB-MJHT', verification_uri: `${issuer}/activate`, expires_in: 600, interval: 1 });
      case '/token':
        if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code' && form.get('device_code') === 'dev-1') return tokens();
        if (form.get('grant_type') === 'authorization_code') {
          const expected = challenges.get(form.get('code') ?? '');
          const verifier = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
          if (expected && expected.challenge === verifier && expected.redirectUri === form.get('redirect_uri')) return tokens();
        }
        return json(response, 400, { error: 'invalid_grant' });
      default:
        return json(response, 404, {});
    }
  });
  api = await listen((request, _body, response) => {
    if (request.url === '/me' && request.headers.authorization === `Bearer ${idToken}`) {
      return json(response, 200, { sub: 'alice', email: 'alice@example.com', name: 'Alice Anders', groups: ['dba'], isAdmin: false, isAuditor: false });
    }
    return json(response, 401, { message: 'Unauthorized' });
  });
});

const cachedToken = (config: string) => {
  const file = join(config, 'accessgate', 'token.json');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  return JSON.parse(readFileSync(file, 'utf8')) as { api: string; token: string };
};

describe('accessgate login with OpenID Connect', () => {
  it('uses the device authorization grant when the provider offers it', async () => {
    offerDevice = true;
    const config = freshConfig();
    const run = startCli(['login', '--issuer', issuer, '--client-id', CLIENT_ID, '--no-browser'], { ACCESSGATE_API: api, XDG_CONFIG_HOME: config });
    await run.waitFor(/enter the code WDJB-MJHT/);
    expect(await run.exit).toBe(0);
    expect(run.stderr).toContain(`Signed in to ${api} as Alice Anders <alice@example.com> (dba).`);
    expect(cachedToken(config)).toEqual({ api, token: idToken });
  });

  it('uses authorization code with PKCE and a loopback redirect otherwise', async () => {
    offerDevice = false;
    const config = freshConfig();
    const redirectUri = `${await freePortUrl()}/callback`;
    const run = startCli(['login', '--issuer', issuer, '--client-id', CLIENT_ID, '--no-browser', '--redirect-uri', redirectUri], { ACCESSGATE_API: api, XDG_CONFIG_HOME: config });
    const [signIn] = await run.waitFor(/http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+/);
    await run.waitFor(/Waiting for the redirect/);
    const authorize = new URL(signIn);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(redirectUri);
    // The person signs in at the provider, which sends the browser back to the CLI's loopback server.
    challenges.set('code-1', { challenge: authorize.searchParams.get('code_challenge')!, redirectUri });
    const back = await fetch(`${redirectUri}?code=code-1&state=${authorize.searchParams.get('state')}`);
    expect(await back.text()).toContain('Signed in to accessgate');
    expect(await run.exit).toBe(0);
    expect(cachedToken(config)).toEqual({ api, token: idToken });
  });
});

async function freePortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
