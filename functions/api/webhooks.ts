/**
 * POST/GET /webhooks, DELETE /webhooks/{id}, GET /webhooks/{id}/deliveries: admins register and
 * delete, admins and auditors read. The secret is in the answer to POST only.
 */
import * as z from '../domain/zod';
import { deleteWebhook, listDeliveries, listWebhooks, registerWebhook } from '../app/webhooks';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook';
import { webhookDeps } from '../webhook-wiring';
import { apiHandler, json, validatePath } from './http';

const webhookId = (raw: string) => validatePath(z.string().check(z.uuid('must be a webhook id')), raw, 'id');

/** What each route reads, for the OpenAPI document (functions/api/openapi.ts); the handler itself names `events[i]`. */
export const contract = {
  'POST /webhooks': { body: z.strictObject({ url: z.url(), events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).check(z.minLength(1)) }) },
} as const;

export const routes = {
  'POST /webhooks': async (request) => {
    const { id, secret, webhook } = await registerWebhook(webhookDeps(), request.identity(), request.body());
    return json(201, { id, secret, webhook });
  },
  'GET /webhooks': async (request) => json(200, { webhooks: await listWebhooks(webhookDeps(), request.identity()) }),
  'DELETE /webhooks/{id}': async (request) => {
    await deleteWebhook(webhookDeps(), request.identity(), webhookId(request.path('id')));
    return { statusCode: 204 };
  },
  'GET /webhooks/{id}/deliveries': async (request) => {
    const who = request.identity();
    return json(200, { deliveries: await listDeliveries(webhookDeps(), who, webhookId(request.path('id'))) });
  },
} satisfies Parameters<typeof apiHandler>[0];

export const handler = apiHandler(routes);
