/**
 * The accessgate stack: composes tables, identity, API, workflow, config seeding, operations and the
 * optional demo database, and wires each handler to exactly the access its work needs. This and
 * infra/local/ are the only places that know which runtime is running; the handlers do not.
 *
 * The constructs stay composable for later work: `api.addRoute(path, method, fn, { auth })` exposes a new
 * function (the Slack interactions endpoint is `auth: false`), `createFunction` builds one with the shared
 * defaults (alarm and dead-letter queue included), and `tables.events.table.tableStreamArn` feeds the
 * audit exporter.
 */
import { CfnOutput, Duration, Lazy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parseProductConfig, type ProductConfig } from '../functions/domain/product-config';
import { approverGroupsOf } from '../functions/domain/rule';
import { AccessgateFunction, type AccessgateFunctionProps, type FunctionDefaults } from './constructs/accessgate-function';
import { AccessgateApi } from './constructs/api';
import { ConfigSeed } from './constructs/config-seed';
import { DemoDatabase } from './constructs/demo-database';
import { AuditEvidence, evidenceRetentionDays } from './constructs/evidence';
import { type AuthSettings, Identity } from './constructs/identity';
import { OidcDiscovery } from './constructs/oidc-discovery';
import { Operations } from './constructs/operations';
import { WaitingClientsPush } from './constructs/push';
import { Slack } from './constructs/slack';
import { SessionDashboard } from './constructs/session-dashboard';
import { scopeLogDeliveryGrants } from './constructs/state-machine-logging';
import { AccessgateTables } from './constructs/tables';
import { WebContent, webSignInOf, WebUi } from './constructs/web';
import { Webhooks } from './constructs/webhooks';
import { type DatabaseTarget, Workflow } from './constructs/workflow';
import { DEMO_RULE_NAME, demoRule } from './demo-rule';

/** Everything the stack is configured with, read and validated from context by infra/app.ts. */
export interface AccessgateSettings {
  /** The admin's validated config file: protected resources and initial rules. */
  readonly config: ProductConfig;
  /** Where the config came from, for error messages. */
  readonly configSource: string;
  readonly auth: AuthSettings;
  readonly groupsClaim: string;
  readonly adminGroup: string;
  readonly auditorGroup: string;
  readonly demoDatabase: boolean;
  /** Base URL of the web UI for links in notifications; defaults to the web UI's CloudFront URL. */
  readonly webUrl?: string;
  readonly corsOrigins: readonly string[];
  readonly resultMaxRows: number;
  readonly logRetention: logs.RetentionDays;
  readonly alarmTopicArn?: string;
}

export interface AccessgateStackProps extends StackProps {
  readonly settings: AccessgateSettings;
}

/** The groups every deployment starts with (requesters, approvers, break-glass); the config adds its own. */
export const DEFAULT_GROUPS = ['dba', 'dba-approvers', 'sre'] as const;

/** What `-c demoDatabase=true` adds to the configuration (same names as the local runtime's demo). */
export const DEMO_RESOURCE_ID = 'postgres-demo';
export { DEMO_RULE_NAME };

/** Every group the product refers to: defaults, the admin and auditor groups, and those in the config. */
export function productGroups(settings: Pick<AccessgateSettings, 'config' | 'adminGroup' | 'auditorGroup'>): string[] {
  const { resources, rules } = settings.config;
  return [
    ...new Set([
      ...DEFAULT_GROUPS,
      settings.adminGroup,
      settings.auditorGroup,
      ...resources.flatMap((resource) => resource.allowedGroups),
      ...rules.flatMap((rule) => [...rule.requesterGroups, ...approverGroupsOf(rule), ...rule.forceApprovalGroups]),
    ]),
  ].sort();
}

/**
 * Adds the demo resource and its rule to the config. The combination is validated with the same schema as
 * the file (using placeholder ARNs, since the real ones are only known at deploy), so a clash with an id or
 * rule name in the file fails synthesis naming the field.
 */
export function withDemoDatabase(config: ProductConfig, source: string, demo: { clusterArn: string; secretArn: string }): ProductConfig {
  const resource = {
    id: DEMO_RESOURCE_ID,
    name: 'Demo PostgreSQL (Aurora Serverless v2)',
    type: 'postgres' as const,
    database: DemoDatabase.DATABASE_NAME,
    clusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:accessgate-demo',
    secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:accessgate-demo-AbCdEf',
    allowedGroups: ['dba', 'sre'],
  };
  const rule = demoRule([DEMO_RESOURCE_ID]);
  const combined = parseProductConfig(
    { resources: [...config.resources, resource], rules: [...config.rules, rule] },
    `${source} together with the demo database (-c demoDatabase=true)`,
  );
  return {
    ...combined,
    resources: combined.resources.map((r) => (r.id === DEMO_RESOURCE_ID ? { ...r, ...demo } : r)),
  };
}

