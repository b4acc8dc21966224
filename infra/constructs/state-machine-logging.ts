/**
 * The state machine role's grants for logging to CloudWatch Logs, scoped as far as AWS allows.
 *
 * CDK's StateMachine adds one statement for log delivery on Resource "*". Step Functions checks the role
 * when the state machine is created or updated, so none of the actions can simply go; what can be done:
 *
 *  - logs:PutResourcePolicy, logs:DescribeResourcePolicies and logs:DescribeLogGroups are moved to the log
 *    groups of this account and region (`arn:<partition>:logs:<region>:<account>:log-group:*`), the scope
 *    the CloudWatch Logs user guide gives for them ("Logs sent to CloudWatch Logs",
 *    AWS-logs-infrastructure-CWL.html: a log-group wildcard ARN, not a single log group name);
 *  - logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery and ListLogDeliveries
 *    stay on "*": the Service Authorization Reference for CloudWatch Logs lists no resource type for them,
 *    which means only "*" is accepted; the X-Ray actions of tracing are in the same case.
 *
 * The role's policy document is rewritten when the template is resolved, because CDK offers no way to
 * change the statement it adds.
 */
import { ArnFormat, type IResolveContext, Lazy, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/** Moved from "*" to the account's and region's log groups. */
export const LOG_GROUP_POLICY_ACTIONS = ['logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:PutResourcePolicy'] as const;

interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  [key: string]: unknown;
}

export function scopeLogDeliveryGrants(stateMachine: sfn.StateMachine): void {
  const stack = Stack.of(stateMachine);
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  if (!policy) throw new Error(`accessgate: the state machine ${stateMachine.node.path} has no role policy to scope`);
  const cfn = policy.node.defaultChild as iam.CfnPolicy;
  const document = cfn.policyDocument;
  const logGroups = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const moved = new Set<string>(LOG_GROUP_POLICY_ACTIONS);

  cfn.policyDocument = Lazy.uncachedAny({
    produce: (context: IResolveContext) => {
      const resolved = context.resolve(document) as { Statement: PolicyStatementJson[] };
      const statements: PolicyStatementJson[] = [];
      const found = new Set<string>();
      for (const statement of resolved.Statement) {
        const actions = typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
        if (statement.Effect !== 'Allow' || statement.Resource !== '*' || !actions.some((action) => moved.has(action))) {
          statements.push(statement);
          continue;
        }
        for (const action of actions) if (moved.has(action)) found.add(action);
        const kept = actions.filter((action) => !moved.has(action));
        if (kept.length) statements.push({ ...statement, Action: kept.length === 1 ? kept[0] : kept });
      }
      if (found.size) statements.push({ Sid: 'LogGroupResourcePolicies', Effect: 'Allow', Action: [...found].sort(), Resource: logGroups });
      return { ...resolved, Statement: statements };
    },
  });

  Validations.of(stateMachine).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" is left only for logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries (log delivery for the execution logs) and xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets (tracing): the Service Authorization Reference for CloudWatch Logs and for X-Ray lists no resource type for these actions, so they accept only "*". test/infra asserts this allow-list.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
      reason:
        'logs:PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups let Step Functions give its log delivery write access to the workflow log group on first use. The CloudWatch Logs user guide (Logs sent to CloudWatch Logs) asks for them on a log-group wildcard ARN rather than a single log group, so they are granted on the log groups of this account and region and nothing wider.',
    },
  );
}
