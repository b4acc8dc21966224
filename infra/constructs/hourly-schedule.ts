/**
 * A function run once an hour by EventBridge, at a fixed minute past the hour. EventBridge invokes
 * asynchronously: Lambda retries a failed run twice, then parks the event in the function's
 * dead-letter queue (infra/constructs/accessgate-function.ts), whose alarm fires.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

export function hourlySchedule(scope: Construct, id: string, props: { fn: lambda.IFunction; minute: number; description: string }): events.Rule {
  return new events.Rule(scope, id, {
    description: props.description,
    schedule: events.Schedule.cron({ minute: String(props.minute) }),
    targets: [new targets.LambdaFunction(props.fn)],
  });
}
