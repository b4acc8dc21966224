/**
 * GET /directory/users, GET/PUT/DELETE /directory/users/{email}: the mapping-table directory that turns
 * a Slack user's email into an accessgate identity. `sub` must be the person's subject in the identity
 * provider (GET /me shows it), so a decision from Slack and one from the web UI are the same person's.
 */
import * as z from '../domain/zod';
import { deleteDirectoryEntry, listDirectory, putDirectoryEntry, readDirectoryEntry } from '../app/directory';
import { InvalidInputError } from '../domain/errors';
import { deps } from '../wiring';
import { apiHandler, json, validate, validatePath } from './http';

const group = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));
const entrySchema = z.strictObject({
  sub: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(256)),
  groups: z.array(group).check(z.maxLength(100)),
  email: z.optional(z.string()),
});

const emailOf = (raw: string) => validatePath(z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.email().check(z.maxLength(254))), raw, 'email');

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts). */
export const contract = {
  'PUT /directory/users/{email}': { body: entrySchema },
} as const;

export const routes = {
  'GET /directory/users': async (request) => json(200, { users: await listDirectory(deps(), request.identity()) }),
  'GET /directory/users/{email}': async (request) => json(200, { user: await readDirectoryEntry(deps(), request.identity(), emailOf(request.path('email'))) }),
  'PUT /directory/users/{email}': async (request) => {
    const who = request.identity();
    const email = emailOf(request.path('email'));
    const body = validate(entrySchema, request.body(), 'directory entry');
    if (body.email !== undefined && body.email.trim().toLowerCase() !== email) {
      throw new InvalidInputError(`email: "${body.email}" does not match the email in the path, "${email}"`, { fields: ['email'] });
    }
    const { entry, created } = await putDirectoryEntry(deps(), who, email, body);
    return json(created ? 201 : 200, { user: entry });
  },
  'DELETE /directory/users/{email}': async (request) => {
    await deleteDirectoryEntry(deps(), request.identity(), emailOf(request.path('email')));
    return { statusCode: 204 };
  },
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
