/**
 * Sign-in. On AWS: OpenID Connect authorization code flow with PKCE against the configured provider
 * (Cognito's hosted UI by default), through `oauth4webapi` (the library the CLI's `openid-client`
 * stands on): discovery, the redirect's state, the code exchange, and the ID token's issuer, audience,
 * expiry and nonce are checked there. The ID token is the bearer, as the API's JWT authorizer expects
 * (and the API verifies its signature). On the local runtime: a demo user is picked and
 * `POST /dev/token` issues their token.
 *
 * Where things live, and why:
 * - Tokens live only in this module's memory. Nothing another script could read later (localStorage,
 *   cookies, sessionStorage) ever holds one; a reload simply signs in again, which Cognito's own session
 *   makes a silent round trip.
 * - sessionStorage holds the PKCE verifier, state and nonce for the length of one redirect (they are
 *   useless without the code, which only our redirect URI receives), and, locally, the chosen demo
 *   user's email so a reload keeps the same person. Neither is a credential.
 */
import * as oauth from 'oauth4webapi';
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

/**
 * Plain http is refused except for a provider on this machine's loopback address (a developer's own
 * provider, or the tests' one); a deployed provider is always https.
 */
const loopback = (url: string): boolean => ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(url).hostname);

const requestOptions = (issuer: string) => (loopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {});

export class Auth {
  private token: string | undefined;
  private refreshToken: string | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private server: oauth.AuthorizationServer | undefined;
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
    const server = await this.discover(oidc);
    const pending: PendingLogin = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), returnTo };
    sessionStorage.setItem(PKCE_KEY, JSON.stringify(pending));
    const url = new URL(server.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: `${location.origin}${CALLBACK_PATH}`,
      scope: oidc.scope ?? 'openid email profile',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
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
    const endSession = oidc.endSessionEndpoint ?? (await this.discover(oidc).catch(() => undefined))?.end_session_endpoint;
    if (!endSession) return;
    const url = new URL(endSession);
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

  /** The provider's endpoints: as configured, or from its discovery document (whose issuer must match). */
  private async discover(oidc: OidcSettings): Promise<oauth.AuthorizationServer> {
    if (this.server) return this.server;
    if (oidc.authorizationEndpoint && oidc.tokenEndpoint) {
      this.server = { issuer: oidc.issuer, authorization_endpoint: oidc.authorizationEndpoint, token_endpoint: oidc.tokenEndpoint, end_session_endpoint: oidc.endSessionEndpoint };
      return this.server;
    }
    const issuer = new URL(oidc.issuer);
    const discovered = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, requestOptions(oidc.issuer)));
    if (!discovered.authorization_endpoint || !discovered.token_endpoint) throw new Error('The identity provider does not publish its OAuth endpoints.');
    this.server = discovered;
    return discovered;
  }

  private async completeRedirect(): Promise<boolean> {
    if (this.config.mode !== 'oidc') return false;
    const oidc = this.config.oidc;
    const answer = new URL(location.href);
    const stored = sessionStorage.getItem(PKCE_KEY);
    sessionStorage.removeItem(PKCE_KEY);
    const pending = stored ? (JSON.parse(stored) as PendingLogin) : undefined;
    // The code must not stay in the address bar or the history.
    history.replaceState(null, '', `/${pending?.returnTo ?? ''}`);
    const providerError = answer.searchParams.get('error');
    if (providerError) throw new Error(`Sign-in failed: ${answer.searchParams.get('error_description') ?? providerError}`);
    if (!pending) throw new Error('Sign-in could not be completed (the answer does not match a sign-in started here). Please sign in again.');
    const server = await this.discover(oidc);
    const client: oauth.Client = { client_id: oidc.clientId };
    let callback: URLSearchParams;
    try {
      callback = oauth.validateAuthResponse(server, client, answer, pending.state);
    } catch {
      throw new Error('Sign-in could not be completed (the answer does not match a sign-in started here). Please sign in again.');
    }
    const response = await oauth.authorizationCodeGrantRequest(server, client, oauth.None(), callback, `${location.origin}${CALLBACK_PATH}`, pending.verifier, requestOptions(oidc.issuer));
    try {
      this.accept(await oauth.processAuthorizationCodeResponse(server, client, response, { expectedNonce: pending.nonce, requireIdToken: true }));
    } catch (error) {
      this.clear();
      throw new Error(`Sign-in was refused: ${refusal(error)}`);
    }
    return true;
  }

  /** Keeps the ID token as the bearer, and the refresh token to renew it. */
  private accept(tokens: oauth.TokenEndpointResponse): void {
    if (!tokens.id_token) throw new Error('the identity provider returned no ID token');
    this.token = tokens.id_token;
    if (tokens.refresh_token) this.refreshToken = tokens.refresh_token;
    this.scheduleRefresh(tokens.expires_in ?? 3600);
  }

  /** Renews the ID token a minute before it expires, so a long review session is not cut off. */
  private scheduleRefresh(expiresIn: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (!this.refreshToken || this.config.mode !== 'oidc') return;
    const oidc = this.config.oidc;
    const refreshToken = this.refreshToken;
    this.refreshTimer = setTimeout(() => {
      void (async () => {
        const server = await this.discover(oidc);
        const client: oauth.Client = { client_id: oidc.clientId };
        const response = await oauth.refreshTokenGrantRequest(server, client, oauth.None(), refreshToken, requestOptions(oidc.issuer));
        this.accept(await oauth.processRefreshTokenResponse(server, client, response));
      })().catch(() => this.expired());
    }, Math.max(10, expiresIn - 60) * 1000);
  }
}

/** What the provider or the token's checks said, for the person signing in. */
function refusal(error: unknown): string {
  if (error instanceof oauth.ResponseBodyError) return error.error_description ?? error.error;
  if (error instanceof oauth.WWWAuthenticateChallengeError) return error.message;
  const cause = error as { code?: string; message?: string };
  if (cause.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && /nonce/.test(cause.message ?? '')) return 'the ID token was not issued for this sign-in (nonce mismatch).';
  return cause.message ?? 'the token endpoint answered unexpectedly';
}
