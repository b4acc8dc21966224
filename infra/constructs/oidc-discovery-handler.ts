/**
 * Custom resource handler (behind custom_resources.Provider): reads the organisation's OIDC discovery
 * document at deploy time and answers the origins the web UI's browser code calls, for the CSP's
 * connect-src: the issuer's (where the page reads discovery) and the token endpoint's, which some
 * providers serve from another host (Google: accounts.google.com and oauth2.googleapis.com). The
 * authorization and end-session endpoints are navigations, which connect-src does not govern.
 *
 * A document whose `issuer` differs from the configured one, or an endpoint that is not https, fails the
 * deployment with a message naming it, as OIDC discovery requires.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface DiscoveryProperties {
  readonly Issuer: string;
}

type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Pick<Response, 'ok' | 'status' | 'json'>>;

const DISCOVERY_TIMEOUT_MS = 10_000;

/** The space-separated origins the page fetches from, issuer first. */
export async function connectSourcesOf(issuer: string, fetchDocument: Fetch = fetch): Promise<string> {
  const trimmed = issuer.replace(/\/$/, '');
  const url = `${trimmed}/.well-known/openid-configuration`;
  const response = await fetchDocument(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`accessgate: ${url} answered HTTP ${response.status}; is jwtIssuer the provider's issuer URL?`);
  const document = (await response.json()) as { issuer?: unknown; token_endpoint?: unknown };
  if (typeof document.issuer !== 'string' || document.issuer.replace(/\/$/, '') !== trimmed) {
    throw new Error(`accessgate: ${url} names the issuer ${JSON.stringify(document.issuer)}, not ${JSON.stringify(issuer)}`);
  }
  const origins = [trimmed, document.token_endpoint].map((endpoint, index) => {
    if (typeof endpoint !== 'string' || !endpoint.startsWith('https://')) {
      throw new Error(`accessgate: ${url} gives ${index ? 'token_endpoint' : 'issuer'} ${JSON.stringify(endpoint)}, which is not an https URL`);
    }
    return new URL(endpoint).origin;
  });
  return [...new Set(origins)].join(' ');
}

export async function handler(event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const { Issuer } = event.ResourceProperties as unknown as DiscoveryProperties;
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  return { PhysicalResourceId: Issuer, Data: { ConnectSources: await connectSourcesOf(Issuer) } };
}
