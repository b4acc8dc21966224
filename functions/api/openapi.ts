/**
 * The HTTP API's OpenAPI 3.1 description, generated from the route tables and the zod schemas the
 * handlers validate with, so the document cannot promise a field the API refuses or miss one it
 * accepts. Served at GET /openapi.json.
 */
import * as z from '../domain/zod';
import * as audit from './audit';
import * as directory from './directory';
import * as reviews from './reviews';
import * as rules from './rules';
import * as sessions from './sessions';
import * as webhooks from './webhooks';

/** What a route reads (body, query) and, where described, what it answers with 200 (functions/api/responses.ts). */
type Contract = { readonly body?: z.ZodMiniType; readonly query?: z.ZodMiniObject; readonly response?: z.ZodMiniType };

/** The handler modules whose routes carry a contract; identity's routes take nothing. */
const MODULES: readonly { routes: object; contract: Readonly<Record<string, Contract>> }[] = [sessions, reviews, rules, directory, audit, webhooks];

/** Routes open to anyone; every other route needs the JWT the API Gateway authorizer checks. */
const PUBLIC = new Set(['GET /health', 'POST /slack/interactions']);

/** What an input schema accepts, as JSON Schema; refinements (and transforms) are the handler's. */
const jsonSchema = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
/** What a response schema promises; shared shapes (the preview, its plan) are inlined, recursion by $defs. */
const responseSchema = (schema: z.ZodMiniType) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' });

const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        // A 400 (and a 413) names each refused field as a path: `events[2]`, `approvalSteps[0].groups`, `id`.
        details: { type: 'object', properties: { fields: { type: 'array', items: { type: 'string' } } } },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

function operation(routeKey: string, contract: Contract | undefined) {
  const [, path = ''] = routeKey.split(' ');
  const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const query = contract?.query
    ? Object.entries(contract.query.shape).map(([name, field]) => ({
        name,
        in: 'query',
        required: !(field as z.ZodMiniType).safeParse(undefined).success,
        schema: jsonSchema(field as z.ZodMiniType),
      }))
    : [];
  return {
    operationId: routeKey.replace(/[^A-Za-z0-9]+/g, '_').replace(/_$/, ''),
    ...(PUBLIC.has(routeKey) ? { security: [] } : {}),
    ...(pathParameters.length + query.length ? { parameters: [...pathParameters, ...query] } : {}),
    ...(contract?.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(contract.body) } } } } : {}),
    responses: {
      ...(contract?.response
        ? { '200': { description: 'success', content: { 'application/json': { schema: responseSchema(contract.response) } } } }
        : { '2XX': { description: 'success' } }),
      '4XX': { description: 'the request was refused; `error.message` says why and `error.details.fields` names the fields', content: { 'application/json': { schema: errorBody } } },
    },
  };
}

/** The document for every route the handler modules serve, plus the given ones (the identity module's own). */
export function openApiDocument(otherRoutes: readonly string[]): Record<string, unknown> {
  const contracts: Record<string, Contract> = Object.assign({}, ...MODULES.map((module) => module.contract));
  const keys = [...new Set([...MODULES.flatMap((module) => Object.keys(module.routes)), ...otherRoutes, 'POST /slack/interactions'])].sort();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const key of keys) {
    const [method = '', path = ''] = key.split(' ');
    (paths[path] ??= {})[method.toLowerCase()] = operation(key, contracts[key]);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'accessgate', version: '1', description: 'Just-in-time, approval-gated access to production databases.' },
    components: { securitySchemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ jwt: [] }],
    paths,
  };
}
