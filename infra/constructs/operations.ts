/**
 * What an operator needs to notice trouble: the dead-letter queue that catches every asynchronous
 * invocation that failed after Lambda's own retries, and the CloudWatch alarms (Lambda errors per
 * function, failed and timed-out workflow executions, dead letters waiting).
 *
 * Alarms notify the SNS topic named by the `alarmTopicArn` context, if any: the stack creates no topic of
 * its own because an encrypted topic CloudWatch may publish to needs a customer-managed KMS key, a
 * standing monthly charge that would break "$0 while idle"; organisations already have an on-call topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface OperationsProps {
  /** Existing SNS topic that receives alarm state changes. */
  readonly alarmTopicArn?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

export class Operations extends Construct {
  readonly deadLetterQueue: sqs.Queue;
  private readonly actions: cloudwatch.IAlarmAction[];

  constructor(scope: Construct, id: string, props: OperationsProps = {}) {
    super(scope, id);
    this.actions = props.alarmTopicArn
      ? [new cloudwatchActions.SnsAction(sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn))]
      : [];

    this.deadLetterQueue = new sqs.Queue(this, 'AsyncFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.alarm(
      'DeadLettersWaiting',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      1,
      'An asynchronous invocation (a CloudFormation custom resource or a notification) failed after its retries and was parked in the dead-letter queue. Read the message, fix the cause, then redrive or delete it.',
    );
  }

  /** Alarms on the function's errors: `threshold` errors within five minutes. */
  watchFunction(fn: lambda.IFunction, name: string, threshold = 1): cloudwatch.Alarm {
    return this.alarm(
      `${name}Errors`,
      fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      threshold,
      `The ${name} function reported ${threshold === 1 ? 'an error' : `${threshold} or more errors`} within five minutes. Its log group holds the stack trace.`,
    );
  }

  /** Alarms on a workflow state machine's failed and on its timed-out executions; `name` prefixes the alarms' ids. */
  watchStateMachine(stateMachine: sfn.IStateMachine, name: string): void {
    this.alarm(
      `${name}ExecutionsFailed`,
      stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      'A governed-command workflow execution failed: a Task kept failing after its retries, so the session did not reach a recorded final state. Open the execution in the Step Functions console (its name is the session id).',
    );
    this.alarm(
      `${name}ExecutionsTimedOut`,
      stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      'A governed-command workflow execution timed out: the session it belongs to (the execution name) never reached a recorded final state.',
    );
  }

  /**
   * Sends failed asynchronous invocations of a function this stack does not build with
   * AccessgateFunction (the CDK custom resource frameworks, which CloudFormation invokes asynchronously)
   * to the dead-letter queue.
   */
  catchAsyncFailures(fn: lambda.Function): void {
    fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(this.deadLetterQueue) });
  }

  /** An alarm at `threshold` or above, notifying the alarm topic; no data (an idle stack) is not a breach. */
  alarm(id: string, metric: cloudwatch.IMetric, threshold: number, description: string): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means no invocations, which is the idle state, not a problem.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    for (const action of this.actions) alarm.addAlarmAction(action);
    return alarm;
  }
}
