/**
 * The workflow construct: the two state machines in the template are statemachines/session.asl.json and
 * command-review.asl.json with their substitutions resolved to the right functions, each invoking only
 * its own Tasks' functions; both are started by the sessions handler and watched by the reconciler; logging and tracing; the executor's database access is
 * exactly the configured clusters and secrets; task functions finish before their Task times out.
 */
import { Token } from 'aws-cdk-lib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, loadProductConfig } from '../../../infra/app';
import { ASL_PATHS, secretResource } from '../../../infra/constructs/workflow';
import { RUN_CLAIM_SECONDS } from '../../../functions/domain/command-run';
import { asArray, logicalId, normalized, policyStatements, roleOf, sortedResources, statementsOf, synth } from '../synth';

const { stack, template, json } = synth();
const workflow = stack.workflow;
const config = loadProductConfig(EXAMPLE_CONFIG);
const asl = readFileSync(ASL_PATHS.session, 'utf8');
const stateMachine = json.Resources[logicalId(workflow.stateMachine)].Properties!;
const commandReviewAsl = readFileSync(ASL_PATHS['command-review'], 'utf8');
const commandReview = json.Resources[logicalId(workflow.commandReview)].Properties!;

const taskFunctions = {
  EvaluateFunctionArn: workflow.evaluate,
  AwaitReviewFunctionArn: workflow.awaitReview,
  ExpireFunctionArn: workflow.expire,
  ExecuteFunctionArn: workflow.execute,
  RecordFunctionArn: workflow.record,
  OpenWindowFunctionArn: workflow.openWindow,
  EndWindowFunctionArn: workflow.endWindow,
};

describe('the session state machine', () => {
  it('is a Standard workflow whose DefinitionString is the ASL file, byte for byte', () => {
    expect(stateMachine.StateMachineType).toBe('STANDARD');
    expect(stateMachine.DefinitionString).toBe(asl);
  });

  it('resolves every ${...} placeholder of the file to the ARN of the matching task function', () => {
    const placeholders = [...new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))].sort();
    expect(Object.keys(stateMachine.DefinitionSubstitutions).sort()).toEqual(placeholders);
    for (const [name, fn] of Object.entries(taskFunctions)) {
      expect(stateMachine.DefinitionSubstitutions[name]).toEqual({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] });
    }
    // What CloudFormation will hand to Step Functions, with each ARN standing in as <logicalId>.
    const resolved = asl.replace(/\$\{(\w+)\}/g, (_, name: string) => `<${stateMachine.DefinitionSubstitutions[name]['Fn::GetAtt'][0]}>`);
    const definition = JSON.parse(resolved);
    expect(definition.States.Evaluate.Resource).toBe(`<${logicalId(workflow.evaluate)}>`);
    expect(definition.States.AwaitReview.Parameters.FunctionName).toBe(`<${logicalId(workflow.awaitReview)}>`);
    expect(definition.States.Execute.Resource).toBe(`<${logicalId(workflow.execute)}>`);
    expect(resolved).not.toMatch(/\$\{/);
  });

  it('logs every event without execution data (commands must not reach the logs) and traces with X-Ray', () => {
    expect(stateMachine.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(stateMachine.TracingConfiguration).toEqual({ Enabled: true });
    const logGroup = stateMachine.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(json.Resources[logGroup].Properties).toMatchObject({ RetentionInDays: 365 });
  });

  it('may invoke exactly the seven task functions, unqualified', () => {
    const invoke = statementsOf(json, logicalId(workflow.stateMachine.role)).filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke.map(normalized)).toEqual([
      {
        effect: 'Allow',
        actions: ['lambda:InvokeFunction'],
        resources: sortedResources(Object.values(taskFunctions).map((fn) => ({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] }))),
      },
    ]);
  });
});

