/**
 * Where the CLI talks to and as whom. The API comes from --api, then ACCESSGATE_API, then the API the
 * cached token belongs to, then the local runtime; the token from ACCESSGATE_TOKEN, then the cache that
 * `login` writes to the user's config folder (~/.config/accessgate/token.json, mode 0600, `{api, token}`).
 * A cached token is used only for the API it was issued for: sending it elsewhere would leak it.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './errors';

export const LOCAL_API = 'http://127.0.0.1:8787';

export type Env = Readonly<Record<string, string | undefined>>;

export interface TokenCache {
  readonly api: string;
  readonly token: string;
}

/** XDG_CONFIG_HOME when set (Linux convention), %APPDATA% on Windows, else ~/.config. */
export function configDir(env: Env = process.env): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'accessgate');
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'accessgate');
  return join(env.HOME || homedir(), '.config', 'accessgate');
}

export const tokenFile = (env: Env = process.env): string => join(configDir(env), 'token.json');

/** Trailing slashes and case in the scheme/host would make the same API look like two. */
export function normaliseApi(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`"${raw}" is not a URL.`, 'Pass the API base URL, e.g. --api https://abc123.execute-api.eu-west-1.amazonaws.com', EXIT.usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`The API URL must be http or https, not ${url.protocol}`, 'Pass the API base URL, e.g. --api http://127.0.0.1:8787', EXIT.usage);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function readTokenCache(env: Env = process.env): TokenCache | undefined {
  let text: string;
  try {
    text = readFileSync(tokenFile(env), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<TokenCache>;
    return typeof value.api === 'string' && typeof value.token === 'string' ? { api: value.api, token: value.token } : undefined;
  } catch {
    return undefined;
  }
}

export function writeTokenCache(cache: TokenCache, env: Env = process.env): string {
  const file = tokenFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify({ api: cache.api, token: cache.token }, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode applies only when it creates the file; an older, looser file is tightened here.
  chmodSync(file, 0o600);
  return file;
}

export function clearTokenCache(env: Env = process.env): boolean {
  const file = tokenFile(env);
  const existed = readTokenCache(env) !== undefined;
  rmSync(file, { force: true });
  return existed;
}

export function resolveApi(flag: string | undefined, env: Env = process.env): string {
  return normaliseApi(flag ?? env.ACCESSGATE_API ?? readTokenCache(env)?.api ?? LOCAL_API);
}

/** The bearer token for `api`, or an auth error saying how to get one. */
export function resolveToken(api: string, env: Env = process.env): string {
  if (env.ACCESSGATE_TOKEN) return env.ACCESSGATE_TOKEN;
  const cache = readTokenCache(env);
  if (cache && normaliseApi(cache.api) === api) return cache.token;
  throw new CliError(
    cache ? `You are signed in to ${cache.api}, not to ${api}.` : `You are not signed in to ${api}.`,
    `Run: accessgate login${api === LOCAL_API ? '' : ` --api ${api}`}   (or set ACCESSGATE_TOKEN)`,
    EXIT.auth,
  );
}
