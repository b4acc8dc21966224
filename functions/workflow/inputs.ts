/**
 * The inputs the state machine hands to each Task (see statemachines/session.asl.json), and the
 * execution-status event the reconciler receives.
 */
import * as z from 'zod';

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

/**
 * What Lambda sends the run function's failure destination once it gives up on an asynchronous
 * invocation (RetriesExhausted, or EventAgeExceeded when the event waited too long): the original
 * payload, and the last attempt's error when there was one.
 */
export const runAbandonedInput = z
  .object({
    requestContext: z.object({ condition: z.string().min(1) }).loose(),
    requestPayload: sessionInput,
    responsePayload: z.object({ errorType: z.string().optional(), errorMessage: z.string().optional() }).loose().nullish(),
  })
  .loose();

/** Either event the reconciler receives, as the session to close and why. */
export const reconcilerInput = z.union([
  executionEndInput.transform(({ detail }) => ({
    from: 'execution' as const,
    sessionId: detail.name,
    end: { status: detail.status, ...(detail.error ? { error: detail.error } : {}) },
  })),
  runAbandonedInput.transform(({ requestContext, requestPayload, responsePayload }) => ({
    from: 'run' as const,
    sessionId: requestPayload.sessionId,
    abandoned: { condition: requestContext.condition, ...(responsePayload?.errorType ? { error: responsePayload.errorType } : {}) },
  })),
]);
