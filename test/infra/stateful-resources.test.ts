/**
 * The resources that hold data or identity, by logical id, type and deletion policy, compared with the
 * committed list in stateful-resources.json. CloudFormation replaces a resource whose logical id changes:
 * a refactor that moves a table, bucket, key, user pool, group or secret to another construct path would
 * create an empty one and delete (or, when retained, orphan) the one holding the data. This test makes such
 * a change fail: if it is intended, plan the migration (see docs/deploy.md) and update the list.
 *
 * The stack is built with every optional part (demo database, Slack), and the default stack must hold the
 * same logical ids for what it has, so an option never renames a resource.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, synth } from './synth';

/** Types whose replacement loses data, identity or history. */
const STATEFUL_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Cognito::UserPool',
  'AWS::Cognito::UserPoolGroup',
  'AWS::SecretsManager::Secret',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::SQS::Queue',
]);

interface StatefulResource {
  logicalId: string;
  type: string;
  deletionPolicy: string;
}

function statefulResources(json: CfnTemplate): StatefulResource[] {
  return Object.entries(json.Resources)
    .filter(([, r]) => STATEFUL_TYPES.has(r.Type) || r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'Snapshot')
    .map(([logicalId, r]) => ({ logicalId, type: r.Type, deletionPolicy: r.DeletionPolicy ?? 'Delete' }))
    .sort((a, b) => a.logicalId.localeCompare(b.logicalId));
}

const expected = JSON.parse(readFileSync(join(import.meta.dirname, 'stateful-resources.json'), 'utf8')) as StatefulResource[];
const full = statefulResources(synth({ demoDatabase: true, slackChannel: 'C0123456789' }).json);

describe('stateful resources', () => {
  it('keep their logical ids, types and deletion policies (stateful-resources.json)', () => {
    // Every listed resource is still there, unchanged. A resource added since is not replacing anything
    // and does not fail this test; add it to the list so that it is protected from then on.
    const missing = expected.filter((entry) => !full.some((r) => JSON.stringify(r) === JSON.stringify(entry)));
    expect(missing, 'listed stateful resources that were renamed, retyped, lost their deletion policy or removed').toEqual([]);
  });

  it('have the same logical ids in the default stack', () => {
    const defaults = statefulResources(synth().json);
    expect(defaults.length).toBeGreaterThan(0);
    expect(full).toEqual(expect.arrayContaining(defaults));
  });

  it('are retained when they hold what outlives a deployment: tables, evidence, keys, users, groups, secrets', () => {
    const kept = ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolGroup'];
    for (const resource of full.filter((r) => kept.includes(r.type) || r.logicalId.startsWith('Evidence') || r.logicalId.startsWith('Slack'))) {
      expect(resource, resource.logicalId).toMatchObject({ deletionPolicy: 'Retain' });
    }
  });
});
