/**
 * GET /health (no auth), GET /me, GET /resources.
 */
import { visibleResources } from '../app/catalog';
import { canReadEverything, isAdmin } from '../domain/identity';
import { deps } from '../wiring';
import { apiHandler, json } from './http';

export const routes = {
  'GET /health': async () => json(200, { status: 'ok' }),
  'GET /me': async (request) => {
    const who = request.identity();
    const { roles } = deps();
    return json(200, { ...who, isAdmin: isAdmin(who, roles), isAuditor: canReadEverything(who, roles) && !isAdmin(who, roles) });
  },
  'GET /resources': async (request) => json(200, { resources: await visibleResources(deps(), request.identity()) }),
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
