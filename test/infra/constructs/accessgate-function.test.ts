/**
 * The function defaults construct: every function of the stack shares runtime, architecture, tracing,
 * logging, dead-letter queue and error alarm; its role holds nothing but what it is bound to; bindTable
 * grants exactly the mode's actions and sets the variable the handler reads.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DECISION_REQUEST_SECONDS } from '../../../functions/domain/session-outcome';
import { AccessgateFunction, TABLE_ACTIONS, type TableAccess } from '../../../infra/constructs/accessgate-function';
import type { AccessgateTable } from '../../../infra/constructs/tables';
import { asArray, logicalId, type Statement, statementsOf, synth } from '../synth';

const { stack, json } = synth();
const functions = stack.node.findAll().filter((c): c is AccessgateFunction => c instanceof AccessgateFunction);
const { sessions, events, results } = stack.tables;
const dlq = logicalId(stack.operations.deadLetterQueue);
const roleOf = (fn: AccessgateFunction) => logicalId(fn.role!);

/** "action resource" pairs, so the policy minimiser's merging and ordering do not matter. */
const pairs = (statements: Statement[], prefix: string) =>
  statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => asArray(s.Action).filter((a) => a.startsWith(prefix)).flatMap((a) => asArray(s.Resource).map((r) => `${a} ${JSON.stringify(r)}`)))
    .sort();

const expectedPairs = (bindings: Array<[AccessgateTable, TableAccess]>) =>
  [
    ...new Set(
      bindings.flatMap(([table, access]) => {
        const resources = [table.table.tableArn, ...table.definition.indexes.map((i) => `${table.table.tableArn}/index/${i.indexName}`)];
        return TABLE_ACTIONS[access].flatMap((action) => resources.map((r) => `${action} ${JSON.stringify(stack.resolve(r))}`));
      }),
    ),
  ].sort();