export class AccessgateStack extends Stack {
  readonly settings: AccessgateSettings;
  readonly tables: AccessgateTables;
  readonly operations: Operations;
  /** The session metrics (EMF) on a dashboard, and the alarms on them. */
  readonly sessionDashboard: SessionDashboard;
  readonly identity: Identity;
  readonly api: AccessgateApi;
  readonly functionDefaults: FunctionDefaults;
  readonly demoDatabase?: DemoDatabase;
  /** The configuration seeded into the sessions table, demo resource included when enabled. */
  readonly productConfig: ProductConfig;
  readonly workflow: Workflow;
  readonly functions: {
    readonly identity: AccessgateFunction;
    readonly sessions: AccessgateFunction;
    readonly reviews: AccessgateFunction;
    readonly rules: AccessgateFunction;
  };
  readonly configSeed: ConfigSeed;
  /** With the organisation's own OIDC provider: its discovery document, read at deploy time for the web UI's CSP. */
  readonly oidcDiscovery?: OidcDiscovery;
  /** The web UI: S3 bucket and CloudFront distribution serving it with the API under /api. */
  readonly web: WebUi;
  /** Writes the web UI bundle and its config.json into the web bucket on deploy. */
  readonly webContent: WebContent;
  /** Slack approvals, present when `-c slackChannel=…` names the default channel. */
  readonly slack?: Slack;
  /** Audit evidence: the Object Lock bucket, the exporter, the signed hourly digests, the daily table export. */
  readonly evidence: AuditEvidence;
  /** Signed webhooks (API, dispatcher on the event stream, delivery queue and its dead letters) and the event bus. */
  readonly webhooks: Webhooks;
  /** The WebSocket API waiting clients follow sessions through, fed by the sessions table's stream. */
  readonly push: WaitingClientsPush;

  constructor(scope: Construct, id: string, props: AccessgateStackProps) {
    super(scope, id, {
      description: 'accessgate: approval-gated SQL access to production databases',
      ...props,
    });
    const settings = props.settings;
    this.settings = settings;

    this.tables = new AccessgateTables(this, 'Tables');
    this.operations = new Operations(this, 'Operations', { alarmTopicArn: settings.alarmTopicArn });
    this.sessionDashboard = new SessionDashboard(this, 'SessionDashboard', { operations: this.operations });
    this.identity = new Identity(this, 'Identity', { auth: settings.auth, groups: productGroups(settings) });
    this.api = new AccessgateApi(this, 'Api', {
      authorizer: this.identity.authorizer,
      logRetention: settings.logRetention,
      corsOrigins: settings.corsOrigins,
    });
    if (settings.auth.kind === 'jwt') {
      this.oidcDiscovery = new OidcDiscovery(this, 'OidcDiscovery', {
        issuer: settings.auth.issuer,
        operations: this.operations,
        deadLetterQueue: this.operations.deadLetterQueue,
        logRetention: settings.logRetention,
      });
    }
    this.web = new WebUi(this, 'Web', {
      httpApi: this.api.httpApi,
      signIn: webSignInOf(settings.auth, this.identity, this.oidcDiscovery?.connectSources),
      // The push is built below, on the function defaults that name the web UI's URL.
      socketOrigin: Lazy.string({ produce: () => this.push.origin }),
    });
    // Signs the API's listing cursors (functions/api/cursor.ts). Rotating it only turns outstanding
    // cursors into 400s; the value reaches the functions as an environment variable at deploy time.
    const cursorKey = new secretsmanager.Secret(this, 'CursorKey', {
      description: 'accessgate: HMAC key of the API\'s listing cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(cursorKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The cursor key only makes paging cursors tamper-evident; a cursor lives for one listing, so the key needs no rotation schedule, and replacing it only ends outstanding cursors.',
    });
    this.functionDefaults = {
      environment: {
        CURSOR_KEY: cursorKey.secretValue.unsafeUnwrap(),
        GROUPS_CLAIM: settings.groupsClaim,
        ADMIN_GROUP: settings.adminGroup,
        AUDITOR_GROUP: settings.auditorGroup,
        WEB_URL: settings.webUrl ?? this.web.url,
        RESULT_MAX_ROWS: String(settings.resultMaxRows),
      },
      tables: this.tables.all,
      deadLetterQueue: this.operations.deadLetterQueue,
      logRetention: settings.logRetention,
      operations: this.operations,
    };

    if (settings.demoDatabase) {
      this.demoDatabase = new DemoDatabase(this, 'DemoDatabase', {
        defaults: this.functionDefaults,
        logRetention: settings.logRetention,
      });
    }
    this.productConfig = this.demoDatabase
      ? withDemoDatabase(settings.config, settings.configSource, {
          clusterArn: this.demoDatabase.cluster.clusterArn,
          secretArn: this.demoDatabase.secret.secretArn,
        })
      : settings.config;
    const databases: DatabaseTarget[] = this.productConfig.resources.map(({ clusterArn, secretArn }) => ({ clusterArn, secretArn }));

    this.workflow = new Workflow(this, 'Workflow', {
      defaults: this.functionDefaults,
      tables: this.tables,
      databases,
      logRetention: settings.logRetention,
    });
    this.operations.watchStateMachine(this.workflow.stateMachine, 'Workflow');
    this.operations.watchStateMachine(this.workflow.commandReview, 'CommandReviewWorkflow');
    for (const stateMachine of this.workflow.machines) scopeLogDeliveryGrants(stateMachine);

    this.functions = this.addApiFunctions();
    this.push = new WaitingClientsPush(this, 'Push', {
      defaults: this.functionDefaults,
      tables: this.tables,
      issuer: this.identity.issuer,
      audience: this.identity.audience,
    });
    // GET /me names the socket, so the web UI and the CLI find it from the API alone.
    this.functions.identity.addEnvironment('SOCKET_URL', this.push.url);
    const slackChannel = Slack.channelFrom(this.node.tryGetContext('slackChannel'));
    if (slackChannel) this.slack = this.addSlack(slackChannel);
    // Without Slack the API is the only path to a review decision: the token is the one source of groups.
    else this.functions.reviews.addEnvironment('DIRECTORY', 'token');
    this.evidence = new AuditEvidence(this, 'Evidence', {
      defaults: this.functionDefaults,
      tables: this.tables,
      api: this.api,
      operations: this.operations,
      retentionDays: evidenceRetentionDays(this.node.tryGetContext('evidenceRetentionDays')),
    });

    this.webhooks = new Webhooks(this, 'Webhooks', { defaults: this.functionDefaults, tables: this.tables, api: this.api, operations: this.operations });

    this.configSeed = new ConfigSeed(this, 'ConfigSeed', {
      defaults: this.functionDefaults,
      tables: this.tables,
      config: this.productConfig,
      logRetention: settings.logRetention,
    });

    this.webContent = new WebContent(this, 'WebContent', { web: this.web, defaults: this.functionDefaults, logRetention: settings.logRetention });

    this.addOutputs();
  }

