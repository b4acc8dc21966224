/**
 * The DynamoDB tables of the stack, built from the shared definitions in infra/tables.ts (the local
 * runtime creates the same tables in dynalite from the same module, so key and index names cannot drift).
 *
 * Every table keeps its data through accidents: point-in-time recovery, deletion protection, RETAIN on
 * stack deletion, encryption with the AWS-managed key (no standing key charge, so an idle stack costs $0).
 * The event table is the audit trail: besides the IAM grants (APPEND gives PutItem, GetItem and Query
 * only), its resource policy denies every principal, administrators included, the item actions that could
 * rewrite history, so "append-only" does not depend on every future role being written correctly.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { connectionsTable, eventsTable, evidenceTable, projectionOf, resultsTable, sessionsTable, type TableDefinition } from '../tables';

/** A deployed table together with the definition it was built from (the bind helper needs its env var). */
export interface AccessgateTable {
  readonly table: dynamodb.Table;
  readonly definition: TableDefinition;
}

/**
 * Item-level actions that would let anyone change or remove a recorded event. UpdateTimeToLive is here
 * because turning TTL on would let DynamoDB itself delete events; BatchWriteItem because it can delete.
 */
export const EVENT_MUTATING_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:UpdateTimeToLive',
] as const;

export class AccessgateTables extends Construct {
  readonly sessions: AccessgateTable;
  readonly events: AccessgateTable;
  readonly results: AccessgateTable;
  /** Export cursors, digest chain head and period manifests of the audit evidence pipeline. */
  readonly evidence: AccessgateTable;
  /** Waiting clients' WebSocket connections and the sessions each follows (infra/constructs/push.ts). */
  readonly connections: AccessgateTable;
  readonly all: readonly AccessgateTable[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.sessions = this.build(sessionsTable);
    this.events = this.build(eventsTable, eventLogPolicy());
    this.results = this.build(resultsTable);
    this.evidence = this.build(evidenceTable);
    this.connections = this.build(connectionsTable);
    this.all = [this.sessions, this.events, this.results, this.evidence, this.connections];
  }

  private build(definition: TableDefinition, resourcePolicy?: iam.PolicyDocument): AccessgateTable {
    const key = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });
    const table = new dynamodb.Table(this, definition.id, {
      partitionKey: key(definition.partitionKey),
      sortKey: key(definition.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true, recoveryPeriodInDays: 35 },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      // The exporter needs each event exactly as written; the push to waiting clients, each session as it
      // now is. Neither reads old images.
      stream: definition.stream ? dynamodb.StreamViewType.NEW_IMAGE : undefined,
      resourcePolicy,
    });
    for (const index of definition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: dynamodb.ProjectionType[projectionOf(index).ProjectionType],
        nonKeyAttributes: projectionOf(index).NonKeyAttributes,
      });
    }
    return { table, definition };
  }
}

function eventLogPolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'EventsAreAppendOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...EVENT_MUTATING_ACTIONS],
        // A table's own policy cannot name its generated ARN without a cycle; "*" here means this table.
        resources: ['*'],
      }),
    ],
  });
}
