/**
 * The inputs the state machine hands to each Task (see statemachines/session.asl.json), and the
 * execution-status event the reconciler receives.
 */
import * as z from '../domain/zod';

export const sessionInput = z.looseObject({ sessionId: z.uuid() });

export const awaitReviewInput = z.object({ sessionId: z.uuid(), taskToken: z.string().check(z.minLength(1), z.maxLength(2048)), reviewSeconds: z.int().check(z.positive()) });

export const recordInput = z.looseObject({
  sessionId: z.uuid(),
  failure: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
});

/** The execution statuses after which a session may still be open: the reconciler's EventBridge rule matches exactly these. */
export const UNFINISHED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** EventBridge's "Step Functions Execution Status Change" event; the execution is named after its session. */
export const executionEndInput = z.looseObject({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.looseObject({
    name: z.uuid(),
    status: z.enum(UNFINISHED_EXECUTION_STATUSES),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});

/**
 * What Lambda sends the run function's failure destination once it gives up on an asynchronous
 * invocation (RetriesExhausted, or EventAgeExceeded when the event waited too long): the original
 * payload, and the last attempt's error when there was one.
 */
export const runAbandonedInput = z.looseObject({
  requestContext: z.looseObject({ condition: z.string().check(z.minLength(1)) }),
  requestPayload: sessionInput,
  responsePayload: z.nullish(z.looseObject({ errorType: z.optional(z.string()), errorMessage: z.optional(z.string()) })),
});

/** Either event the reconciler receives, as the session to close and why. */
export const reconcilerInput = z.union([
  z.pipe(
    executionEndInput,
    z.transform(({ detail }) => ({
      from: 'execution' as const,
      sessionId: detail.name,
      end: { status: detail.status, ...(detail.error ? { error: detail.error } : {}) },
    })),
  ),
  z.pipe(
    runAbandonedInput,
    z.transform(({ requestContext, requestPayload, responsePayload }) => ({
      from: 'run' as const,
      sessionId: requestPayload.sessionId,
      abandoned: { condition: requestContext.condition, ...(responsePayload?.errorType ? { error: responsePayload.errorType } : {}) },
    })),
  ),
]);