  /** Builds a function with the stack's shared defaults (runtime, logs, tracing, DLQ, error alarm). */
  createFunction(scope: Construct, id: string, props: Omit<AccessgateFunctionProps, 'defaults'>): AccessgateFunction {
    return new AccessgateFunction(scope, id, { ...props, defaults: this.functionDefaults });
  }

  private addApiFunctions() {
    const { sessions, results } = this.tables;
    const api = this.api;

    const identity = this.createFunction(api, 'IdentityHandler', {
      entry: 'functions/api/identity.ts',
      description: 'API: GET /health, GET /me, GET /resources, GET /openapi.json',
      timeout: Duration.seconds(10),
    }).bindTable(sessions, 'RO');
    api.addRoute('/health', 'GET', identity, {
      auth: false,
      publicBecause: 'load balancers and uptime checks call it without a token; it answers 200 and reveals no data.',
    });
    api.addRoutes(identity, ['GET /me', 'GET /resources', 'GET /openapi.json'], { auth: true });

    const sessionsFn = this.createFunction(api, 'SessionsHandler', {
      entry: 'functions/api/sessions.ts',
      description: 'API: submit, list, read and cancel sessions',
      // ?wait=N holds a response up to 25 s; API Gateway gives up at 30 s.
      timeout: Duration.seconds(29),
      // Guardrails, autoApprove and the MySQL script check (domain/implicit-commit.ts) classify commands at submission.
      sqlParser: true,
    })
      .bindSessionWriter(this.tables)
      .bindTable(results, 'RO');
    this.workflow.bindStarter(sessionsFn);
    this.workflow.bindRunStarter(sessionsFn);
    this.workflow.bindReviewResponder(sessionsFn);
    api.addRoutes(sessionsFn, ['POST /sessions', 'GET /sessions', 'GET /sessions/{id}', 'POST /sessions/{id}/cancel', 'POST /sessions/{id}/revoke'], { auth: true });

    const reviews = this.createFunction(api, 'ReviewsHandler', {
      entry: 'functions/api/reviews.ts',
      description: 'API: list reviews waiting for the caller, approve or deny a session',
      timeout: Duration.seconds(10),
    }).bindSessionWriter(this.tables);
    this.workflow.bindReviewResponder(reviews);
    api.addRoutes(reviews, ['GET /reviews', 'POST /sessions/{id}/review', 'POST /sessions/{id}/follow-up'], { auth: true });

    const rules = this.createFunction(api, 'RulesHandler', {
      entry: 'functions/api/rules.ts',
      description: 'API: read and change access request rules',
      timeout: Duration.seconds(10),
    }).bindSessionWriter(this.tables);
    api.addRoutes(rules, ['GET /rules', 'POST /rules', 'GET /rules/{name}', 'PUT /rules/{name}', 'DELETE /rules/{name}'], { auth: true });

    return { identity, sessions: sessionsFn, reviews, rules };
  }

