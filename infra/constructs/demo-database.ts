/**
 * Optional (context `demoDatabase=true`): an Aurora Serverless v2 PostgreSQL cluster with the Data API
 * enabled and a seeded demo schema (customers, orders), so a first deploy has something to protect.
 *
 * It costs nothing while idle as far as Aurora allows: minimum capacity 0 (the cluster pauses after five
 * idle minutes; the first command after a pause waits while it resumes, which the executor retries), no
 * NAT gateway, no interface endpoints. Nothing connects to it over the network: the VPC has only isolated
 * subnets and the cluster's security group no ingress rule; every query goes through the Data API. What
 * remains are storage and the secret (see "Deploy to AWS" in README.md).
 */
import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import { CustomResourceProvider } from './custom-resource-provider';

export interface DemoDatabaseProps {
  readonly defaults: FunctionDefaults;
  readonly logRetention: logs.RetentionDays;
}

export class DemoDatabase extends Construct {
  static readonly DATABASE_NAME = 'demo';
  readonly cluster: rds.DatabaseCluster;
  readonly secret: secretsmanager.ISecret;
  readonly seed: CustomResource;

  constructor(scope: Construct, id: string, props: DemoDatabaseProps) {
    super(scope, id);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      // The default security group is attached to nothing here (the cluster has its own, without
      // ingress), so stripping its rules would only add another custom-resource Lambda to the stack.
      restrictDefaultSecurityGroup: false,
    });
    vpc.addFlowLog('FlowLogs', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogGroup', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_13 }),
      writer: rds.ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false, autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: 0,
      serverlessV2MaxCapacity: 2,
      serverlessV2AutoPauseDuration: Duration.minutes(5),
      enableDataApi: true,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      defaultDatabaseName: DemoDatabase.DATABASE_NAME,
      credentials: rds.Credentials.fromGeneratedSecret('accessgate_demo'),
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: false,
      // Synthetic rows only: the demo goes away with the stack, snapshot included.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.secret = this.cluster.secret!;

    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS10',
      reason:
        'The optional demo cluster holds only generated sample rows (customers, orders) and is meant to be removed with `cdk destroy`; deletion protection would make every teardown of a try-out fail. Real databases are the customer\'s own clusters, named in the config file and never managed by this stack.',
    });
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the demo master secret needs a rotation Lambda inside the VPC plus a Secrets Manager interface endpoint (a standing hourly charge) because the VPC has no internet route. The secret guards synthetic demo data and is readable only by the executor and seed roles.',
    });

    const seedHandler = new AccessgateFunction(this, 'SeedDemoSchema', {
      entry: 'infra/constructs/demo-seed-handler.ts',
      description: 'Deploy time: create and fill the demo schema (customers, orders) through the Data API',
      // Waits for a resuming cluster; the Provider framework allows its handler up to 15 minutes.
      timeout: Duration.minutes(10),
      defaults: props.defaults,
    });
    seedHandler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'SeedDemoSchema', actions: ['rds-data:ExecuteStatement'], resources: [this.cluster.clusterArn] }),
    );
    seedHandler.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadDemoCredentials', actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
    );
    const provider = new CustomResourceProvider(this, 'SeedProvider', {
      onEvent: seedHandler,
      operations: props.defaults.operations,
      logRetention: props.logRetention,
    });
    this.seed = new CustomResource(this, 'Seed', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AccessgateDemoSeed',
      properties: { ClusterArn: this.cluster.clusterArn, SecretArn: this.secret.secretArn, Database: DemoDatabase.DATABASE_NAME },
    });
    // The writer instance, not only the cluster, must exist before the Data API can run anything.
    this.seed.node.addDependency(this.cluster);
  }
}
