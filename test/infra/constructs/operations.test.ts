/**
 * The operations construct: alarms on failed and timed-out workflow executions, on every function's
 * errors and on waiting dead letters, all sent to the topic named in context; and a dead-letter queue
 * behind every asynchronous invocation in the stack.
 */
import { describe, expect, it } from 'vitest';
import { logicalId, synth } from '../synth';

const topic = 'arn:aws:sns:eu-west-1:123456789012:oncall';
const { stack, template, json } = synth({ alarmTopicArn: topic });
const alarms = Object.values(json.Resources)
  .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
  .map((r) => r.Properties!);
const dlq = logicalId(stack.operations.deadLetterQueue);

describe('alarms', () => {
  const machines = { session: stack.workflow.stateMachine, 'command-review': stack.workflow.commandReview };

  it.each(Object.keys(machines).flatMap((machine) => ['ExecutionsFailed', 'ExecutionsTimedOut'].map((metric) => [machine, metric])))('watch the %s workflow for %s', (machine, metric) => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(machines[machine as keyof typeof machines]) } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
  });

  it('watch the dead-letter queue', () => {
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        Threshold: 1,
      }),
    );
  });

  it('tolerate a few executor errors (an engineer\'s SQL error fails the invocation by design) but no other function\'s', () => {
    const threshold = (id: string) =>
      alarms.find((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(`"${id}"`))!.Threshold;
    expect(threshold(logicalId(stack.workflow.execute))).toBe(5);
    for (const fn of [stack.workflow.evaluate, stack.workflow.record, ...Object.values(stack.functions)]) expect(threshold(logicalId(fn))).toBe(1);
  });

  it('all notify the topic given in context and explain what to do', () => {
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.AlarmDescription.length).toBeGreaterThan(60);
    }
  });
});

describe('the dead-letter queue', () => {
  it('is encrypted, refuses plain HTTP and keeps messages for 14 days', () => {
    expect(json.Resources[dlq].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } },
          // EventBridge parks an execution-end event it could not deliver to the reconciler: that rule only.
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack.workflow.executionEnded), 'Arn'] } } },
          },
        ],
      },
    });
  });

  it('receives the failed asynchronous invocations of every function in the stack', () => {
    const invokeConfigs = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Lambda::EventInvokeConfig');
    for (const [id, fn] of Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function')) {
      const direct = fn.Properties!.DeadLetterConfig?.TargetArn;
      const destination = invokeConfigs.find((c) => c.Properties!.FunctionName.Ref === id)?.Properties!.DestinationConfig?.OnFailure?.Destination;
      expect(direct ?? destination, id).toEqual({ 'Fn::GetAtt': [dlq, 'Arn'] });
    }
  });
});
