/**
 * What the page needs to know about where it runs, read from `/config.json` at start: the local runtime
 * serves `{mode: 'local'}` with its demo users; the AWS stack writes `{mode: 'oidc'}` with the identity
 * provider's settings at deploy. One bundle therefore serves every deployment unchanged.
 */

export interface DemoUser {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** Endpoints; when absent they come from the issuer's discovery document. */
  readonly authorizationEndpoint?: string;
  readonly tokenEndpoint?: string;
  readonly endSessionEndpoint?: string;
  /** Cognito's /logout takes `client_id` + `logout_uri` rather than OIDC's post_logout_redirect_uri. */
  readonly logoutStyle?: 'cognito' | 'oidc';
  readonly scope?: string;
}

export type WebConfig =
  | { readonly mode: 'local'; readonly apiBase: string; readonly users: readonly DemoUser[] }
  | { readonly mode: 'oidc'; readonly apiBase: string; readonly oidc: OidcSettings };

export async function loadConfig(): Promise<WebConfig> {
  const response = await fetch('/config.json', { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}; the deployment did not write the web UI's settings.`);
  const config = (await response.json()) as Partial<WebConfig> & { mode?: string };
  const apiBase = typeof config.apiBase === 'string' ? config.apiBase.replace(/\/$/, '') : '';
  if (config.mode === 'local') return { mode: 'local', apiBase, users: Array.isArray(config.users) ? config.users : [] };
  if (config.mode === 'oidc' && config.oidc?.issuer && config.oidc.clientId) return { mode: 'oidc', apiBase, oidc: config.oidc };
  throw new Error('/config.json must say {"mode": "local"} or {"mode": "oidc", "oidc": {"issuer", "clientId"}}.');
}
