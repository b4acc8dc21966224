/**
 * Every cdk-nag acknowledgement in the stack answers a finding that really fires. An acknowledgement whose
 * rule no longer fires (the resource changed, or the rule never applied) tells a security reviewer about a
 * risk that is not there, and would silently cover a real finding added later at the same place.
 *
 * The rules run on the stack with every optional part (demo database, Slack); each finding is recorded
 * before the acknowledgement check, so acknowledged findings are seen too.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { synth } from './synth';

const { stack } = synth({ demoDatabase: true, slackChannel: 'C0123456789' });

/** Every finding of AwsSolutionsChecks on the stack, acknowledged or not: the rule id and the resource's path. */
function findings(): Array<{ id: string; path: string }> {
  const checks = new AwsSolutionsChecks(stack);
  const fired: Array<{ id: string; path: string }> = [];
  // cdk-nag asks whether a finding is acknowledged only when the rule fired on that resource.
  const patched = checks as unknown as { isAcknowledged: (resource: IConstruct, id: string) => boolean };
  const isAcknowledged = patched.isAcknowledged.bind(checks);
  patched.isAcknowledged = (resource, id) => {
    fired.push({ id, path: resource.node.path });
    return isAcknowledged(resource, id);
  };
  checks.validateScope(stack);
  return fired;
}

const acknowledgements = stack.node.findAll().flatMap((construct) =>
  construct.node.metadata
    .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
    .flatMap((entry) => Object.keys(entry.data as Record<string, string>).map((id) => ({ id: id.replace(/^\w+::/, ''), path: construct.node.path }))),
  )
  // CloudFormation-Validate acknowledgements belong to CDK's template validation, not to cdk-nag.
  .filter((ack) => ack.id.startsWith('AwsSolutions-'));

describe('cdk-nag acknowledgements', () => {
  it('each answer a finding that fires on the acknowledged construct or below it', () => {
    const fired = findings();
    expect(fired.length).toBeGreaterThan(0);
    const stale = acknowledgements.filter((ack) => !fired.some((f) => f.id === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`))));
    expect(stale).toEqual([]);
  });
});
