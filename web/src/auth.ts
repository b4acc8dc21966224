/**
 * Sign-in. On AWS: OpenID Connect authorization code flow with PKCE against the configured provider
 * (Cognito's hosted UI by default); the ID token is the bearer, as the API's JWT authorizer expects. On
 * the local runtime: a demo user is picked and `POST /dev/token` issues their token.
 *
 * Where things live, and why:
 * - Tokens live only in this module's memory. Nothing another script could read later (localStorage,
 *   cookies, sessionStorage) ever holds one; a reload simply signs in again, which Cognito's own session
 *   makes a silent round trip.
 * - sessionStorage holds the PKCE verifier, state and nonce for the length of one redirect (they are
 *   useless without the code, which only our redirect URI receives), and, locally, the chosen demo
 *   user's email so a reload keeps the same person. Neither is a credential.
 */
import type { OidcSettings, WebConfig } from './config';

const PKCE_KEY = 'accessgate.pkce';
const DEMO_USER_KEY = 'accessgate.demoUser';
export const CALLBACK_PATH = '/auth/callback';

interface PendingLogin {
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
  readonly returnTo: string;
}

interface TokenResponse {
  readonly id_token?: string;
  readonly access_token?: string;
  readonly refresh_token?: string;
  readonly expires_in?: number;
  readonly error?: string;
  readonly error_description?: string;
}

