/**
 * Slack approvals on AWS: the two secret shells the admin fills after deploy (bot token, signing
 * secret), the public interactions endpoint (Slack signs its requests; no JWT), the notify Lambda that
 * runs notification jobs after their callers have answered, and the directory API that maps a Slack
 * user's email to an accessgate identity when the directory is the mapping table.
 *
 * Each grant comes with the variable that uses it (`bindPoster`, `bindQueue`), as `bindTable` does:
 * only the functions that post to Slack read the bot token, only the interactions function reads the
 * signing secret, and the others can merely queue a job for the notify Lambda.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import type { AccessgateApi } from './api';
import { hourlySchedule } from './hourly-schedule';
import type { AccessgateTables } from './tables';
import type { Workflow } from './workflow';

export interface SlackProps {
  readonly defaults: FunctionDefaults;
  readonly tables: AccessgateTables;
  readonly api: AccessgateApi;
  readonly workflow: Workflow;
  /** Channel for review requests when neither the rule nor the resource names one. */
  readonly defaultChannel: string;
  /** Where a Slack user's groups come from: this Cognito user pool, or (undefined) the mapping table. */
  readonly directoryUserPool?: cognito.IUserPool;
}

export class Slack extends Construct {
  readonly botToken: secretsmanager.Secret;
  readonly signingSecret: secretsmanager.Secret;
  readonly notify: AccessgateFunction;
  readonly interactions: AccessgateFunction;
  readonly directory: AccessgateFunction;
  /** Reminds the approvers' channel of each overdue break-glass follow-up, once (functions/slack/follow-up-reminder.ts). */
  readonly followUpReminder: AccessgateFunction;
  readonly followUpSchedule: events.Rule;

  constructor(scope: Construct, id: string, private readonly props: SlackProps) {
    super(scope, id);
    const { defaults, tables, api, workflow } = props;

    const shell = (name: string, what: string) => {
      const secret = new secretsmanager.Secret(this, name, {
        description: `accessgate: ${what}. Created with a random placeholder; put the value from the Slack app's settings (README, "Slack").`,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: `The ${what} is issued by Slack and rotated in the Slack app's settings; no Lambda can rotate it. The admin puts the new value here.`,
      });
      return secret;
    };
    this.botToken = shell('BotToken', 'Slack bot token (xoxb-…)');
    this.signingSecret = shell('SigningSecret', 'Slack signing secret');

    // Each of these reads and updates sessions and records what it did in the event log.
    const sessionFunction = (name: string, fnProps: { entry: string; description: string; timeout: Duration }) =>
      new AccessgateFunction(this, name, { ...fnProps, defaults }).bindSessionWriter(tables);

    this.notify = sessionFunction('Notify', {
      entry: 'functions/slack/notify.ts',
      description: 'Slack: post, redraw and answer in the background; failures are recorded and retried',
      // Slack calls time out after SLACK_TIMEOUT_MS; a redraw makes a few of them.
      timeout: Duration.seconds(30),
    });
    // Lambda's own retry of a failed job: twice, then the dead-letter queue of the function defaults.
    this.notify.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6) });
    this.bindPoster(this.notify);

    // Reads the open follow-ups index, claims each reminder in the notification ledger (Sessions table)
    // and records it in the event log.
    this.followUpReminder = sessionFunction('FollowUpReminder', {
      entry: 'functions/slack/follow-up-reminder.ts',
      description: 'Slack: reminds the approvers\' channel once of each overdue break-glass follow-up',
      timeout: Duration.minutes(2),
    });
    this.bindPoster(this.followUpReminder);
    this.followUpSchedule = hourlySchedule(this, 'HourlyFollowUpReminder', { fn: this.followUpReminder, minute: 5, description: 'accessgate: remind approvers\' channels of break-glass follow-ups past their due time' });

    this.interactions = sessionFunction('Interactions', {
      entry: 'functions/slack/interactions.ts',
      description: 'Slack: approve and deny clicks and modals (POST /slack/interactions, signed by Slack)',
      // Slack gives up after 3 s; nothing in the handler may wait longer than that.
      timeout: Duration.seconds(5),
    });
    this.signingSecret.grantRead(this.interactions);
    this.interactions.addEnvironment('SLACK_SIGNING_SECRET_ARN', this.signingSecret.secretArn);
    this.bindPoster(this.interactions);
    this.bindQueue(this.interactions);
    workflow.bindReviewResponder(this.interactions);
    api.addRoute('/slack/interactions', 'POST', this.interactions, {
      auth: false,
      publicBecause:
        "Slack cannot present a JWT. The handler verifies Slack's v0 signature (HMAC-SHA256 with the signing secret, timestamp within five minutes) on the raw body and answers 401, recording nothing, to anything else.",
    });

    this.directory = sessionFunction('Directory', {
      entry: 'functions/api/directory.ts',
      description: 'API: the directory that maps a Slack user\'s email to an accessgate identity',
      timeout: Duration.seconds(10),
    });
    api.addRoutes(this.directory, ['GET /directory/users', 'GET /directory/users/{email}', 'PUT /directory/users/{email}', 'DELETE /directory/users/{email}'], { auth: true });

    this.bindReviewer(this.interactions);
    if (props.directoryUserPool) {
      this.directory.addEnvironment('DIRECTORY', 'cognito');
      this.directory.addEnvironment('DIRECTORY_USER_POOL_ID', props.directoryUserPool.userPoolId);
    }
  }

  /**
   * Lets a function that decides reviews resolve reviewers through the same directory as a Slack click
   * (functions/app/people.ts): one source of reviewers' groups on every path. The mapping table is the
   * default and lives in the Sessions table, which such a function already binds.
   */
  bindReviewer(fn: AccessgateFunction): void {
    const pool = this.props.directoryUserPool;
    if (!pool) return;
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadDirectory', actions: ['cognito-idp:ListUsers', 'cognito-idp:AdminListGroupsForUser'], resources: [pool.userPoolArn] }),
    );
    fn.addEnvironment('DIRECTORY', 'cognito');
    fn.addEnvironment('DIRECTORY_USER_POOL_ID', pool.userPoolId);
  }

  /** The interactivity URL to paste into the Slack app (the manifest's `interactivity.request_url`). */
  get interactivityUrl(): string {
    return `${this.props.api.url}slack/interactions`;
  }

  /** Lets the function post to Slack: reads the bot token, and learns where it is and the default channel. */
  bindPoster(fn: AccessgateFunction): AccessgateFunction {
    this.botToken.grantRead(fn);
    fn.addEnvironment('SLACK_BOT_TOKEN_SECRET_ARN', this.botToken.secretArn);
    fn.addEnvironment('SLACK_DEFAULT_CHANNEL', this.props.defaultChannel);
    return fn;
  }

  /** Lets the function hand notification jobs to the notify Lambda (asynchronous invocations only). */
  bindQueue(fn: AccessgateFunction): AccessgateFunction {
    return fn.bindInvoke(this.notify, 'NOTIFY_FUNCTION_NAME', 'QueueNotifications');
  }

  static channelFrom(value: unknown): string | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !/^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20})$/.test(value)) {
      throw new Error(`accessgate: context "slackChannel" must be a channel name (#db-reviews) or id (C0123ABCD), got ${JSON.stringify(value)}`);
    }
    return value;
  }
}
