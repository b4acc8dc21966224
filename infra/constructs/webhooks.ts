/**
 * Signed webhooks and the event bus on AWS:
 *
 *   event table stream ──▶ WebhookDispatcher ──▶ Deliveries queue ──▶ WebhookDeliverer ──▶ receivers
 *                                  │                  │ maxReceiveCount = WEBHOOK_MAX_ATTEMPTS
 *                                  ▼                  ▼
 *                          the accessgate bus   DeliveryDeadLetters
 *
 * Nothing on this path runs inside a decision: the dispatcher reads the stream after the event is
 * recorded. Only the dispatcher's role may put events on the bus: it is granted PutEvents, and the
 * bus's resource policy denies PutEvents to every other principal. The webhook key (from which every
 * webhook's signing secret is derived) is a generated secret that only the webhooks API and the
 * deliverer may read, at run time.
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOK_EVENT_TYPES } from '../../functions/domain/webhook';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import type { AccessgateApi } from './api';
import { readEventStream } from './event-stream';
import type { Operations } from './operations';
import type { AccessgateTables } from './tables';

/** Attempts per delivery: the deliverer's WEBHOOK_MAX_ATTEMPTS and the queue's maxReceiveCount, from one number. */
export const WEBHOOK_MAX_ATTEMPTS = 5;
/** Audit event types the dispatcher is invoked for (Lambda event filtering); every published type comes from one of them. */
export const DISPATCHED_AUDIT_TYPES = [
  ...WEBHOOK_EVENT_TYPES.filter((type) => type !== 'session.denied' && type !== 'session.forced' && type !== 'rule.changed'),
  'review.denied',
  'review.forced',
  'window.revoked',
  'rule.created',
  'rule.updated',
  'rule.deleted',
];

export interface WebhooksProps {
  readonly defaults: FunctionDefaults;
  readonly tables: AccessgateTables;
  readonly api: AccessgateApi;
  readonly operations: Operations;
}

export class Webhooks extends Construct {
  readonly bus: events.EventBus;
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly key: secretsmanager.Secret;
  readonly api: AccessgateFunction;
  readonly dispatcher: AccessgateFunction;
  readonly deliverer: AccessgateFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { defaults, tables, api, operations } = props;

    this.key = new secretsmanager.Secret(this, 'WebhookKey', {
      description: 'accessgate: the key every webhook signing secret is derived from',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.key).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotating the webhook key changes every webhook\'s signing secret at once, which every receiver would have to learn: a webhook is re-keyed by registering it again (a new id derives a new secret), not by a rotation schedule.',
    });

    this.deadLetters = new sqs.Queue(this, 'DeliveryDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Deliveries', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the deliverer's timeout, as Lambda advises for SQS event sources.
      visibilityTimeout: Duration.seconds(180),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: WEBHOOK_MAX_ATTEMPTS },
    });
    operations.alarm(
      'WebhookDeadLetters',
      this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      1,
      `A webhook delivery failed ${WEBHOOK_MAX_ATTEMPTS} times and was parked in the webhook dead-letter queue. GET /webhooks/{id}/deliveries shows each attempt; fix the receiver, then redrive the queue.`,
    );

    this.bus = new events.EventBus(this, 'Bus', { description: 'accessgate: session, window and rule events, as webhooks receive them' });

    this.api = new AccessgateFunction(this, 'WebhooksApi', {
      entry: 'functions/api/webhooks.ts',
      description: 'API: register, list and delete webhooks, and read their delivery attempts',
      timeout: Duration.seconds(10),
      defaults,
    }).bindSessionWriter(tables);
    this.readKey(this.api);
    api.addRoutes(this.api, ['POST /webhooks', 'GET /webhooks', 'DELETE /webhooks/{id}', 'GET /webhooks/{id}/deliveries'], { auth: true });

    this.dispatcher = new AccessgateFunction(this, 'WebhookDispatcher', {
      entry: 'functions/webhooks/dispatch.ts',
      description: 'Webhooks: turns recorded events into delivery jobs and puts them on the event bus',
      timeout: Duration.seconds(30),
      defaults,
    }).bindTable(tables.sessions, 'RO');
    readEventStream(this.dispatcher, tables.events, {
      onFailure: operations.deadLetterQueue,
      batchSize: 50,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: false,
      filters: [lambda.FilterCriteria.filter({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: DISPATCHED_AUDIT_TYPES } } } })],
    });
    this.queue.grantSendMessages(this.dispatcher);
    this.dispatcher.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    this.bus.grantPutEventsTo(this.dispatcher);
    this.dispatcher.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheDispatcherPublishes',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.dispatcher.role!.roleArn } },
      }),
    );

    this.deliverer = new AccessgateFunction(this, 'WebhookDeliverer', {
      entry: 'functions/webhooks/deliver.ts',
      description: 'Webhooks: one signed POST per delivery job; failed attempts back off, then go to the dead-letter queue',
      // A batch's jobs are attempted at once, each waiting at most WEBHOOK_TIMEOUT_MS (5 s).
      timeout: Duration.seconds(30),
      defaults,
    }).bindTable(tables.sessions, 'RW');
    this.readKey(this.deliverer);
    this.deliverer.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    // The back-off is the message's new visibility timeout (functions/adapters/delivery-queue.ts).
    this.deliverer.addToRolePolicy(new iam.PolicyStatement({ sid: 'BackOffDeliveries', actions: ['sqs:ChangeMessageVisibility'], resources: [this.queue.queueArn] }));
    this.deliverer.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    this.deliverer.addEnvironment('WEBHOOK_MAX_ATTEMPTS', String(WEBHOOK_MAX_ATTEMPTS));

    const eventsId = Stack.of(this).resolve((tables.events.table.node.defaultChild as CfnElement).logicalId) as string;
    Validations.of(this.dispatcher.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${eventsId}.Arn>/stream/*]`,
      reason: 'A table\'s stream ARN ends in a label DynamoDB picks when the stream is enabled; the grant covers the streams of the event table only, for reading (DescribeStream, GetRecords, GetShardIterator, ListStreams), in the form of the DynamoDB developer guide\'s stream-only policy (iam-policy-read-stream-only.html).',
    });
  }

  /** The webhook key, read at run time through Secrets Manager; the grant and the variable come together. */
  private readKey(fn: AccessgateFunction): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadWebhookKey', actions: ['secretsmanager:GetSecretValue'], resources: [this.key.secretArn] }));
    fn.addEnvironment('WEBHOOK_KEY_SECRET_ARN', this.key.secretArn);
  }
}