  /**
   * Slack approvals. The directory is the stack's Cognito user pool when there is one (the groups a
   * token would carry), else the mapping table admins maintain; `-c slackDirectory=table|cognito` chooses.
   */
  private addSlack(defaultChannel: string): Slack {
    const directory: unknown = this.node.tryGetContext('slackDirectory') ?? (this.identity.userPool ? 'cognito' : 'table');
    if (directory !== 'table' && directory !== 'cognito') {
      throw new Error(`accessgate: context "slackDirectory" must be "table" or "cognito", got ${JSON.stringify(directory)}`);
    }
    if (directory === 'cognito' && !this.identity.userPool) {
      throw new Error('accessgate: context "slackDirectory" is "cognito" but the stack trusts an external OIDC issuer: use "table"');
    }
    const slack = new Slack(this, 'Slack', {
      defaults: this.functionDefaults,
      tables: this.tables,
      api: this.api,
      workflow: this.workflow,
      defaultChannel,
      ...(directory === 'cognito' ? { directoryUserPool: this.identity.userPool } : {}),
    });
    // AwaitReview posts the request; every function that changes a session queues the redraw (Execute
    // records a reviewed command's outcome itself).
    slack.bindPoster(this.workflow.awaitReview);
    for (const fn of [this.workflow.awaitReview, this.workflow.execute, this.workflow.record, this.workflow.openWindow, this.workflow.reconcile, this.functions.reviews, this.functions.sessions]) slack.bindQueue(fn);
    slack.bindReviewer(this.functions.reviews);
    return slack;
  }

  private addOutputs() {
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiUrl', this.api.url, 'Base URL of the accessgate HTTP API');
    output('SocketUrl', this.push.url, 'WebSocket endpoint clients wait on sessions through (GET /me names it too)');
    output('WebUrl', this.web.url, 'The web UI (the API is also served under /api on this origin)');
    output('JwtIssuer', this.identity.issuer, 'Issuer whose tokens the API accepts');
    output('StateMachineArn', this.workflow.stateMachine.stateMachineArn, 'The governed-command workflow (execution name = session id)');
    output('CommandReviewStateMachineArn', this.workflow.commandReview.stateMachineArn, 'The workflow of a command waiting for its review (execution name = session id)');
    output('DeadLetterQueueUrl', this.operations.deadLetterQueue.queueUrl, 'Failed asynchronous invocations land here');
    output('EvidenceBucketName', this.evidence.bucket.bucketName, 'Audit evidence under Object Lock (accessgate audit pull --bucket s3://<name>)');
    output('EventBusName', this.webhooks.bus.eventBusName, 'Session, window and rule events for other tools (EventBridge rules on this bus)');
    output('WebhookDeadLetterQueueUrl', this.webhooks.deadLetters.queueUrl, 'Webhook deliveries that failed every attempt');
    output('DigestSigningKeyArn', this.evidence.signingKey.keyArn, 'KMS key whose public half verifies the audit digests (aws kms get-public-key)');
    if (this.slack) {
      output('SlackInteractivityUrl', this.slack.interactivityUrl, 'Request URL for the Slack app\'s interactivity (slack-app-manifest.yaml)');
      output('SlackBotTokenSecretArn', this.slack.botToken.secretArn, 'Put the Slack app\'s bot token (xoxb-…) here');
      output('SlackSigningSecretArn', this.slack.signingSecret.secretArn, 'Put the Slack app\'s signing secret here');
    }
    const { userPool, client, domain } = this.identity;
    if (userPool && client && domain) {
      output('UserPoolId', userPool.userPoolId, 'Cognito user pool holding the accessgate users and groups');
      output('UserPoolClientId', client.userPoolClientId, 'Public app client for the web UI and the CLI (authorization code + PKCE)');
      output('SignInUrl', domain.baseUrl(), 'Cognito hosted sign-in base URL (OAuth 2.0 endpoints live under it)');
    }
    if (this.demoDatabase) {
      output('DemoClusterArn', this.demoDatabase.cluster.clusterArn, `Demo Aurora cluster behind resource "${DEMO_RESOURCE_ID}"`);
      output('DemoSecretArn', this.demoDatabase.secret.secretArn, 'Secret the Data API uses for the demo cluster');
    }
  }
}
