/**
 * The deploy-time discovery read behind the web UI's CSP: the issuer's origin and the token endpoint's,
 * deduplicated; a document for another issuer, a failing answer or a plain-http endpoint fails the
 * deployment with a message naming it.
 */
import { describe, expect, it } from 'vitest';
import { connectSourcesOf } from '../../../infra/constructs/oidc-discovery-handler';

/** A fetch that answers one discovery document and records which URL was asked for. */
function discovery(document: Record<string, unknown>, status = 200) {
  const asked: string[] = [];
  const fetchDocument = async (url: string) => {
    asked.push(url);
    return { ok: status === 200, status, json: async () => document };
  };
  return { asked, fetchDocument };
}

describe('the OIDC discovery read', () => {
  it('answers the issuer\'s origin and the token endpoint\'s, when they differ', async () => {
    const { asked, fetchDocument } = discovery({ issuer: 'https://accounts.google.com', token_endpoint: 'https://oauth2.googleapis.com/token' });
    expect(await connectSourcesOf('https://accounts.google.com', fetchDocument)).toBe('https://accounts.google.com https://oauth2.googleapis.com');
    expect(asked).toEqual(['https://accounts.google.com/.well-known/openid-configuration']);
  });

  it('answers one origin when the token endpoint is on the issuer\'s host', async () => {
    const { fetchDocument } = discovery({ issuer: 'https://login.example.com/oauth2/default/', token_endpoint: 'https://login.example.com/oauth2/default/v1/token' });
    expect(await connectSourcesOf('https://login.example.com/oauth2/default/', fetchDocument)).toBe('https://login.example.com');
  });

  it.each([
    [{ issuer: 'https://evil.example.com', token_endpoint: 'https://evil.example.com/token' }, 200, 'names the issuer "https://evil.example.com"'],
    [{ issuer: 'https://idp.example.com', token_endpoint: 'http://idp.example.com/token' }, 200, 'token_endpoint "http://idp.example.com/token", which is not an https URL'],
    [{ issuer: 'https://idp.example.com' }, 200, 'token_endpoint undefined'],
    [{}, 404, 'answered HTTP 404'],
  ])('fails the deployment on %j (HTTP %i)', async (document, status, message) => {
    const { fetchDocument } = discovery(document, status);
    await expect(connectSourcesOf('https://idp.example.com', fetchDocument)).rejects.toThrow(message);
  });
});