interface Endpoints {
  readonly authorization: string;
  readonly token: string;
  readonly endSession?: string;
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const randomString = (size = 32): string => base64url(crypto.getRandomValues(new Uint8Array(size)));

async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** Reads a JWT's claims without verifying it: the API verifies every token; we only check our nonce. */
function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const padded = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export class Auth {
  private token: string | undefined;
  private refreshToken: string | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private endpoints: Endpoints | undefined;
  private expiredListener: () => void = () => {};

  constructor(private readonly config: WebConfig) {}

  bearer = (): string | undefined => this.token;

  /** Called when the session can no longer be kept (refresh failed or the API refused the token). */
  onExpired(listener: () => void): void {
    this.expiredListener = listener;
  }

  expired(): void {
    this.clear();
    this.expiredListener();
  }

  /** Signs in again without asking, where possible: the local demo user, or the OIDC redirect's result. */
  async restore(): Promise<boolean> {
    if (this.config.mode === 'local') {
      const email = sessionStorage.getItem(DEMO_USER_KEY);
      if (!email) return false;
      try {
        await this.signInAs(email);
        return true;
      } catch {
        sessionStorage.removeItem(DEMO_USER_KEY);
        return false;
      }
    }
    if (location.pathname === CALLBACK_PATH) return this.completeRedirect();
    return false;
  }

  /** Local runtime only: a token for a demo user from POST /dev/token. */
  async signInAs(email: string): Promise<void> {
    if (this.config.mode !== 'local') throw new Error('Demo users exist only on the local runtime.');
    const response = await fetch(`${this.config.apiBase}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
      credentials: 'omit',
    });
    const body = (await response.json()) as { token?: string; error?: { message?: string } };
    if (!response.ok || !body.token) throw new Error(body.error?.message ?? `POST /dev/token answered ${response.status}`);
    this.token = body.token;
    sessionStorage.setItem(DEMO_USER_KEY, email);
  }

  /** Sends the browser to the identity provider; it comes back to CALLBACK_PATH with a code. */
  async startSignIn(returnTo: string): Promise<void> {
    if (this.config.mode !== 'oidc') throw new Error('OIDC sign-in is not configured.');
    const oidc = this.config.oidc;
    const endpoints = await this.discover(oidc);
    const pending: PendingLogin = { verifier: randomString(48), state: randomString(), nonce: randomString(), returnTo };
    sessionStorage.setItem(PKCE_KEY, JSON.stringify(pending));
    const url = new URL(endpoints.authorization);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: `${location.origin}${CALLBACK_PATH}`,
      scope: oidc.scope ?? 'openid email profile',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await challengeOf(pending.verifier),
      code_challenge_method: 'S256',
    }).toString();
    location.assign(url.toString());
  }

  async signOut(): Promise<void> {
    const idToken = this.token;
    this.clear();
    if (this.config.mode === 'local') {
      sessionStorage.removeItem(DEMO_USER_KEY);
      return;
    }
    const oidc = this.config.oidc;
    const endpoints = await this.discover(oidc).catch(() => undefined);
    if (!endpoints?.endSession) return;
    const url = new URL(endpoints.endSession);
    const back = `${location.origin}/`;
    url.search = new URLSearchParams(
      oidc.logoutStyle === 'cognito'
        ? { client_id: oidc.clientId, logout_uri: back }
        : { client_id: oidc.clientId, post_logout_redirect_uri: back, ...(idToken ? { id_token_hint: idToken } : {}) },
    ).toString();
    location.assign(url.toString());
  }

  private clear(): void {
    this.token = undefined;
    this.refreshToken = undefined;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  private async discover(oidc: OidcSettings): Promise<Endpoints> {
    if (this.endpoints) return this.endpoints;
    if (oidc.authorizationEndpoint && oidc.tokenEndpoint) {
      this.endpoints = { authorization: oidc.authorizationEndpoint, token: oidc.tokenEndpoint, ...(oidc.endSessionEndpoint ? { endSession: oidc.endSessionEndpoint } : {}) };
      return this.endpoints;
    }
    const response = await fetch(`${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { credentials: 'omit' });
    if (!response.ok) throw new Error(`The identity provider's discovery document answered ${response.status}.`);
    const document = (await response.json()) as { authorization_endpoint?: string; token_endpoint?: string; end_session_endpoint?: string };
    if (!document.authorization_endpoint || !document.token_endpoint) throw new Error('The identity provider does not publish its OAuth endpoints.');
    this.endpoints = {
      authorization: document.authorization_endpoint,
      token: document.token_endpoint,
      ...(oidc.endSessionEndpoint ?? document.end_session_endpoint ? { endSession: oidc.endSessionEndpoint ?? document.end_session_endpoint } : {}),
    };
    return this.endpoints;
  }

  private async completeRedirect(): Promise<boolean> {
    if (this.config.mode !== 'oidc') return false;
    const params = new URLSearchParams(location.search);
    const stored = sessionStorage.getItem(PKCE_KEY);
    sessionStorage.removeItem(PKCE_KEY);
    const pending = stored ? (JSON.parse(stored) as PendingLogin) : undefined;
    // The code must not stay in the address bar or the history.
    history.replaceState(null, '', `/${pending?.returnTo ?? ''}`);
    const providerError = params.get('error');
    if (providerError) throw new Error(`Sign-in failed: ${params.get('error_description') ?? providerError}`);
    const code = params.get('code');
    if (!code || !pending || params.get('state') !== pending.state) {
      throw new Error('Sign-in could not be completed (the answer does not match a sign-in started here). Please sign in again.');
    }
    const tokens = await this.tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${location.origin}${CALLBACK_PATH}`,
      code_verifier: pending.verifier,
    });
    if (tokens.id_token && claimsOf(tokens.id_token).nonce !== pending.nonce) {
      this.clear();
      throw new Error('Sign-in was refused: the ID token was not issued for this sign-in (nonce mismatch).');
    }
    return true;
  }

  private async tokenRequest(form: Record<string, string>): Promise<TokenResponse> {
    if (this.config.mode !== 'oidc') throw new Error('OIDC sign-in is not configured.');
    const oidc = this.config.oidc;
    const endpoints = await this.discover(oidc);
    const response = await fetch(endpoints.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: oidc.clientId, ...form }).toString(),
      credentials: 'omit',
    });
    const tokens = (await response.json()) as TokenResponse;
    if (!response.ok || !tokens.id_token) {
      throw new Error(`Sign-in failed at the token endpoint: ${tokens.error_description ?? tokens.error ?? response.status}`);
    }
    this.token = tokens.id_token;
    if (tokens.refresh_token) this.refreshToken = tokens.refresh_token;
    this.scheduleRefresh(tokens.expires_in ?? 3600);
    return tokens;
  }

  /** Renews the ID token a minute before it expires, so a long review session is not cut off. */
  private scheduleRefresh(expiresIn: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (!this.refreshToken) return;
    const refreshToken = this.refreshToken;
    this.refreshTimer = setTimeout(() => {
      this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }).catch(() => this.expired());
    }, Math.max(10, expiresIn - 60) * 1000);
  }
}
