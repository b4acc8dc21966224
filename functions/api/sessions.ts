/**
 * POST /sessions, GET /sessions, GET /sessions/{id}, POST /sessions/{id}/cancel.
 */
import { z } from 'zod';
import { cancelSession, listSessions, readSession, submitSession, waitForSession } from '../app/sessions';
import { MAX_COMMAND_BYTES, commandBytes, sqlParametersSchema } from '../domain/session';
import { PayloadTooLargeError, InvalidInputError } from '../domain/errors';
import { resourceSchema } from '../domain/resource';
import { deps } from '../wiring';
import { apiHandler, cursorsFor, json, validate } from './http';
import { sessionFilterFields } from './session-filters';

const MAX_WAIT_SECONDS = 25;

const submitSchema = z
  .object({
    resource: resourceSchema.shape.id,
    command: z.string(),
    /** Data API parameters for the command's `:name` placeholders (the native-client gateway binds with these). */
    parameters: sqlParametersSchema.optional(),
    reason: z.string().max(2000).optional(),
  })
  .strict();

const waitSchema = z.object({
  wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS} seconds`).optional(),
  after: z.string().max(128).optional(),
});

const listSchema = z
  .object({
    ...sessionFilterFields,
    scope: z.enum(['mine', 'reviewable', 'all']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts). */
export const contract = {
  'POST /sessions': { body: submitSchema, query: waitSchema },
  'GET /sessions': { query: listSchema },
  'GET /sessions/{id}': { query: waitSchema },
} as const;

export const routes = {
  'POST /sessions': async (request) => {
    const who = request.identity();
    const body = validate(submitSchema, request.body(), 'session');
    if (commandBytes(body.command, body.parameters) > MAX_COMMAND_BYTES) {
      throw new PayloadTooLargeError(`command: with its parameters over the ${MAX_COMMAND_BYTES}-byte limit`, { fields: ['command'] });
    }
    const { wait } = validate(waitSchema, request.query, 'query');
    const session = await submitSession(deps(), who, body);
    const view = wait ? await waitForSession(deps(), who, session.id, wait) : { session, events: [] };
    return json(202, view, { location: `/sessions/${session.id}` });
  },
  'GET /sessions': async (request) => {
    const { scope, limit, cursor, ...filters } = validate(listSchema, request.query, 'query');
    const cursors = cursorsFor(request, scope);
    const page = await listSessions(deps(), request.identity(), { scope, filters, limit, cursor: cursors.open(cursor) });
    return json(200, { sessions: page.items, ...(page.cursor ? { cursor: cursors.seal(page.cursor) } : {}) });
  },
  'GET /sessions/{id}': async (request) => {
    const who = request.identity();
    const { wait, after } = validate(waitSchema, request.query, 'query');
    const id = sessionId(request.path('id'));
    return json(200, wait ? await waitForSession(deps(), who, id, wait, after) : await readSession(deps(), who, id));
  },
  'POST /sessions/{id}/cancel': async (request) =>
    json(200, { session: await cancelSession(deps(), request.identity(), sessionId(request.path('id'))) }),
} satisfies Parameters<typeof apiHandler>[0];

/** Session ids are UUIDs; anything else cannot name a session, so it is refused before any read. */
export function sessionId(raw: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) {
    throw new InvalidInputError(`id: "${raw.slice(0, 80)}" is not a session id`, { fields: ['id'] });
  }
  return raw.toLowerCase();
}

export const handler = apiHandler(routes);
