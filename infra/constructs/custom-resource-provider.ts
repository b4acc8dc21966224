/**
 * A CloudFormation custom resource provider (custom_resources.Provider) held to the same standard as the
 * stack's own functions: its framework function gets a role scoped to its own log group instead of the
 * AWS managed basic-execution policy, a log group with retention, and, because CloudFormation invokes it
 * asynchronously, the stack's dead-letter queue for invocations that fail after Lambda's retries.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { AccessgateFunction } from './accessgate-function';
import type { Operations } from './operations';

export interface CustomResourceProviderProps {
  readonly onEvent: AccessgateFunction;
  readonly operations: Operations;
  readonly logRetention: logs.RetentionDays;
}

export class CustomResourceProvider extends Construct {
  readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: CustomResourceProviderProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'FrameworkLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, 'FrameworkRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Custom resource framework of ${props.onEvent.node.path}`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: props.onEvent,
      frameworkOnEventRole: role,
      logGroup,
    });
    const framework = this.provider.node.findChild('framework-onEvent') as lambda.Function;
    props.operations.catchAsyncFailures(framework);

    const handlerLogicalId = Stack.of(this).resolve((props.onEvent.node.defaultChild as lambda.CfnFunction).logicalId) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
      reason:
        'CDK\'s Provider grants its framework lambda:InvokeFunction on the one handler function it fronts and on that function\'s versions and aliases (":*"); the wildcard cannot reach any other function.',
    });
  }

  get serviceToken(): string {
    return this.provider.serviceToken;
  }
}
