/**
 * GET /reviews and POST /sessions/{id}/review.
 */
import { z } from 'zod';
import { listReviews, reviewSession } from '../app/reviews';
import { deps } from '../wiring';
import { apiHandler, json, validate } from './http';
import { sessionId } from './sessions';

const reviewSchema = z
  .object({
    decision: z.enum(['approve', 'deny']),
    reason: z.string().max(2000).optional(),
    force: z.boolean().optional(),
    via: z.enum(['web', 'api']).default('api'),
  })
  .strict();

const listSchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(100) }).strict();

export const routes = {
  'GET /reviews': async (request) => {
    const { limit } = validate(listSchema, request.query, 'query');
    return json(200, { reviews: await listReviews(deps(), request.identity(), limit) });
  },
  'POST /sessions/{id}/review': async (request) => {
    const who = request.identity();
    const id = sessionId(request.path('id'));
    const body = validate(reviewSchema, request.body(), 'review');
    return json(200, { session: await reviewSession(deps(), who, id, body) });
  },
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
