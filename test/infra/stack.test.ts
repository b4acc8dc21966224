/**
 * The whole stack: cdk-nag AwsSolutionsChecks pass with every acknowledgement accounted for and
 * explained; no identity policy anywhere is broader than its job (least privilege, proven over every
 * statement); nobody can change or delete an event; the outputs an operator needs exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, loadProductConfig } from '../../infra/app';
import { EVENT_MUTATING_ACTIONS } from '../../infra/constructs/tables';
import { LOG_GROUP_POLICY_ACTIONS } from '../../infra/constructs/state-machine-logging';
import { asArray, leastPrivilegeViolations, logicalId, policyStatements, sortedResources, statementsOf, synth } from './synth';

// With cdk-nag: synthesis throws on any unacknowledged AwsSolutions finding.
const { app, stack, json, template } = synth({}, { nag: true });
const eventsId = logicalId(stack.tables.events.table);
const config = loadProductConfig(EXAMPLE_CONFIG);

/** Every acknowledgement in the app: the rule, where, and why. */
const acknowledgements = stack.node
  .findAll()
  .flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id: id.replace(/^\w+::/, ''), path: construct.node.path, reason })),
      ),
  );

describe('cdk-nag AwsSolutionsChecks', () => {
  it('pass with zero unacknowledged findings', () => {
    // Synthesis above would have thrown on an error; the report shows no finding of any severity left.
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; violations: unknown[] }>;
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it('are acknowledged only where a reviewer would accept it', () => {
    const rules = [...new Set(acknowledgements.map((a) => a.id.replace(/\[.*$/, '')))].sort();
    expect(rules).toEqual([
      'AwsSolutions-APIG4',
      // The web UI's CloudFront distribution and bucket (reasons in infra/constructs/web.ts).
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
      'AwsSolutions-COG8',
      'AwsSolutions-IAM5',
      'AwsSolutions-S1',
      // The cursor key: no rotation schedule (reason in infra/stack.ts).
      'AwsSolutions-SMG4',
    ]);
    const publicRoutes = acknowledgements.filter((a) => a.id.endsWith('APIG4')).map((a) => a.path);
    // The WebSocket API's message routes: API Gateway authorises a connection once, at $connect.
    expect(publicRoutes.sort()).toEqual([expect.stringMatching(/GET--health/), 'Accessgate/Push/SocketApi/ping-Route', 'Accessgate/Push/SocketApi/subscribe-Route']);
    const iam5 = acknowledgements.filter((a) => a.id.includes('IAM5')).map((a) => a.id);
    // "*" only for the X-Ray and log-delivery actions (asserted below); ":*" only for the versions of the
    // one function a custom resource Provider fronts.
    expect([...new Set(iam5)].sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<ConfigSeedApplyConfig\w+\.Arn>:\*\]$/),
      // Audit evidence: each writer adds objects under its own key prefix, the audit API reads them, and the
      // table export follows the event table's exports (reasons in infra/constructs/evidence.ts).
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<EvidenceBucket\w+\.Arn>\/digests\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<EvidenceBucket\w+\.Arn>\/evidence\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<EvidenceBucket\w+\.Arn>\/public-keys\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<EvidenceBucket\w+\.Arn>\/table-exports\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<EvidenceStaging\w+\.Arn>\/exports\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<TablesEvents\w+\.Arn>\/export\/\*\]$/),
      // The exporter reads the event table's streams only (reason in infra/constructs/evidence.ts).
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<TablesEvents\w+\.Arn>\/stream\/\*\]$/),
      // The push to waiting clients reads the sessions table's streams only (reason in infra/constructs/push.ts).
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<TablesSessions\w+\.Arn>\/stream\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<WebContentDeploy\w+\.Arn>:\*\]$/),
      // PostToConnection on the WebSocket API's one stage (infra/constructs/push.ts).
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<PushSocketApi\w+>\/live\/POST\/@connections\/\*\]$/),
      // The state machine's log-group resource policy actions (infra/constructs/state-machine-logging.ts).
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
    ]);
  });

  it('carry a reason a security reviewer can check', () => {
    for (const { id, path, reason } of acknowledgements) {
      expect(reason.length, `${id} at ${path}`).toBeGreaterThan(100);
      expect(reason).not.toMatch(/TODO|later|temporary/i);
    }
  });
});

