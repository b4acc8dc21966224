/**
 * The inputs the state machine hands to each Task (see statemachines/session.asl.json), and the
 * execution-status event the reconciler receives.
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

/** The execution statuses after which a session may still be open: the reconciler's EventBridge rule matches exactly these. */
export const UNFINISHED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** EventBridge's "Step Functions Execution Status Change" event; the execution is named after its session. */
export const executionEndInput = z
  .object({
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z
      .object({
        name: z.string().uuid(),
        status: z.enum(UNFINISHED_EXECUTION_STATUSES),
        error: z.string().nullish(),
        cause: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
