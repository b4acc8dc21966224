/**
 * GET /health (no auth), GET /me, GET /resources, GET /openapi.json.
 */
import type { Me } from '../app/api-views';
import { visibleResources } from '../app/catalog';
import { canReadEverything, isAdmin } from '../domain/identity';
import { deps, settings } from '../wiring';
import { apiHandler, json } from './http';
import { openApiDocument } from './openapi';

/** This module's own routes, named for the OpenAPI document (which cannot import this module back). */
const IDENTITY_ROUTES = ['GET /health', 'GET /me', 'GET /resources', 'GET /openapi.json'];

export const routes = {
  'GET /health': async () => json(200, { status: 'ok' }),
  'GET /me': async (request) => {
    const who = request.identity();
    const { roles } = deps();
    // socketUrl: where the web UI and the CLI wait on a session without holding a request (functions/push/socket.ts).
    const { SOCKET_URL: socketUrl } = settings();
    return json(200, { ...who, isAdmin: isAdmin(who, roles), isAuditor: canReadEverything(who, roles) && !isAdmin(who, roles), ...(socketUrl ? { socketUrl } : {}) } satisfies Me);
  },
  'GET /resources': async (request) => json(200, { resources: await visibleResources(deps(), request.identity()) }),
  'GET /openapi.json': async () => json(200, openApiDocument(IDENTITY_ROUTES)),
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
