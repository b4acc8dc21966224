/**
 * POST /sessions (a command, or `kind: "window"` for an access window), GET /sessions,
 * GET /sessions/{id}, POST /sessions/{id}/cancel, POST /sessions/{id}/revoke.
 */
import * as z from '../domain/zod';
import { cancelSession, listSessions, readSession, submitSession, waitForSession } from '../app/sessions';
import { requestWindow, revokeWindow } from '../app/windows';
import { MAX_COMMAND_BYTES, commandBytes, sqlParametersSchema } from '../domain/session';
import { PayloadTooLargeError, InvalidInputError } from '../domain/errors';
import { resourceSchema } from '../domain/resource';
import { deps } from '../wiring';
import { apiHandler, cursorsFor, json, validate } from './http';
import { sessionViewSchema } from './responses';
import { sessionFilterFields } from './session-filters';

const MAX_WAIT_SECONDS = 25;

const submitSchema = z.strictObject({
  resource: resourceSchema.shape.id,
  /** `window` asks for an access window (durationSeconds, no command) instead of running one command. */
  kind: z.optional(z.enum(['command', 'window'])),
  /** Required for a command; a window has none. */
  command: z.optional(z.string()),
  /** A window's length in seconds, at most the governing rule's maxWindowSeconds. */
  durationSeconds: z.optional(z.int().check(z.gte(1))),
  /** Data API parameters for the command's `:name` placeholders (the native-client gateway binds with these). */
  parameters: z.optional(sqlParametersSchema),
  reason: z.optional(z.string().check(z.maxLength(2000))),
});

const waitSchema = z.object({
  wait: z.optional(z.coerce.number().check(z.gte(0), z.lte(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS} seconds`))),
  after: z.optional(z.string().check(z.maxLength(128))),
});

const listSchema = z.strictObject({
  ...sessionFilterFields,
  scope: z.optional(z.enum(['mine', 'reviewable', 'all'])),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50),
});

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts). */
export const contract = {
  'POST /sessions': { body: submitSchema, query: waitSchema },
  'GET /sessions': { query: listSchema },
  'GET /sessions/{id}': { query: waitSchema, response: sessionViewSchema },
} as const;

export const routes = {
  'POST /sessions': async (request) => {
    const who = request.identity();
    const { kind, durationSeconds, command, ...body } = validate(submitSchema, request.body(), 'session');
    const { wait } = validate(waitSchema, request.query, 'query');
    if (kind === 'window') {
      if (command !== undefined || body.parameters) throw new InvalidInputError('command: a window request carries no command; send durationSeconds', { fields: ['command'] });
      const window = await requestWindow(deps(), who, { resource: body.resource, durationSeconds, reason: body.reason });
      const view = wait ? await waitForSession(deps(), who, window.id, wait) : { session: window, events: [] };
      return json(202, view, { location: `/sessions/${window.id}` });
    }
    if (command === undefined) throw new InvalidInputError('command: required (or send kind "window" with durationSeconds)', { fields: ['command'] });
    if (durationSeconds !== undefined) throw new InvalidInputError('durationSeconds: only a window request has a duration', { fields: ['durationSeconds'] });
    if (commandBytes(command, body.parameters) > MAX_COMMAND_BYTES) {
      throw new PayloadTooLargeError(`command: with its parameters over the ${MAX_COMMAND_BYTES}-byte limit`, { fields: ['command'] });
    }
    const session = await submitSession(deps(), who, { ...body, command });
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
  'POST /sessions/{id}/revoke': async (request) =>
    json(200, { session: await revokeWindow(deps(), request.identity(), sessionId(request.path('id'))) }),
} satisfies Parameters<typeof apiHandler>[0];

/** Session ids are UUIDs; anything else cannot name a session, so it is refused before any read. */
export function sessionId(raw: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) {
    throw new InvalidInputError(`id: "${raw.slice(0, 80)}" is not a session id`, { fields: ['id'] });
  }
  return raw.toLowerCase();
}

export const handler = apiHandler(routes);
