/**
 * The web UI's security headers, in one place for both runtimes: the local runtime's mount
 * (infra/local/web.ts) sends them on every response, and the CDK construct (infra/constructs/web.ts)
 * turns the same values into a CloudFront response headers policy.
 *
 * The CSP allows only our own scripts and styles (no inline code, no eval), API calls to our own
 * origin plus the identity provider's token endpoint, no framing (clickjacking on an approve button),
 * and requires Trusted Types, so even a future slip such as `innerHTML = userText` throws in the browser
 * instead of rendering markup.
 */

export interface CspOptions {
  /** Origins the page may call besides its own (the OIDC provider's token and discovery endpoints). */
  readonly connectSources?: readonly string[];
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const connect = ["'self'", ...(options.connectSources ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** Two years, the value browsers' preload lists expect; subdomains included. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), clipboard-read=()';

/** Every header, by name, as an HTTP server sends them. */
export function securityHeaders(options: CspOptions = {}): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(options),
    'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'permissions-policy': PERMISSIONS_POLICY,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
