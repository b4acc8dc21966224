/**
 * Shared by the CDK tests: builds the app exactly as infra/app.ts does (cdk.json context included) but
 * skips what makes a synth slow — Lambda bundling (`aws:cdk:bundling-stacks: []`), CloudFormation
 * template validation and, unless asked for, cdk-nag — and reads IAM statements out of a template.
 * Each test file calls `synth` once, at module level, and asserts on the one template.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/app';

export function synth(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}) {
  const { app, stack } = buildApp({
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    nag: options.nag ?? false,
    validateTemplates: false,
  });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as CfnTemplate };
}

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;
  Outputs?: Record<string, { Value: unknown }>;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Sid?: string;
}

/** Every identity-policy statement in the template, with the logical ids of the roles it is attached to. */
export function policyStatements(json: CfnTemplate): Array<{ policy: string; roles: string[]; statement: Statement }> {
  const out: Array<{ policy: string; roles: string[]; statement: Statement }> = [];
  for (const [id, resource] of Object.entries(json.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = asArray(props.Roles as Array<{ Ref: string }>).map((role) => role.Ref);
      for (const statement of asArray(props.PolicyDocument.Statement as Statement[])) out.push({ policy: id, roles, statement });
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of asArray(props.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>)) {
        for (const statement of asArray(inline.PolicyDocument.Statement)) out.push({ policy: id, roles: [id], statement });
      }
    }
  }
  return out;
}

/** Statements granted to one role. */
export const statementsOf = (json: CfnTemplate, roleLogicalId: string) =>
  policyStatements(json)
    .filter((entry) => entry.roles.includes(roleLogicalId))
    .map((entry) => entry.statement);

/** Whether a (possibly intrinsic) resource value refers to the resource with this logical id. */
export const refersTo = (value: unknown, id: string): boolean => JSON.stringify(value).includes(`"${id}"`);

/** A statement with its actions and resources as sorted arrays, so policy minimisation's reordering does not matter. */
export const normalized = (statement: Statement) => ({
  effect: statement.Effect,
  actions: asArray(statement.Action).sort(),
  resources: asArray(statement.Resource).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
});

export const sortedResources = (values: unknown[]) => [...values].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