describe('least privilege', () => {
  it('no statement in the template is broader than its job', () => {
    expect(leastPrivilegeViolations(json, eventsId)).toEqual([]);
  });

  it('rds-data is granted only statements and transactions, only on the configured clusters', () => {
    const grants = policyStatements(json).filter(({ statement }) => asArray(statement.Action).some((a) => a.startsWith('rds-data:')));
    expect(new Set(grants.flatMap(({ statement }) => asArray(statement.Action)))).toEqual(
      new Set(['rds-data:BeginTransaction', 'rds-data:ExecuteStatement', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction']),
    );
    for (const { statement } of grants) expect(asArray(statement.Resource).sort()).toEqual(config.resources.map((r) => r.clusterArn).sort());
  });

  it('secrets are readable only at their configured ARNs', () => {
    const grants = policyStatements(json).filter(({ statement }) => asArray(statement.Action).some((a) => a.startsWith('secretsmanager:')));
    expect([...new Set(grants.flatMap(({ statement }) => asArray(statement.Action)))]).toEqual(['secretsmanager:GetSecretValue']);
    // The databases' secrets (read by the executor, by the run function and by AwaitReview, for the preview), and the webhook key (read by the webhooks API and the deliverer).
    const webhookKey = { Ref: logicalId(stack.webhooks.key) };
    const databases = config.resources.map((r) => r.secretArn);
    expect(grants.flatMap(({ statement }) => asArray(statement.Resource)).sort()).toEqual([...databases, ...databases, ...databases, webhookKey, webhookKey].sort());
  });

  it('nothing may change log resource policies or list streams account-wide', () => {
    const onEverything = policyStatements(json)
      .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Resource).includes('*'))
      .flatMap(({ statement }) => asArray(statement.Action));
    expect(onEverything.length).toBeGreaterThan(0);
    for (const action of [...LOG_GROUP_POLICY_ACTIONS, 'dynamodb:ListStreams']) expect(onEverything).not.toContain(action);
  });

  it('the state machine may set resource policies only on this account\'s and region\'s log groups', () => {
    const role = logicalId(stack.workflow.stateMachine.role);
    const grant = statementsOf(json, role).find((statement) => statement.Sid === 'LogGroupResourcePolicies')!;
    expect(asArray(grant.Action)).toEqual([...LOG_GROUP_POLICY_ACTIONS]);
    expect(grant.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
    });
    // Log delivery itself stays possible: those actions accept only "*".
    const star = statementsOf(json, role).filter((statement) => statement.Resource === '*').flatMap((statement) => asArray(statement.Action));
    expect(star).toEqual(expect.arrayContaining(['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries']));
  });

  it('the audit exporter reads only the event table\'s streams, through the same stream mapping as before', () => {
    const role = logicalId(stack.evidence.exporter.role!);
    const grant = statementsOf(json, role).find((statement) => statement.Sid === 'ReadEventStream')!;
    expect(asArray(grant.Action).sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
    expect(grant.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [eventsId, 'Arn'] }, '/stream/*']] });
    // The logical id DynamoEventSource gave the mapping: changing it would replace the mapping, which would
    // start again at TRIM_HORIZON.
    template.hasResource('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: { 'Fn::GetAtt': [eventsId, 'StreamArn'] }, StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    const onTheStream = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).filter(([, mapping]) => JSON.stringify(mapping.Properties.EventSourceArn).includes(eventsId));
    expect(onTheStream.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^EvidenceExporterDynamoDBEventSourceAccessgateTablesEvents[0-9A-F]+$/),
      expect.stringMatching(/^WebhooksWebhookDispatcherDynamoDBEventSourceAccessgateTablesEvents[0-9A-F]+$/),
    ]);
  });

  it('task tokens can be answered only on the two session state machines', () => {
    const grants = policyStatements(json).filter(({ statement }) => asArray(statement.Action).some((a) => a.startsWith('states:SendTask')));
    expect(grants.length).toBeGreaterThan(0);
    const machines = sortedResources(stack.workflow.machines.map((machine) => ({ Ref: logicalId(machine) })));
    for (const { statement } of grants) expect(sortedResources(asArray(statement.Resource))).toEqual(machines);
  });
});

describe('the event log', () => {
  it('no role may update or delete an event, and the table itself denies it to everyone', () => {
    const mutating = new Set<string>([...EVENT_MUTATING_ACTIONS, 'dynamodb:DeleteTable', 'dynamodb:UpdateTable']);
    for (const { policy, statement } of policyStatements(json)) {
      const touchesEvents = asArray(statement.Resource).some((r) => r === '*' || JSON.stringify(r).includes(`"${eventsId}"`));
      if (touchesEvents) expect(asArray(statement.Action).filter((a) => mutating.has(a)), policy).toEqual([]);
    }
    const deny = json.Resources[eventsId].Properties!.ResourcePolicy.PolicyDocument.Statement[0];
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Resource: '*' });
    expect(deny.Action).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']));
  });
});

describe('outputs', () => {
  it('give the API URL, the user pool, the app client and the state machine', () => {
    expect(Object.keys(json.Outputs!)).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'SignInUrl', 'StateMachineArn', 'CommandReviewStateMachineArn', 'JwtIssuer', 'DeadLetterQueueUrl']),
    );
    expect(json.Outputs!.StateMachineArn.Value).toEqual({ Ref: logicalId(stack.workflow.stateMachine) });
    expect(json.Outputs!.CommandReviewStateMachineArn.Value).toEqual({ Ref: logicalId(stack.workflow.commandReview) });
  });
});
