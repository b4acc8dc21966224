/**
 * The web UI on the local runtime: a LocalMount that serves the esbuild bundle at `/` beside the API,
 * with the same security headers CloudFront adds on AWS (web/security-headers.ts). It builds the bundle
 * when it is missing or older than its sources, on the first request for the page rather than at start,
 * so `npm start` works from a fresh clone and runtimes that never open the page (tests) pay nothing.
 *
 * It answers only its own paths (`/`, `/index.html`, `/auth/callback`, `/config.json`, `/assets/*`);
 * every other request falls through to the API routes. Pages are hash routes, so they never collide.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildWeb, DEFAULT_OUT_DIR, isStale, WEB_CONFIG_KEY, WEB_FILES } from '../../web/build';
import { securityHeaders } from '../../web/security-headers';
import type { LocalMount } from './http-server';
import { DEMO_USERS } from './identity';

export interface WebMountOptions {
  /** Where the bundle is built and served from (default web/dist). */
  readonly outDir?: string;
}

/** The OIDC redirect target the web UI uses (web/src/auth.ts CALLBACK_PATH); it loads the same page. */
const PAGE_PATHS = new Set(['/', '/index.html', '/auth/callback']);

/** The bundle's files by URL path; nothing else under /assets is served (no path is ever joined from a URL). */
const ASSETS = new Map(WEB_FILES.filter((file) => file.key !== 'index.html').map((file) => [`/${file.key}`, file]));

export function webMount(options: WebMountOptions = {}): LocalMount {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const headers = securityHeaders();
  // The local runtime tells the page to offer its demo users; the AWS stack writes {mode: 'oidc'} instead.
  const config = JSON.stringify({ mode: 'local', apiBase: '', users: DEMO_USERS });
  let building: Promise<string> | undefined;

  async function ensureBuilt(): Promise<void> {
    if (!building && !isStale(outDir)) return;
    building ??= buildWeb(outDir).finally(() => {
      building = undefined;
    });
    await building;
  }

  function send(request: IncomingMessage, response: ServerResponse, status: number, type: string, body: string | Buffer, cache: string): true {
    // The WebSocket stand-in listens on this same server (ws://<host>/socket): named explicitly, as
    // 'self' does not cover the ws: scheme in every browser.
    const host = request.headers.host ?? '';
    const pageHeaders = /^[\w.-]+(:\d+)?$/.test(host) ? securityHeaders({ connectSources: [`ws://${host}`] }) : headers;
    response.writeHead(status, { ...pageHeaders, 'content-type': type, 'cache-control': cache, 'content-length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  }

  return async (request, _body, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;

    if (PAGE_PATHS.has(path)) {
      try {
        await ensureBuilt();
      } catch (error) {
        return send(request, response, 500, 'text/plain; charset=utf-8', `The web UI failed to build:\n${(error as Error).message}\n`, 'no-store');
      }
      const page = WEB_FILES[0];
      return send(request, response, 200, page.contentType, await readFile(join(outDir, page.key)), page.cacheControl);
    }
    if (path === `/${WEB_CONFIG_KEY}`) return send(request, response, 200, 'application/json; charset=utf-8', config, 'no-store');
    const asset = ASSETS.get(path);
    if (asset) {
      try {
        // Only the page triggers a build: its asset URLs name the version it was built with.
        return send(request, response, 200, asset.contentType, await readFile(join(outDir, asset.key)), asset.cacheControl);
      } catch {
        return send(request, response, 404, 'text/plain; charset=utf-8', 'Not found\n', 'no-store');
      }
    }
    if (path.startsWith('/assets/')) return send(request, response, 404, 'text/plain; charset=utf-8', 'Not found\n', 'no-store');
    return false;
  };
}
