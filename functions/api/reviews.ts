/**
 * GET /reviews and POST /sessions/{id}/review. The caller reviews as the directory knows them
 * (functions/app/people.ts): the same groups a Slack click of theirs is decided with.
 */
import * as z from '../domain/zod';
import { reviewerOf } from '../app/people';
import { followUpSession, listFollowUps } from '../app/follow-ups';
import { listReviews, reviewSession } from '../app/reviews';
import { FOLLOW_UP_OUTCOMES } from '../domain/follow-up';
import { deps } from '../wiring';
import { apiHandler, json, validate } from './http';
import { reviewListSchema } from './responses';
import { sessionId } from './sessions';

const reviewSchema = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  reason: z.optional(z.string().check(z.maxLength(2000))),
  force: z.optional(z.boolean()),
  via: z._default(z.enum(['web', 'api']), 'api'),
});

const listSchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 100),
  /** `follow-up`: open break-glass follow-ups instead of pending reviews (docs/policies.md). */
  scope: z._default(z.enum(['pending', 'follow-up']), 'pending'),
});

const followUpSchema = z.strictObject({
  outcome: z.enum(FOLLOW_UP_OUTCOMES),
  note: z.optional(z.string().check(z.maxLength(2000))),
});

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts). */
export const contract = {
  'GET /reviews': { query: listSchema, response: reviewListSchema },
  'POST /sessions/{id}/review': { body: reviewSchema },
  'POST /sessions/{id}/follow-up': { body: followUpSchema },
} as const;

export const routes = {
  'GET /reviews': async (request) => {
    const { limit, scope } = validate(listSchema, request.query, 'query');
    const who = await reviewerOf(deps(), request.identity());
    if (scope === 'follow-up') return json(200, { followUps: await listFollowUps(deps(), who, limit) });
    return json(200, { reviews: await listReviews(deps(), who, limit) });
  },
  'POST /sessions/{id}/follow-up': async (request) => {
    const id = sessionId(request.path('id'));
    const body = validate(followUpSchema, request.body(), 'follow-up');
    const who = await reviewerOf(deps(), request.identity());
    return json(200, { session: await followUpSession(deps(), who, id, body) });
  },
  'POST /sessions/{id}/review': async (request) => {
    const id = sessionId(request.path('id'));
    const body = validate(reviewSchema, request.body(), 'review');
    const who = await reviewerOf(deps(), request.identity());
    return json(200, { session: await reviewSession(deps(), who, id, body) });
  },
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
