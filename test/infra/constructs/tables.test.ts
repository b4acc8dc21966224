/**
 * The tables construct: each DynamoDB table is built from its definition in infra/tables.ts and keeps
 * its data through accidents; the event table is append-only for every principal, administrators included.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_MUTATING_ACTIONS } from '../../../infra/constructs/tables';
import { allTables, eventsTable, projectionOf, resultsTable, type TableDefinition } from '../../../infra/tables';
import { logicalId, synth } from '../synth';

const { stack, json } = synth();
const built = stack.tables.all;

describe.each(allTables.map((definition) => [definition.id, definition] as const))('the %s table', (_, definition) => {
  const table = built.find((entry) => entry.definition === definition)!;
  const resource = json.Resources[logicalId(table.table)];
  const props = resource.Properties!;

  it('has the key schema and the indexes of its definition', () => {
    expect(props.KeySchema).toEqual([
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = (props.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string; KeySchema: unknown; Projection: unknown }>;
    expect(indexes.map((index) => index.IndexName)).toEqual(definition.indexes.map((index) => index.indexName));
    for (const index of definition.indexes) {
      expect(indexes.find((candidate) => candidate.IndexName === index.indexName)).toMatchObject({
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: projectionOf(index),
      });
    }
  });

  it('is on-demand, recoverable to any point in 35 days, deletion-protected, retained, encrypted', () => {
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 });
    expect(props.DeletionProtectionEnabled).toBe(true);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    // SSEEnabled without a key id: KMS with the AWS-managed key (no standing key charge).
    expect(props.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it('expires items and streams changes only where its definition says so', () => {
    expect(props.TimeToLiveSpecification).toEqual(
      definition.timeToLiveAttribute ? { AttributeName: definition.timeToLiveAttribute, Enabled: true } : undefined,
    );
    expect(props.StreamSpecification).toEqual(definition.stream ? { StreamViewType: 'NEW_IMAGE' } : undefined);
  });
});

describe('the sessions table', () => {
  const props = json.Resources[logicalId(stack.tables.sessions.table)].Properties!;

  it('projects only keys into the session indexes, so rewriting a session costs them nothing', () => {
    const projections = Object.fromEntries(
      (props.GlobalSecondaryIndexes as Array<{ IndexName: string; Projection: { ProjectionType: string } }>).map((index) => [index.IndexName, index.Projection.ProjectionType]),
    );
    expect(projections).toEqual({ byRequester: 'KEYS_ONLY', byMonth: 'KEYS_ONLY', byReviewGroup: 'KEYS_ONLY', byPendingGroup: 'KEYS_ONLY', byOpenFollowUp: 'KEYS_ONLY', byKind: 'ALL' });
  });
});

describe('the event table', () => {
  const props = json.Resources[logicalId(stack.tables.events.table)].Properties!;

  it('denies every principal each action that could change or remove an event', () => {
    expect(props.ResourcePolicy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'EventsAreAppendOnly',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [...EVENT_MUTATING_ACTIONS].sort(),
        Resource: '*',
      },
    ]);
    expect(EVENT_MUTATING_ACTIONS).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateTimeToLive']),
    );
  });

  it('is the stream source, and the only table without an expiry', () => {
    const events: TableDefinition = eventsTable;
    expect(events.stream).toBe(true);
    expect(events.timeToLiveAttribute).toBeUndefined();
    expect(resultsTable.timeToLiveAttribute).toBe('expiresAt');
  });

  it('leaves the other tables without a resource policy', () => {
    for (const table of [stack.tables.sessions, stack.tables.results]) {
      expect(json.Resources[logicalId(table.table)].Properties!.ResourcePolicy).toBeUndefined();
    }
  });
});
