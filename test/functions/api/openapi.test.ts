import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiEvent, callers } from '../../fixtures/api-event';
import { stubHandlerEnv } from '../../fixtures/handler-env';

type JsonSchema = { $ref?: string; $defs?: Record<string, JsonSchema>; type?: string; enum?: string[]; required?: string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema };

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: JsonSchema } } }>; security?: unknown[]; parameters?: { name: string; in: string; required: boolean }[]; requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } } }>>;
};

let document: Document;
let served: string[];

beforeAll(async () => {
  stubHandlerEnv();
  const { handler } = await import('../../../functions/api/identity');
  const response = (await handler(apiEvent('GET /openapi.json', { caller: callers.alice }), {} as never)) as { statusCode: number; body: string };
  expect(response.statusCode).toBe(200);
  document = JSON.parse(response.body) as Document;

  served = ['POST /slack/interactions'];
  for (const file of readdirSync(new URL('../../../functions/api/', import.meta.url))) {
    const module = (await import(/* @vite-ignore */ new URL(`../../../functions/api/${file}`, import.meta.url).href)) as { routes?: object; contract?: object };
    served.push(...Object.keys(module.routes ?? {}));
    // A contract names only routes its module serves: a renamed route cannot leave a stale description.
    for (const key of Object.keys(module.contract ?? {})) expect(Object.keys(module.routes ?? {})).toContain(key);
  }
});

const operations = () => Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

describe('GET /openapi.json', () => {
  it('describes exactly the routes the handlers serve', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(operations().sort()).toEqual(served.sort());
  });

  it('gives each body the schema the handler validates with, strict where the handler is', () => {
    const submit = document.paths['/sessions']?.post?.requestBody?.content['application/json'].schema;
    // `command` is required of a command and refused on a window (kind "window", durationSeconds): the handler checks which.
    expect(submit).toMatchObject({ type: 'object', required: ['resource'], additionalProperties: false });
    expect(Object.keys((submit as { properties: object }).properties).sort()).toEqual(['command', 'durationSeconds', 'kind', 'parameters', 'reason', 'resource']);
    const review = document.paths['/sessions/{id}/review']?.post?.requestBody?.content['application/json'].schema as { properties: { decision: unknown } };
    expect(review.properties.decision).toMatchObject({ enum: ['approve', 'deny'] });
    expect(document.paths['/rules/{name}']?.put?.requestBody).toBeDefined();
  });

  it('lists path and query parameters, and marks only health and Slack as open', () => {
    expect(document.paths['/sessions/{id}']?.get?.parameters).toEqual(expect.arrayContaining([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }, expect.objectContaining({ name: 'wait', in: 'query', required: false })]));
    const open = operations().filter((key) => {
      const [method = '', path = ''] = key.split(' ');
      return document.paths[path]?.[method.toLowerCase()]?.security?.length === 0;
    });
    expect(open.sort()).toEqual(['GET /health', 'POST /slack/interactions']);
  });

  it('gives every route its refusal, with the refused fields a client reads (error.details.fields)', () => {
    for (const key of operations()) {
      const [method = '', path = ''] = key.split(' ');
      const refusal = (document.paths[path]?.[method.toLowerCase()] as { responses?: Record<string, { content?: Record<string, { schema: unknown }> }> })?.responses?.['4XX'];
      expect(refusal?.content?.['application/json']?.schema, key).toMatchObject({
        properties: { error: { properties: { details: { properties: { fields: { type: 'array', items: { type: 'string' } } } } } } },
      });
    }
  });
});

describe('the preview in GET /openapi.json', () => {
  /** The 200 body of a route, with a function that follows `$ref`s into its own `$defs`. */
  const answer = (path: string) => {
    const schema = document.paths[path]?.get?.responses['200']?.content?.['application/json'].schema;
    if (!schema) throw new Error(`GET ${path} describes no 200 body`);
    const resolve = (node: JsonSchema): JsonSchema => (node.$ref ? resolve(schema.$defs![node.$ref.replace('#/$defs/', '')]!) : node);
    return { schema, resolve };
  };

  const expectPreview = (preview: JsonSchema, resolve: (node: JsonSchema) => JsonSchema) => {
    expect(Object.keys(preview.properties ?? {}).sort()).toEqual(['rowLimit', 'rowsAffected', 'skipped', 'statements']);
    expect(preview.required).toEqual(['statements']);
    expect(preview.properties?.rowLimit).toMatchObject({ type: 'integer', minimum: 0 });
    const statement = resolve(preview.properties!.statements!.items!);
    expect(Object.keys(statement.properties ?? {}).sort()).toEqual(['estimatedRows', 'flags', 'kind', 'plan', 'rowsAffected', 'tables']);
    expect(statement.required).toEqual(['kind', 'tables', 'flags']);
    expect(statement.properties?.kind?.enum).toEqual(['read', 'write', 'ddl', 'privilege', 'transaction', 'other']);
    expect(statement.properties?.flags?.items?.enum).toContain('delete-without-where');
    const plan = resolve(statement.properties!.plan!);
    expect(Object.keys(plan.properties ?? {}).sort()).toEqual(['children', 'node', 'relation', 'rows']);
    // The plan is a tree: its children are plans again.
    expect(resolve(plan.properties!.children!.items!)).toBe(plan);
  };

  it('gives the shape of a session\'s preview on GET /sessions/{id}', () => {
    const { schema, resolve } = answer('/sessions/{id}');
    expect(schema.required).toEqual(['session', 'events']);
    expectPreview(resolve(schema.properties!.session!.properties!.preview!), resolve);
  });

  it('gives the same shape on each pending review of GET /reviews', () => {
    const { schema, resolve } = answer('/reviews');
    const review = resolve(schema.properties!.reviews!.items!);
    expect(review.required).toEqual(['session', 'canApprove', 'canForce', 'approvedByYou']);
    expectPreview(resolve(review.properties!.session!.properties!.preview!), resolve);
  });
});
