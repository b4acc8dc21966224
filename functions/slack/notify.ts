/**
 * The notify Lambda: runs one notification job (post the review request, redraw it, answer a click
 * privately or in the modal it opened), invoked asynchronously by whoever queued it. A failed job
 * throws after recording Slack's error on the session, so Lambda's asynchronous retry runs it again
 * (twice, then the dead-letter queue).
 */
import middy from '@middy/core';
import * as z from 'zod';
import { runNotificationJob } from '../app/notifications';
import type { NotificationJob } from '../app/ports';
import { parseOrThrow } from '../domain/validation';
import { slackDeps } from '../slack-wiring';

const jobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('review'), sessionId: z.string().uuid() }),
  z.object({ kind: z.literal('session'), sessionId: z.string().uuid() }),
  z.object({ kind: z.literal('reply'), replyTo: z.string().url(), text: z.string().min(1).max(3000) }),
  z.object({ kind: z.literal('view'), viewId: z.string().min(1).max(255), hash: z.string().max(255).optional(), text: z.string().min(1).max(3000) }),
  z.object({
    kind: z.literal('approve_click'),
    sessionId: z.string().uuid(),
    slackUser: z.string().min(1).max(255),
    triggerId: z.string().min(1).max(256),
    deadline: z.number().int().nonnegative(),
    replyTo: z.string().url().optional(),
  }),
]) satisfies z.ZodType<NotificationJob>;

export const handler = middy<unknown, void>().handler(async (event) => runNotificationJob(slackDeps(), parseOrThrow(jobSchema, event, 'notification job')));
