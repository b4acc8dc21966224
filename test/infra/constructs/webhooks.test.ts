/**
 * Webhooks and the event bus on AWS: the bus only the dispatcher may put events on (its grant, and the
 * bus policy's deny for everyone else), the delivery queue with its redrive to the dead-letter queue at
 * the deliverer's own attempt count, the dispatcher on the event stream filtered to published types,
 * the webhook key readable by the API and the deliverer only, and least privilege for all three roles.
 */
import { describe, expect, it } from 'vitest';
import { WEBHOOK_MAX_ATTEMPTS } from '../../../infra/constructs/webhooks';
import { leastPrivilegeViolations, logicalId, logicalIdsOf, normalized, refersTo, roleOf, statementsOf, synth, templateReader } from '../synth';

// With cdk-nag: synthesis throws on any unacknowledged AwsSolutions finding.
const { stack, json } = synth({}, { nag: true });
const webhooks = stack.webhooks;
const ids = {
  ...logicalIdsOf(webhooks, ['bus', 'queue', 'deadLetters', 'key', 'api', 'dispatcher', 'deliverer']),
  events: logicalId(stack.tables.events.table),
};
const { props, ofType, environmentOf } = templateReader(json);

describe('the event bus', () => {
  it('is a custom bus the stack creates, named to the dispatcher', () => {
    expect(json.Resources[ids.bus]!.Type).toBe('AWS::Events::EventBus');
    expect(refersTo(environmentOf(ids.dispatcher).EVENT_BUS_NAME, ids.bus)).toBe(true);
  });

  it('grants PutEvents on it to the dispatcher\'s role alone', () => {
    const granted = [...new Set(Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([roleId]) => roleId).filter((role) => statementsOf(json, role).some((s) => [s.Action].flat().includes('events:PutEvents'))))];
    expect(granted).toEqual([roleOf(webhooks.dispatcher)]);
    expect(statementsOf(json, roleOf(webhooks.dispatcher)).map(normalized)).toContainEqual({ effect: 'Allow', actions: ['events:PutEvents'], resources: [{ 'Fn::GetAtt': [ids.bus, 'Arn'] }] });
  });

  it('denies PutEvents in its resource policy to every principal but the dispatcher\'s role', () => {
    const [policy] = ofType('AWS::Events::EventBusPolicy');
    expect(policy).toBeDefined();
    const statement = policy![1].Properties!.Statement;
    expect(statement).toMatchObject({
      Sid: 'cdk-OnlyTheDispatcherPublishes',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [roleOf(webhooks.dispatcher), 'Arn'] } } },
    });
    expect(refersTo(statement.Resource, ids.bus)).toBe(true);
    expect(refersTo(policy![1].Properties!.EventBusName, ids.bus)).toBe(true);
  });
});

describe('the delivery queue', () => {
  it('moves a job to the dead-letter queue after the deliverer\'s own number of attempts, and alarms on it', () => {
    expect(props(ids.queue).RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [ids.deadLetters, 'Arn'] }, maxReceiveCount: WEBHOOK_MAX_ATTEMPTS });
    expect(environmentOf(ids.deliverer).WEBHOOK_MAX_ATTEMPTS).toBe(String(WEBHOOK_MAX_ATTEMPTS));
    for (const id of [ids.queue, ids.deadLetters]) expect(props(id).SqsManagedSseEnabled).toBe(true);
    expect(props(ids.deadLetters).MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => JSON.stringify(alarm.Properties!.Dimensions ?? []).includes(ids.deadLetters));
    expect(alarms).toHaveLength(1);
  });

  it('feeds the deliverer with partial batch failures, its visibility six times the deliverer\'s timeout', () => {
    const [mapping] = ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) => refersTo(m.Properties!.EventSourceArn, ids.queue));
    expect(mapping![1].Properties).toMatchObject({ FunctionName: { Ref: ids.deliverer }, BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(props(ids.queue).VisibilityTimeout).toBe(6 * props(ids.deliverer).Timeout);
  });
});

describe('the dispatcher', () => {
  it('reads the event table\'s stream, invoked only for inserted events of the types it publishes', () => {
    const [mapping] = ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties!.FunctionName?.Ref === ids.dispatcher);
    expect(refersTo(mapping![1].Properties!.EventSourceArn, ids.events)).toBe(true);
    const pattern = JSON.parse(mapping![1].Properties!.FilterCriteria.Filters[0].Pattern);
    expect(pattern.eventName).toEqual(['INSERT']);
    expect(pattern.dynamodb.NewImage.type.S).toEqual(expect.arrayContaining(['session.requested', 'session.done', 'review.denied', 'review.forced', 'rule.updated', 'window.active']));
    expect(pattern.dynamodb.NewImage.type.S).not.toContain('session.running');
  });

  it('may send jobs to the delivery queue and nothing else with it', () => {
    const onQueue = statementsOf(json, roleOf(webhooks.dispatcher)).filter((s) => refersTo(s.Resource, ids.queue)).map(normalized);
    expect(onQueue.flatMap((s) => s.actions).sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
  });
});

describe('the webhook key', () => {
  it('is readable by the webhooks API and the deliverer only, and in no function\'s environment', () => {
    const readers = Object.entries(json.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([roleId]) => roleId)
      .filter((role) => statementsOf(json, role).some((s) => refersTo(s.Resource, ids.key)));
    expect(readers.sort()).toEqual([roleOf(webhooks.api), roleOf(webhooks.deliverer)].sort());
    for (const [id] of ofType('AWS::Lambda::Function')) {
      const variables = json.Resources[id]!.Properties!.Environment?.Variables ?? {};
      expect(variables.WEBHOOK_KEY).toBeUndefined();
    }
    expect(refersTo(environmentOf(ids.api).WEBHOOK_KEY_SECRET_ARN, ids.key)).toBe(true);
  });
});

describe('least privilege', () => {
  it('grants no role of the stack anything broader than its work needs', () => {
    expect(leastPrivilegeViolations(json, ids.events)).toEqual([]);
  });

  it('lets the deliverer change a job\'s visibility (its back-off) on the delivery queue only', () => {
    expect(statementsOf(json, roleOf(webhooks.deliverer)).map(normalized)).toContainEqual({ effect: 'Allow', actions: ['sqs:ChangeMessageVisibility'], resources: [{ 'Fn::GetAtt': [ids.queue, 'Arn'] }] });
  });
});
