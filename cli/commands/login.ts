/**
 * `accessgate login`: gets a token and caches it (0600) for the other commands.
 *
 * On the local runtime it asks `POST /dev/token` for a demo user's token (--email, or a menu when stdin
 * is a terminal). Against AWS it signs in at the identity provider with OpenID Connect: the device
 * authorization grant when the provider offers it (a code to type in any browser, good over SSH),
 * otherwise authorization code + PKCE with a loopback redirect (Cognito's hosted UI offers only this).
 * The API's JWT authorizer checks the audience and the handlers read email and groups from the
 * claims, so the ID token is what gets cached (the access token only when there is no ID token).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { parseOptionsOnly } from '../lib/args';
import { ApiClient } from '../lib/api';
import type { Io } from '../lib/command';
import { resolveApi, writeTokenCache } from '../lib/config';
import { CliError, EXIT, usageError } from '../lib/errors';

export const help = `Usage: accessgate login [--email EMAIL]                                  (local runtime)
       accessgate login --issuer URL --client-id ID [--flow auto|device|browser]  (AWS)

Signs in and caches the token in your config folder (~/.config/accessgate/token.json, readable only
by you) for the API it was issued for.

Local runtime (npm start): picks a demo user through POST /dev/token: --email, or a menu when stdin
is a terminal.

AWS: OpenID Connect against the stack's identity provider (the UserPoolClientId and SignInUrl stack
outputs for Cognito). --flow device uses the device authorization grant (a code you enter in any
browser); --flow browser uses authorization code + PKCE with a redirect to this machine (the redirect
URI must be one of the app client's callback URLs: add it to the stack's callbackUrls context).
auto (default) picks device when the provider offers it, browser otherwise.

Options:
      --email EMAIL          demo user to sign in as (local runtime)
      --issuer URL           OIDC issuer           (or ACCESSGATE_OIDC_ISSUER)
      --client-id ID         OIDC public client id (or ACCESSGATE_OIDC_CLIENT_ID)
      --flow F               auto, device or browser
      --scope S              default "openid email profile" (or ACCESSGATE_OIDC_SCOPE)
      --redirect-uri URI     loopback redirect for --flow browser, default
                             http://localhost:8976/callback (or ACCESSGATE_OIDC_REDIRECT_URI)
      --no-browser           print the sign-in URL instead of opening a browser`;

const OPTIONS = {
  email: { type: 'string' },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  flow: { type: 'string' },
  scope: { type: 'string' },
  'redirect-uri': { type: 'string' },
  'no-browser': { type: 'boolean' },
} as const;

export async function run(args: readonly string[], io: Io): Promise<number> {
  const values = parseOptionsOnly(args, OPTIONS, 'login');
  const api = resolveApi(values.api, io.env);
  const issuer = values.issuer ?? io.env.ACCESSGATE_OIDC_ISSUER;
  const token = issuer
    ? await oidcLogin(io, {
        issuer,
        clientId: values['client-id'] ?? io.env.ACCESSGATE_OIDC_CLIENT_ID,
        flow: values.flow ?? 'auto',
        scope: values.scope ?? io.env.ACCESSGATE_OIDC_SCOPE ?? 'openid email profile',
        redirectUri: values['redirect-uri'] ?? io.env.ACCESSGATE_OIDC_REDIRECT_URI ?? 'http://localhost:8976/callback',
        openBrowser: !values['no-browser'],
      })
    : await localLogin(api, values.email, io);

  const me = await new ApiClient(api, token).me();
  const file = writeTokenCache({ api, token }, io.env);
  io.stderr.write(`Signed in to ${api} as ${me.name} <${me.email}>${me.groups.length ? ` (${me.groups.join(', ')})` : ''}.\nToken saved to ${file}.\n`);
  return EXIT.done;
}

interface DemoUser {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

async function localLogin(api: string, email: string | undefined, io: Io): Promise<string> {
  const client = new ApiClient(api, undefined);
  // An empty request tells the local runtime (400: email required) from an API without demo sign-in (404).
  try {
    await client.call('POST', '/dev/token', {});
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.refused) {
      throw new CliError(
        `${api} has no demo sign-in: it is not the local runtime.`,
        'Sign in with your identity provider: accessgate login --issuer URL --client-id ID (the stack outputs name both).',
        EXIT.usage,
        error.details,
      );
    }
    if (!(error instanceof CliError) || error.exitCode !== EXIT.usage) throw error;
  }
  const chosen = email ?? (await pickDemoUser(client, io));
  try {
    return (await client.call<{ token: string }>('POST', '/dev/token', { email: chosen })).token;
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.refused) {
      throw new CliError(`There is no demo user ${chosen}.`, 'Demo users are listed in the README (alice@example.com, bob@example.com, …), or run login without --email on a terminal.', EXIT.usage, error.details);
    }
    throw error;
  }
}

async function pickDemoUser(client: ApiClient, io: Io): Promise<string> {
  if (!io.stdin.isTTY) throw usageError('--email is required when stdin is not a terminal.', 'e.g. accessgate login --email alice@example.com');
  // The local runtime lists its demo users in the web UI's /config.json; the menu offers the same people.
  const config = await client.call<{ mode?: string; users?: readonly DemoUser[] }>('GET', '/config.json');
  const users = config.mode === 'local' && Array.isArray(config.users) ? config.users : [];
  if (!users.length) throw usageError(`${client.api}/config.json lists no demo users.`, 'Pass --email with a demo user, e.g. accessgate login --email alice@example.com');
  io.stderr.write(`Sign in to the local runtime as:\n${users.map((user, index) => `  ${String(index + 1).padStart(2)}) ${user.email.padEnd(20)} ${user.name} (${user.groups.join(', ')})`).join('\n')}\n`);
  const prompt = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
  const stop = () => prompt.close();
  // On a terminal readline takes Ctrl-C itself: treat it as giving up, like everywhere else.
  prompt.on('SIGINT', stop);
  io.signal.addEventListener('abort', stop, { once: true });
  try {
    // Iterating lines (rather than asking one question at a time) keeps answers typed ahead.
    io.stderr.write('Number or email: ');
    for await (const line of prompt) {
      const answer = line.trim();
      const user = /^\d+$/.test(answer) ? users[Number(answer) - 1] : users.find((candidate) => candidate.email === answer.toLowerCase());
      if (user) return user.email;
      io.stderr.write(`"${answer}" is not in the list; type its number or its email.\nNumber or email: `);
    }
  } finally {
    io.signal.removeEventListener('abort', stop);
    prompt.close();
  }
  throw new CliError('Sign-in cancelled.', 'Run accessgate login again when you are ready.', EXIT.cancelled);
}

interface OidcOptions {
  readonly issuer: string;
  readonly clientId: string | undefined;
  readonly flow: string;
  readonly scope: string;
  readonly redirectUri: string;
  readonly openBrowser: boolean;
}

async function oidcLogin(io: Io, options: OidcOptions): Promise<string> {
  if (!options.clientId) throw usageError('--client-id is required with --issuer.', 'Use the stack output UserPoolClientId, or set ACCESSGATE_OIDC_CLIENT_ID.');
  if (!['auto', 'device', 'browser'].includes(options.flow)) throw usageError(`--flow must be auto, device or browser, not "${options.flow}".`);
  const oidc = await import('openid-client');
  let config: Awaited<ReturnType<typeof oidc.discovery>>;
  try {
    const issuer = new URL(options.issuer);
    config = await oidc.discovery(issuer, options.clientId, undefined, oidc.None(), {
      // Plain http is acceptable only for a provider on this machine (a local test IdP).
      ...(issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname) ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
  } catch (error) {
    throw new CliError(`Could not read the OpenID configuration of ${options.issuer}: ${(error as Error).message}.`, 'Check --issuer: it is the URL whose /.well-known/openid-configuration describes the provider.', EXIT.unavailable, { error: String(error) });
  }
  const metadata = config.serverMetadata();
  const device = options.flow === 'device' || (options.flow === 'auto' && !!metadata.device_authorization_endpoint);
  if (device && !metadata.device_authorization_endpoint) {
    throw usageError(`${options.issuer} does not offer the device authorization grant.`, 'Use --flow browser (authorization code with PKCE).');
  }
  try {
    const tokens = device ? await deviceFlow(oidc, config, options, io) : await browserFlow(oidc, config, options, io);
    const token = tokens.id_token ?? tokens.access_token;
    if (!token) throw new CliError('The identity provider returned no token.', 'Check the app client allows the openid scope.', EXIT.auth);
    return token;
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (io.signal.aborted) throw new CliError('Sign-in cancelled.', 'Run accessgate login again when you are ready.', EXIT.cancelled);
    throw new CliError(`Sign-in failed: ${(error as Error).message}.`, 'Try again; --verbose shows the provider\'s answer.', EXIT.auth, { error: String(error), cause: (error as { cause?: unknown }).cause });
  }
}

type Oidc = typeof import('openid-client');
type Config = Awaited<ReturnType<Oidc['discovery']>>;
type Tokens = { id_token?: string; access_token?: string };

async function deviceFlow(oidc: Oidc, config: Config, options: OidcOptions, io: Io): Promise<Tokens> {
  const response = await oidc.initiateDeviceAuthorization(config, { scope: options.scope });
  io.stderr.write(`To sign in, open ${response.verification_uri_complete ?? response.verification_uri}\nand enter the code ${response.user_code} (it expires in ${Math.round(response.expires_in / 60)} min).\n`);
  if (options.openBrowser && response.verification_uri_complete) openInBrowser(response.verification_uri_complete);
  return oidc.pollDeviceAuthorizationGrant(config, response, undefined, { signal: io.signal });
}

async function browserFlow(oidc: Oidc, config: Config, options: OidcOptions, io: Io): Promise<Tokens> {
  const redirect = new URL(options.redirectUri);
  if (redirect.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(redirect.hostname)) {
    throw usageError(`--redirect-uri must be an http URL on this machine (localhost or 127.0.0.1), not ${options.redirectUri}.`);
  }
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });

  const callback = await new Promise<URL>((resolve, reject) => {
    const server = createServer((request, response) => {
      const current = new URL(request.url ?? '/', options.redirectUri);
      if (current.pathname !== redirect.pathname) {
        response.writeHead(404).end();
        return;
      }
      const failed = current.searchParams.get('error');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(failed ? '<p>Sign-in failed; see your terminal.</p>' : '<p>Signed in to accessgate. You can close this tab.</p>');
      server.close();
      resolve(current);
    });
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new CliError(`Port ${redirect.port} for the sign-in redirect is in use.`, 'Close what uses it, or pass another --redirect-uri registered with the app client.', EXIT.usage)
          : error,
      ),
    );
    io.signal.addEventListener('abort', () => {
      server.close();
      reject(new CliError('Sign-in cancelled.', 'Run accessgate login again when you are ready.', EXIT.cancelled));
    });
    server.listen(Number(redirect.port || 80), redirect.hostname.replace(/^\[|\]$/g, ''), () => {
      io.stderr.write(`Sign in at:\n  ${url.href}\nWaiting for the redirect to ${options.redirectUri} …\n`);
      if (options.openBrowser) openInBrowser(url.href);
    });
  });
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { redirect_uri: options.redirectUri });
}

/** Best effort: the URL is printed anyway, so a machine without a browser loses nothing. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener on this machine: the printed URL is enough
  }
}
