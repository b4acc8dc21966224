import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiEvent, callers } from '../../fixtures/api-event';
import { stubHandlerEnv } from '../../fixtures/handler-env';

type Document = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; parameters?: { name: string; in: string; required: boolean }[]; requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } } }>>;
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
});
