/**
 * Deaths the fault-injection suite (test/faults/) stages between two DynamoDB writes of one invocation:
 * a matching request is stopped before it is sent and the invocation fails with the Lambda runtime's own
 * words, as a function killed or timed out at that point would, and nothing of it is written. Attached
 * to the local functions' DynamoDB client at the composition root (LocalStackOptions.dynamoFaults); npm
 * start never sets one, and no product code knows it exists.
 */
import type { MiddlewareStack } from '@smithy/types';

/** A write the fault stops: its operation and, for a put, the `type` of the event it carries. */
export interface DynamoDeath {
  readonly operation: 'PutItem' | 'UpdateItem';
  /** For PutItem on the events table: the audit event's type, e.g. `session.done`. */
  readonly eventType?: string;
}

export interface DynamoFaultQueue {
  /** The next request matching `death` fails, once. */
  push(death: DynamoDeath): void;
  /** How many requests were stopped, for asserting that the death was really staged. */
  readonly met: { count: number };
  clear(): void;
  attach(stack: MiddlewareStack<any, any>): void;
}

export const KILLED = 'Runtime exited with error: signal: killed';

export function createDynamoFaultQueue(): DynamoFaultQueue {
  const queue: DynamoDeath[] = [];
  const met = { count: 0 };
  const matches = (death: DynamoDeath, operation: string, body: { Item?: Record<string, { S?: string }> }) =>
    death.operation === operation && (death.eventType === undefined || body.Item?.type?.S === death.eventType);
  return {
    met,
    push(death) {
      queue.push(death);
    },
    clear() {
      queue.length = 0;
      met.count = 0;
    },
    attach(stack) {
      stack.add(
        (next: any) => async (args: any) => {
          // The wire request, as DynamoDB receives it: the operation in its target header, the item marshalled.
          const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
          const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
          const body = JSON.parse(typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body));
          const index = queue.findIndex((death) => matches(death, operation, body));
          if (index < 0) return next(args);
          queue.splice(index, 1);
          met.count += 1;
          throw Object.assign(new Error(KILLED), { name: 'Runtime.ExitError' });
        },
        { step: 'build', priority: 'high', name: 'localDynamoFaults' },
      );
    },
  };
}
