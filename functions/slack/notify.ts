/**
 * The notify Lambda: runs one notification job (post the review request, redraw it, answer a click
 * privately or in the modal it opened), invoked asynchronously by whoever queued it. A failed job
 * throws after recording Slack's error on the session, so Lambda's asynchronous retry runs it again
 * (twice, then the dead-letter queue).
 */
import middy from '@middy/core';
import * as z from '../domain/zod';
import { runNotificationJob } from '../app/notifications';
import type { NotificationJob } from '../app/ports';
import { parseOrThrow } from '../domain/validation';
import { slackDeps } from '../slack-wiring';

const jobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('review'), sessionId: z.uuid() }),
  z.object({ kind: z.literal('session'), sessionId: z.uuid() }),
  z.object({ kind: z.literal('reply'), replyTo: z.url(), text: z.string().check(z.minLength(1), z.maxLength(3000)) }),
  z.object({ kind: z.literal('view'), viewId: z.string().check(z.minLength(1), z.maxLength(255)), hash: z.optional(z.string().check(z.maxLength(255))), text: z.string().check(z.minLength(1), z.maxLength(3000)) }),
  z.object({
    kind: z.literal('approve_click'),
    sessionId: z.uuid(),
    slackUser: z.string().check(z.minLength(1), z.maxLength(255)),
    triggerId: z.string().check(z.minLength(1), z.maxLength(256)),
    deadline: z.int().check(z.nonnegative()),
    replyTo: z.optional(z.url()),
  }),
]) satisfies z.ZodMiniType<NotificationJob>;

export const handler = middy<unknown, void>().handler(async (event) => runNotificationJob(slackDeps(), parseOrThrow(jobSchema, event, 'notification job')));