describe('the command-review state machine', () => {
  const reviewTasks = {
    AwaitReviewFunctionArn: workflow.awaitReview,
    ExpireFunctionArn: workflow.expire,
    ExecuteFunctionArn: workflow.execute,
    RecordFunctionArn: workflow.record,
  };

  it('is a Standard workflow whose DefinitionString is its ASL file, byte for byte, with its four Tasks\' functions substituted', () => {
    expect(commandReview.StateMachineType).toBe('STANDARD');
    expect(commandReview.DefinitionString).toBe(commandReviewAsl);
    expect(commandReview.DefinitionSubstitutions).toEqual(
      Object.fromEntries(Object.entries(reviewTasks).map(([name, fn]) => [name, { 'Fn::GetAtt': [logicalId(fn), 'Arn'] }])),
    );
  });

  it('logs to the same log group without execution data, and traces with X-Ray', () => {
    expect(commandReview.LoggingConfiguration).toEqual(stateMachine.LoggingConfiguration);
    expect(commandReview.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(commandReview.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('has a role of its own that may invoke exactly its four task functions, unqualified', () => {
    expect(roleOf(workflow.commandReview)).not.toBe(roleOf(workflow.stateMachine));
    const invoke = statementsOf(json, roleOf(workflow.commandReview)).filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
    expect(invoke.map(normalized)).toEqual([
      {
        effect: 'Allow',
        actions: ['lambda:InvokeFunction'],
        resources: sortedResources(Object.values(reviewTasks).map((fn) => ({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] }))),
      },
    ]);
  });

  it('may write only the log-delivery and tracing grants the session machine has (scoped the same way)', () => {
    const others = (id: string) => statementsOf(json, id).filter((s) => !asArray(s.Action).includes('lambda:InvokeFunction')).map(normalized);
    expect(others(roleOf(workflow.commandReview))).toEqual(others(roleOf(workflow.stateMachine)));
  });
});

describe('task functions', () => {
  const definition = JSON.parse(asl);
  const taskTimeout = {
    EvaluateFunctionArn: definition.States.Evaluate.TimeoutSeconds,
    ExpireFunctionArn: definition.States.Expire.TimeoutSeconds,
    ExecuteFunctionArn: definition.States.Execute.TimeoutSeconds,
    RecordFunctionArn: definition.States.Record.TimeoutSeconds,
    OpenWindowFunctionArn: definition.States.OpenWindow.TimeoutSeconds,
    EndWindowFunctionArn: definition.States.EndWindow.TimeoutSeconds,
  } as Record<string, number>;

  it('finish before the Task that calls them times out', () => {
    for (const [name, seconds] of Object.entries(taskTimeout)) {
      const fn = taskFunctions[name as keyof typeof taskFunctions];
      expect(json.Resources[logicalId(fn)].Properties!.Timeout, name).toBeLessThan(seconds);
    }
  });

  it('give the executor more than the Data API statement limit (45 s) and the SDK timeout (60 s)', () => {
    expect(json.Resources[logicalId(workflow.execute)].Properties!.Timeout).toBeGreaterThan(60);
  });

  it('let the executor and the run function run statements only on the configured clusters and read only their secrets', () => {
    for (const fn of [workflow.execute, workflow.run]) expectRunnerGrants(fn);
  });

  const expectRunnerGrants = (fn: { role?: unknown }) => {
    const statements = statementsOf(json, roleOf(fn));
    const rdsData = statements.filter((s) => asArray(s.Action).some((action) => action.startsWith('rds-data:')));
    expect(rdsData.map(normalized)).toEqual([
      {
        effect: 'Allow',
        actions: ['rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:ExecuteStatement', 'rds-data:RollbackTransaction'].sort(),
        resources: sortedResources(config.resources.map((r) => r.clusterArn)),
      },
    ]);
    const secrets = statements.filter((s) => asArray(s.Action).some((action) => action.startsWith('secretsmanager:')));
    expect(secrets.map(normalized)).toEqual([
      { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: sortedResources(config.resources.map((r) => r.secretArn)) },
    ]);
  };

  it('let AwaitReview preview on the configured clusters in transactions it can roll back but never commit', () => {
    const statements = statementsOf(json, roleOf(workflow.awaitReview));
    const rdsData = statements.filter((s) => asArray(s.Action).some((action) => action.startsWith('rds-data:')));
    expect(rdsData.map(normalized)).toEqual([
      {
        effect: 'Allow',
        actions: ['rds-data:BeginTransaction', 'rds-data:ExecuteStatement', 'rds-data:RollbackTransaction'].sort(),
        resources: sortedResources(config.resources.map((r) => r.clusterArn)),
      },
    ]);
    expect(statements.flatMap((s) => asArray(s.Action))).not.toContain('rds-data:CommitTransaction');
  });

  it('keep every other function away from the databases', () => {
    for (const fn of [workflow.evaluate, workflow.expire, workflow.record, workflow.openWindow, workflow.endWindow, workflow.reconcile, ...Object.values(stack.functions)]) {
      const actions = statementsOf(json, roleOf(fn)).flatMap((s) => asArray(s.Action));
      expect(actions.filter((action) => /^(rds-data|secretsmanager|rds):/.test(action)), fn.node.path).toEqual([]);
    }
  });
});

describe('who may drive the workflow', () => {
  const smId = logicalId(workflow.stateMachine);
  const crId = logicalId(workflow.commandReview);
  const both = sortedResources([{ Ref: smId }, { Ref: crId }]);
  const statesStatements = (fn: { role?: unknown }) => statementsOf(json, roleOf(fn)).filter((s) => asArray(s.Action).some((a) => a.startsWith('states:')));

  it('the sessions handler starts executions of both state machines, whose ARNs it is given, and no other function does', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'API: submit, list, read and cancel sessions',
      Environment: { Variables: { STATE_MACHINE_ARN: { Ref: smId }, COMMAND_REVIEW_STATE_MACHINE_ARN: { Ref: crId } } },
    });
    const starts = statesStatements(stack.functions.sessions).filter((s) => asArray(s.Action).includes('states:StartExecution'));
    expect(sortedResources(starts.flatMap((s) => asArray(s.Resource)))).toEqual(both);
    expect(starts.flatMap((s) => asArray(s.Action))).toEqual(starts.map(() => 'states:StartExecution'));
    const starters = policyStatements(json).filter(({ statement }) => asArray(statement.Action).includes('states:StartExecution'));
    expect([...new Set(starters.flatMap(({ roles }) => roles))]).toEqual([roleOf(stack.functions.sessions)]);
  });

  it('only the sessions and reviews handlers may resume a review, and only on the two state machines', () => {
    const responders = [stack.functions.sessions, stack.functions.reviews];
    for (const fn of responders) {
      expect(statesStatements(fn).map(normalized)).toContainEqual({
        effect: 'Allow',
        actions: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
        resources: both,
      });
    }
    const others = [stack.functions.identity, stack.functions.rules, ...Object.values(taskFunctions), stack.configSeed.handler];
    for (const fn of others) expect(statesStatements(fn), fn.node.path).toEqual([]);
    for (const entry of Object.values(json.Resources).filter((r) => r.Type === 'AWS::IAM::Policy')) {
      for (const statement of asArray(entry.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)) {
        if (asArray(statement.Action).some((action) => action.startsWith('states:SendTask'))) {
          expect(sortedResources(asArray(statement.Resource))).toEqual(both);
        }
      }
    }
  });
});

