/**
 * What a test's OpenID provider serves alike to every client under test (the CLI, the web UI): its
 * discovery document, its key set, and Alice's ID token signed with its key. The test's own loopback
 * server routes the requests (authorize, token, device) and decides what each answer says.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface TestSigner {
  /** The key set the provider publishes at its jwks_uri. */
  readonly jwks: { readonly keys: JWK[] };
  /** Alice's ID token for `audience`, valid for an hour; `claims` add to or replace her email and name. */
  idToken(issuer: string, audience: string, claims?: Record<string, unknown>): Promise<string>;
}

export async function testSigner(): Promise<TestSigner> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    idToken: (issuer, audience, claims = {}) =>
      new SignJWT({ email: 'alice@example.com', name: 'Alice Anders', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
  };
}

/** The discovery document of a provider at `issuer` offering the code flow with PKCE; `extra` adds endpoints. */
export const discoveryDocument = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  jwks_uri: `${issuer}/jwks`,
  ...extra,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
  code_challenge_methods_supported: ['S256'],
});
