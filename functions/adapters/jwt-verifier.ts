/**
 * Verifies a bearer token as API Gateway's JWT authorizer does for the HTTP API, for the one place that
 * cannot use that authorizer: opening a WebSocket connection, where a browser can send no header and the
 * token comes in the query string. Same checks (signature from the issuer's published keys, `iss`,
 * `aud` or `client_id` among the accepted audiences, `exp` present and not passed, `nbf`), and the same
 * claims shape handed on: arrays flattened to "[a b]", a token whose array would not flatten back to
 * the same elements refused.
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { TokenVerifier, VerifiedClaims } from '../app/push-ports';

/** The claims API Gateway's authorizer would hand on for this payload; undefined when one cannot be flattened faithfully. */
export function authorizerClaims(payload: JWTPayload): VerifiedClaims | undefined {
  const claims: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) {
      if (value.some((element) => typeof element !== 'string' || /[\s[\]]/.test(element))) return undefined;
      claims[key] = `[${value.join(' ')}]`;
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      claims[key] = value;
    }
  }
  return claims;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class JwksTokenVerifier implements TokenVerifier {
  private keys: Promise<KeySet> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly audience: readonly string[],
  ) {}

  /** The issuer's published keys, found through its OpenID discovery document (Cognito publishes one too). */
  private keySet(): Promise<KeySet> {
    this.keys ??= (async () => {
      const response = await fetch(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      if (!response.ok) throw new Error(`The issuer's discovery document answered ${response.status}`);
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
      if (typeof jwksUri !== 'string') throw new Error('The issuer\'s discovery document names no jwks_uri');
      return createRemoteJWKSet(new URL(jwksUri));
    })();
    // A failed lookup is tried again at the next connection rather than kept for the life of the function.
    this.keys.catch(() => {
      this.keys = undefined;
    });
    return this.keys;
  }

  async verify(token: string): Promise<VerifiedClaims | undefined> {
    const keys = await this.keySet();
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: this.issuer, requiredClaims: ['exp'] });
      const audiences = [payload.aud ?? [], (payload as { client_id?: unknown }).client_id ?? []].flat();
      if (!audiences.some((value) => typeof value === 'string' && this.audience.includes(value))) return undefined;
      return authorizerClaims(payload);
    } catch {
      return undefined;
    }
  }
}