describe('every function', () => {
  it('is built with the defaults construct', () => {
    const all = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const ours = new Set(functions.map(logicalId));
    // The only others are CDK's custom-resource framework functions.
    for (const [id, resource] of all.filter(([id]) => !ours.has(id))) {
      expect(resource.Properties!.Description, id).toMatch(/^AWS CDK resource provider framework/);
    }
    expect(functions.length).toBeGreaterThanOrEqual(10);
  });

  it.each(functions.map((fn) => [fn.node.path, fn] as const))('%s: nodejs24.x on arm64, traced, JSON logs, source maps', (_, fn) => {
    const props = json.Resources[logicalId(fn)].Properties!;
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
    });
    expect(props.Environment.Variables).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      GROUPS_CLAIM: 'cognito:groups',
      ADMIN_GROUP: 'admins',
      AUDITOR_GROUP: 'auditors',
      RESULT_MAX_ROWS: '10000',
      SESSIONS_TABLE: { Ref: logicalId(sessions.table) },
      EVENTS_TABLE: { Ref: logicalId(events.table) },
      RESULTS_TABLE: { Ref: logicalId(results.table) },
    });
    // Links in notifications point at the web UI, served by the CloudFront distribution.
    expect(props.Environment.Variables.WEB_URL).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.web.distribution), 'DomainName'] }]] });
  });

  it.each(functions.map((fn) => [fn.node.path, fn] as const))('%s: own log group with retention, written only by its own role', (_, fn) => {
    const props = json.Resources[logicalId(fn)].Properties!;
    const logGroupId = props.LoggingConfig.LogGroup.Ref as string;
    expect(json.Resources[logGroupId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
    const role = json.Resources[roleOf(fn)].Properties!;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(pairs(statementsOf(json, roleOf(fn)), 'logs:')).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} ${JSON.stringify({ 'Fn::GetAtt': [logGroupId, 'Arn'] })}`),
    );
  });

  it.each(functions.map((fn) => [fn.node.path, fn] as const))('%s: has an error alarm', (_, fn) => {
    const alarms = Object.values(json.Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.MetricName === 'Errors' && JSON.stringify(r.Properties!.Dimensions).includes(`"${logicalId(fn)}"`),
    );
    expect(alarms).toHaveLength(1);
  });
});

describe('bindTable', () => {
  const dynamoPairs = (fn: AccessgateFunction) => pairs(statementsOf(json, roleOf(fn)), 'dynamodb:');
  const wf = stack.workflow;
  const bindings: Array<[string, AccessgateFunction, Array<[AccessgateTable, TableAccess]>]> = [
    ['identity', stack.functions.identity, [[sessions, 'RO']]],
    ['sessions', stack.functions.sessions, [[sessions, 'RW'], [events, 'APPEND'], [results, 'RO']]],
    ['reviews', stack.functions.reviews, [[sessions, 'RW'], [events, 'APPEND']]],
    ['rules', stack.functions.rules, [[sessions, 'RW'], [events, 'APPEND']]],
    ['evaluate', wf.evaluate, [[sessions, 'RW'], [events, 'APPEND']]],
    ['await-review', wf.awaitReview, [[sessions, 'RW'], [events, 'APPEND']]],
    ['expire', wf.expire, [[sessions, 'RW'], [events, 'APPEND']]],
    ['record', wf.record, [[sessions, 'RW'], [events, 'APPEND']]],
    ['open-window', wf.openWindow, [[sessions, 'RW'], [events, 'APPEND']]],
    ['end-window', wf.endWindow, [[sessions, 'RW'], [events, 'APPEND']]],
    ['execute', wf.execute, [[sessions, 'RW'], [events, 'APPEND'], [results, 'RW']]],
    ['apply-config', stack.configSeed.handler, [[sessions, 'RW'], [events, 'APPEND']]],
  ];

  it.each(bindings)('grants the %s function exactly its bound tables, indexes named one by one', (_, fn, expected) => {
    expect(dynamoPairs(fn)).toEqual(expectedPairs(expected));
    expect(dynamoPairs(fn).join('\n')).not.toContain('/index/*');
  });

  it('modes: APPEND adds and reads only, RO reads only, no mode scans or runs transactions', () => {
    expect([...TABLE_ACTIONS.APPEND].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']);
    expect(TABLE_ACTIONS.RO.every((action) => /:(Get|BatchGet|Query)/.test(action))).toBe(true);
    for (const actions of Object.values(TABLE_ACTIONS)) {
      expect(actions.filter((action) => /Scan|Transact|PartiQL|Table|\*/.test(action))).toEqual([]);
    }
  });
});

describe('timeouts', () => {
  const timeout = (fn: AccessgateFunction) => json.Resources[logicalId(fn)].Properties!.Timeout as number;

  it('keep API handlers inside API Gateway\'s 30 s integration timeout', () => {
    for (const fn of Object.values(stack.functions)) expect(timeout(fn), fn.node.path).toBeLessThanOrEqual(29);
    // ?wait=N may hold a response for up to 25 s.
    expect(timeout(stack.functions.sessions)).toBeGreaterThan(25);
  });

  it('end the functions that store a person\'s decision well before its lost event may be rebuilt (Slack\'s interactions run 5 s: slack.test.ts)', () => {
    for (const fn of [stack.functions.reviews, stack.functions.sessions]) expect(timeout(fn), fn.node.path).toBeLessThanOrEqual(DECISION_REQUEST_SECONDS - 10);
  });
});

describe('a missing handler module', () => {
  it('fails synthesis naming the module', () => {
    const scope = new Stack(new App(), 'Scratch');
    expect(
      () =>
        new AccessgateFunction(scope, 'Missing', {
          entry: 'functions/api/missing.ts',
          description: 'missing',
          timeout: Duration.seconds(3),
          defaults: stack.functionDefaults,
        }),
    ).toThrow('accessgate: handler module functions/api/missing.ts (function Missing) does not exist');
  });
});
