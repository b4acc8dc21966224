/**
 * GET/POST /rules and GET/PUT/DELETE /rules/{name}: admins write, admins and auditors read.
 */
import { createRule, deleteRule, listRules, readRule, replaceRule } from '../app/catalog';
import { ruleNameSchema, ruleSchema } from '../domain/rule';
import { deps } from '../wiring';
import { apiHandler, json, validatePath } from './http';

const ruleName = (raw: string) => validatePath(ruleNameSchema, raw, 'name');

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts). */
export const contract = {
  'POST /rules': { body: ruleSchema },
  'PUT /rules/{name}': { body: ruleSchema },
} as const;

export const routes = {
  'GET /rules': async (request) => json(200, { rules: await listRules(deps(), request.identity()) }),
  'POST /rules': async (request) => {
    const who = request.identity();
    return json(201, { rule: await createRule(deps(), who, request.body()) });
  },
  'GET /rules/{name}': async (request) => json(200, { rule: await readRule(deps(), request.identity(), ruleName(request.path('name'))) }),
  'PUT /rules/{name}': async (request) => {
    const who = request.identity();
    return json(200, { rule: await replaceRule(deps(), who, ruleName(request.path('name')), request.body()) });
  },
  'DELETE /rules/{name}': async (request) => {
    await deleteRule(deps(), request.identity(), ruleName(request.path('name')));
    return { statusCode: 204 };
  },
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
