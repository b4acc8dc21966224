/**
 * The inputs the state machine hands to each Task (see statemachines/session.asl.json).
 */
import { z } from 'zod';

export const sessionInput = z.object({ sessionId: z.string().uuid() }).loose();

export const awaitReviewInput = z.object({ sessionId: z.string().uuid(), taskToken: z.string().min(1).max(2048), reviewSeconds: z.number().int().positive() });

export const recordInput = z
  .object({
    sessionId: z.string().uuid(),
    failure: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  })
  .loose();