describe('the reconciler', () => {
  const smId = logicalId(workflow.stateMachine);
  const crId = logicalId(workflow.commandReview);
  const ruleId = logicalId(workflow.executionEnded);
  const reconcilerArn = { 'Fn::GetAtt': [logicalId(workflow.reconcile), 'Arn'] };

  it('hears of every execution of either state machine that ends FAILED, TIMED_OUT or ABORTED, and of nothing else', () => {
    const rule = json.Resources[ruleId].Properties!;
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: smId }, { Ref: crId }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0]).toMatchObject({ Arn: reconcilerArn, RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } });
    // An event EventBridge cannot deliver lands in the dead-letter queue, whose alarm fires.
    expect(rule.Targets[0].DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/AsyncFailures/), 'Arn'] });
  });

  it('may be invoked by EventBridge for that rule only', () => {
    const permissions = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties!.FunctionName) === JSON.stringify(reconcilerArn),
    );
    expect(permissions.map((p) => p.Properties)).toEqual([
      { Action: 'lambda:InvokeFunction', FunctionName: reconcilerArn, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } },
    ]);
  });

  it('holds exactly the rights of Record, which closes sessions the same way, and none on the workflow', () => {
    const actions = (fn: { role?: unknown }) => [...new Set(statementsOf(json, roleOf(fn)).flatMap((s) => asArray(s.Action)))].sort();
    expect(actions(workflow.reconcile)).toEqual(actions(workflow.record));
    expect(actions(workflow.reconcile)).toContain('dynamodb:UpdateItem');
    expect(actions(workflow.reconcile).filter((action) => action.startsWith('states:'))).toEqual([]);
  });
});

describe('secretResource', () => {
  it('keeps a complete secret ARN and a token as they are', () => {
    const full = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:accessgate/orders-Xy12Ab';
    expect(secretResource(full)).toBe(full);
    const token = Token.asString({ Ref: 'Secret' });
    expect(secretResource(token)).toBe(token);
  });

  it('matches exactly the six-character suffix of a secret named without it', () => {
    expect(secretResource('arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders')).toBe(
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-??????',
    );
  });
});

describe('the run of a command no rule covers, outside the state machine', () => {
  const runId = logicalId(workflow.run);
  const runArn = { 'Fn::GetAtt': [runId, 'Arn'] };
  const reconcilerArn = { 'Fn::GetAtt': [logicalId(workflow.reconcile), 'Arn'] };

  it('runs as long as the executor, which outlasts the Data API and the SDK, and no longer than a claim (functions/domain/command-run.ts)', () => {
    const timeout = json.Resources[runId].Properties!.Timeout as number;
    expect(timeout).toBe(json.Resources[logicalId(workflow.execute)].Properties!.Timeout);
    expect(timeout).toBeGreaterThan(60);
    expect(timeout).toBeLessThan(RUN_CLAIM_SECONDS);
  });

  it('is retried twice by Lambda (a minute, then two: past a claim), and a run given up on goes to the reconciler', () => {
    // Lambda's retry delays are fixed at about 60 s and 120 s: the last retry comes after a claim has lapsed.
    expect(60 + 120).toBeGreaterThan(RUN_CLAIM_SECONDS);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: runId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: reconcilerArn } },
    });
    // The run function's role may invoke the reconciler, as Lambda does in its name for the destination.
    const invoke = statementsOf(json, roleOf(workflow.run)).filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    expect(invoke.flatMap((st) => asArray(st.Resource))).toContainEqual(reconcilerArn);
  });

  it('is started by the sessions handler alone, asynchronously, by the name it is given', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'API: submit, list, read and cancel sessions',
      Environment: { Variables: { RUN_FUNCTION_NAME: { Ref: runId } } },
    });
    const starters = Object.entries(json.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
      .filter(([, r]) => asArray(r.Properties!.PolicyDocument.Statement as Array<{ Resource: unknown }>).some((st) => JSON.stringify(st.Resource) === JSON.stringify(runArn)))
      .map(([, r]) => asArray(r.Properties!.Roles as unknown[]));
    expect(starters).toEqual([[{ Ref: roleOf(stack.functions.sessions) }]]);
  });
});
