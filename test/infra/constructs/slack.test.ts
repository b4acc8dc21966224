/**
 * Slack on AWS: the secret shells, the public interactions route, the notify Lambda and its retries,
 * and who may read which secret or queue which job — each grant exactly as wide as its job.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray, leastPrivilegeViolations, logicalId, policyStatements, refersTo, roleOf, statementsOf, synth } from '../synth';

// With cdk-nag: synthesis throws on any unacknowledged AwsSolutions finding.
const { app, stack, json } = synth({ slackChannel: '#db-reviews' }, { nag: true });
const slack = stack.slack!;
const ids = {
  botToken: logicalId(slack.botToken),
  signingSecret: logicalId(slack.signingSecret),
  notify: logicalId(slack.notify),
  interactions: roleOf(slack.interactions),
  notifyRole: roleOf(slack.notify),
  reminderRole: roleOf(slack.followUpReminder),
  directory: roleOf(slack.directory),
  awaitReview: roleOf(stack.workflow.awaitReview),
  record: roleOf(stack.workflow.record),
  execute: roleOf(stack.workflow.execute),
  reconcile: roleOf(stack.workflow.reconcile),
  openWindow: roleOf(stack.workflow.openWindow),
  reviews: roleOf(stack.functions.reviews),
  sessions: roleOf(stack.functions.sessions),
  evaluate: roleOf(stack.workflow.evaluate),
};
const rolesGranted = (action: string, resourceId: string) =>
  policyStatements(json)
    .filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Action).includes(action) && refersTo(statement.Resource, resourceId))
    .flatMap((entry) => entry.roles)
    .sort();
const environmentOf = (fn: object) => json.Resources[logicalId(fn as never)].Properties!.Environment.Variables as Record<string, unknown>;

describe('Slack approvals on AWS', () => {
  it('pass cdk-nag with every finding acknowledged, and grant nothing broader than its job', () => {
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations: unknown[] }> };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    expect(leastPrivilegeViolations(json, logicalId(stack.tables.events.table))).toEqual([]);
  });

  it('creates the two secret shells, kept when the stack is deleted', () => {
    for (const id of [ids.botToken, ids.signingSecret]) {
      expect(json.Resources[id]).toMatchObject({ Type: 'AWS::SecretsManager::Secret', DeletionPolicy: 'Retain' });
    }
    expect(json.Outputs).toHaveProperty('SlackBotTokenSecretArn');
    expect(json.Outputs).toHaveProperty('SlackSigningSecretArn');
    expect(json.Outputs).toHaveProperty('SlackInteractivityUrl');
  });

  it('serves POST /slack/interactions without the JWT authorizer, and the directory API with it', () => {
    const routes = Object.values(json.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties!);
    expect(routes.find((r) => r.RouteKey === 'POST /slack/interactions')).toMatchObject({ AuthorizationType: 'NONE' });
    for (const key of ['GET /directory/users', 'GET /directory/users/{email}', 'PUT /directory/users/{email}', 'DELETE /directory/users/{email}']) {
      expect(routes.find((r) => r.RouteKey === key)).toMatchObject({ AuthorizationType: 'JWT' });
    }
  });

  it('lets only the interactions function read the signing secret, and only the posters read the bot token', () => {
    expect(rolesGranted('secretsmanager:GetSecretValue', ids.signingSecret)).toEqual([ids.interactions]);
    expect(rolesGranted('secretsmanager:GetSecretValue', ids.botToken)).toEqual([ids.awaitReview, ids.interactions, ids.notifyRole, ids.reminderRole].sort());
  });

  it('lets the functions that change sessions queue jobs for the notify Lambda, and nothing else invoke it', () => {
    // Execute is one of them: it records a reviewed command's outcome (or its denial) itself.
    expect(rolesGranted('lambda:InvokeFunction', ids.notify)).toEqual([ids.awaitReview, ids.execute, ids.interactions, ids.openWindow, ids.reconcile, ids.record, ids.reviews, ids.sessions].sort());
    expect(environmentOf(stack.workflow.execute)).toMatchObject({ NOTIFY_FUNCTION_NAME: { Ref: ids.notify } });
    expect(statementsOf(json, ids.evaluate).some((s) => refersTo(s.Resource, ids.notify))).toBe(false);
    expect(environmentOf(stack.functions.reviews)).toMatchObject({ NOTIFY_FUNCTION_NAME: { Ref: ids.notify } });
    expect(environmentOf(stack.functions.reviews)).not.toHaveProperty('SLACK_BOT_TOKEN_SECRET_ARN');
  });

  it('runs the follow-up reminder hourly, reading the open follow-ups index, claiming in the ledger and appending to the event log only', () => {
    const rule = json.Resources[logicalId(slack.followUpSchedule)]!.Properties!;
    expect(rule).toMatchObject({ ScheduleExpression: 'cron(5 * * * ? *)', State: 'ENABLED' });
    expect(refersTo(rule.Targets, logicalId(slack.followUpReminder))).toBe(true);
    const permission = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties!.Principal === 'events.amazonaws.com' && refersTo(r.Properties!.FunctionName, logicalId(slack.followUpReminder)),
    );
    expect(permission?.Properties).toMatchObject({ Action: 'lambda:InvokeFunction' });
    expect(refersTo(permission?.Properties!.SourceArn, logicalId(slack.followUpSchedule))).toBe(true);

    const statements = statementsOf(json, ids.reminderRole);
    const sessionsTable = logicalId(stack.tables.sessions.table);
    const onSessions = statements.filter((s) => refersTo(s.Resource, sessionsTable));
    expect(onSessions.flatMap((s) => asArray(s.Action))).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect(JSON.stringify(onSessions.map((s) => s.Resource))).toContain('/index/byOpenFollowUp');
    const onEvents = statements.filter((s) => refersTo(s.Resource, logicalId(stack.tables.events.table))).flatMap((s) => asArray(s.Action));
    expect(onEvents).toContain('dynamodb:PutItem');
    expect(onEvents).not.toContain('dynamodb:UpdateItem');
    expect(statements.flatMap((s) => asArray(s.Action)).some((action) => action === 'dynamodb:Scan')).toBe(false);
    expect(environmentOf(slack.followUpReminder)).toMatchObject({ SLACK_BOT_TOKEN_SECRET_ARN: { Ref: ids.botToken }, SLACK_DEFAULT_CHANNEL: '#db-reviews' });
  });

  it('has Lambda retry a failed notification job twice, then hand it to the dead-letter queue', () => {
    const config = Object.values(json.Resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && refersTo(r.Properties!.FunctionName, ids.notify))!.Properties!;
    expect(config).toMatchObject({ FunctionName: { Ref: ids.notify }, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 });
    expect(json.Resources[ids.notify].Properties!.DeadLetterConfig).toBeDefined();
  });

  it('checks Slack users against the Cognito user pool by default, and may resume reviews', () => {
    const statements = statementsOf(json, ids.interactions);
    const directory = statements.find((s) => s.Sid === 'ReadDirectory')!;
    expect(asArray(directory.Action).sort()).toEqual(['cognito-idp:AdminListGroupsForUser', 'cognito-idp:ListUsers']);
    expect(refersTo(directory.Resource, logicalId(stack.identity.userPool!))).toBe(true);
    expect(statements.some((s) => asArray(s.Action).includes('states:SendTaskSuccess'))).toBe(true);
    expect(environmentOf(slack.interactions)).toMatchObject({
      DIRECTORY: 'cognito',
      SLACK_SIGNING_SECRET_ARN: { Ref: ids.signingSecret },
      SLACK_BOT_TOKEN_SECRET_ARN: { Ref: ids.botToken },
      SLACK_DEFAULT_CHANNEL: '#db-reviews',
    });
    expect(json.Resources[logicalId(slack.interactions)].Properties!.Timeout).toBeLessThanOrEqual(5);
  });

  it('has the reviews function of the API resolve reviewers through the same directory as a Slack click', () => {
    const directory = statementsOf(json, ids.reviews).find((s) => s.Sid === 'ReadDirectory')!;
    expect(asArray(directory.Action).sort()).toEqual(['cognito-idp:AdminListGroupsForUser', 'cognito-idp:ListUsers']);
    expect(environmentOf(stack.functions.reviews)).toMatchObject({ DIRECTORY: 'cognito', DIRECTORY_USER_POOL_ID: environmentOf(slack.interactions).DIRECTORY_USER_POOL_ID });
  });
});

describe('Slack with the mapping-table directory', () => {
  const table = synth({ slackChannel: 'C0123ABCD', slackDirectory: 'table' });

  it('grants no Cognito access and leaves the directory to the table', () => {
    const interactions = table.stack.slack!.interactions;
    expect(statementsOf(table.json, logicalId(interactions.role as never)).some((s) => asArray(s.Action).some((a) => a.startsWith('cognito-idp:')))).toBe(false);
    expect(table.json.Resources[logicalId(interactions)].Properties!.Environment.Variables).not.toHaveProperty('DIRECTORY');
  });

  it('refuses a channel that is neither a name nor an id', () => {
    expect(() => synth({ slackChannel: 'db reviews' })).toThrow(/slackChannel/);
  });
});
