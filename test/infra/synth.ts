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
import { LOG_GROUP_POLICY_ACTIONS } from '../../infra/constructs/state-machine-logging';

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

/** The logical id of a function's execution role. */
export const roleOf = (fn: { role?: unknown }): string => logicalId(fn.role as never);

/** Reads one template: a resource's properties and environment by logical id, and the resources of a type as [id, resource]. */
export function templateReader(json: CfnTemplate) {
  const props = (id: string) => json.Resources[id]!.Properties!;
  return {
    props,
    ofType: (type: string) => Object.entries(json.Resources).filter(([, resource]) => resource.Type === type),
    environmentOf: (id: string) => props(id).Environment.Variables as Record<string, unknown>,
  };
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

/** The logical ids of an owner's constructs, under their own names: `logicalIdsOf(stack.webhooks, ['bus', 'queue'])`. */
export function logicalIdsOf<Owner, Name extends keyof Owner & string>(owner: Owner, names: readonly Name[]): Record<Name, string> {
  return Object.fromEntries(names.map((name) => [name, logicalId(owner[name] as IConstruct)])) as Record<Name, string>;
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

/** Actions that support no resource-level permissions, the only ones allowed on Resource "*". */
export const ACTIONS_WITHOUT_RESOURCES = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
]);

/** What a role may do with the event log: add an event, read events back, and (the exporter) read the stream. */
export const EVENT_LOG_ACTIONS = new Set([
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
  // The daily point-in-time export reads the whole table (into the staging bucket) and follows its progress.
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:DescribeExport',
]);

/** Reading a table's stream (the audit exporter, on the event table's `stream/*`). */
const STREAM_READ_ACTIONS = new Set(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);

/** Adding or reading objects under one key prefix of a bucket (the audit evidence writers); never deleting. */
const OBJECT_PREFIX_ACTIONS = new Set(['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention', 's3:PutObjectAcl', 's3:AbortMultipartUpload']);

/** `arn:<partition>:logs:<region>:<account>:log-group:*`, as Stack.formatArn renders it. */
const LOG_GROUPS_OF_THIS_ACCOUNT =
  /^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":logs:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":log-group:\*"\]\]\}$/;

/**
 * Every way a template's identity policies could be broader than needed, as readable strings (the tests
 * expect none): wildcard actions, "*" resources beyond the actions that cannot be scoped, other wildcards
 * beyond a Provider's invoke of its own handler's versions, anything on the event log beyond appending and
 * reading, data-mutating actions on "*", and AWS managed policies.
 */
export function leastPrivilegeViolations(json: CfnTemplate, eventsTableId: string): string[] {
  const violations: string[] = [];
  for (const { policy, statement } of policyStatements(json)) {
    if (statement.Effect !== 'Allow') continue;
    const actions = asArray(statement.Action);
    const resources = asArray(statement.Resource);
    const where = `${policy}${statement.Sid ? `/${statement.Sid}` : ''}`;
    for (const action of actions) if (action.includes('*')) violations.push(`${where}: wildcard action ${action}`);
    for (const resource of resources) {
      const text = JSON.stringify(resource);
      if (resource === '*') {
        for (const action of actions) if (!ACTIONS_WITHOUT_RESOURCES.has(action)) violations.push(`${where}: ${action} on "*"`);
      } else if (text.includes('*')) {
        const versionsOfOneFunction = /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["\w+","Arn"\]\},":\*"\]\]\}$/.test(text);
        // "<bucket or table ARN>/<one prefix>/*": objects under one key prefix, or one table's exports.
        // "arn:…:execute-api:…:<api>/<stage>/POST/@connections/*": PostToConnection on one WebSocket stage.
        const postToOneStage = /^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":execute-api:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":",\{"Ref":"\w+"\},"\/\w+\/POST\/@connections\/\*"\]\]\}$/.test(text);
        const underOnePrefix = /^\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["\w+","Arn"\]\},"\/[a-z-]+\/\*"\]\]\}$/.test(text);
        const allowed =
          (versionsOfOneFunction && actions.every((a) => a === 'lambda:InvokeFunction')) ||
          (postToOneStage && actions.every((a) => a === 'execute-api:ManageConnections')) ||
          (underOnePrefix && actions.every((a) => OBJECT_PREFIX_ACTIONS.has(a))) ||
          (underOnePrefix && text.endsWith('"/export/*"]]}') && actions.every((a) => a === 'dynamodb:DescribeExport')) ||
          (underOnePrefix && text.endsWith('"/stream/*"]]}') && actions.every((a) => STREAM_READ_ACTIONS.has(a))) ||
          (LOG_GROUPS_OF_THIS_ACCOUNT.test(text) && actions.every((a) => LOG_GROUP_POLICY_ACTIONS.includes(a as never)));
        if (!allowed) violations.push(`${where}: ${actions.join(',')} on ${text}`);
      }
      if (refersTo(resource, eventsTableId)) {
        for (const action of actions) if (!EVENT_LOG_ACTIONS.has(action)) violations.push(`${where}: ${action} on the event log`);
      }
    }
  }
  for (const [id, resource] of Object.entries(json.Resources)) {
    if (resource.Type === 'AWS::IAM::Role' && resource.Properties!.ManagedPolicyArns) violations.push(`${id}: AWS managed policies`);
  }
  return violations;
}
