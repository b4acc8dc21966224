/**
 * The governed-command workflow: the task functions and two Standard state machines, the same files the
 * local runtime runs: statemachines/command-review.asl.json for a command waiting for its review (the
 * route nearly every reviewed command takes: two transitions, AwaitReview then Execute) and
 * statemachines/session.asl.json for every other route and for a re-drive; and the run function, which
 * runs a command no rule covers without the state machine (Execute and Record in one asynchronous
 * invocation, the reconciler as its failure destination).
 *
 * Each file goes into the template as the DefinitionString, byte for byte, with its `${...FunctionArn}`
 * placeholders resolved by CloudFormation through DefinitionSubstitutions. (DefinitionBody.fromFile
 * would upload it as an S3 asset instead, so the template, the change set and the tests would see only an
 * object key, not the definition that runs.)
 *
 * No session may stay open once its execution has ended: every Task's Catch leads to Record, and an
 * execution of either machine that still ends FAILED, TIMED_OUT or ABORTED (Record failing for good, the
 * 8-day limit, a StopExecution) is matched by an EventBridge rule whose target, the reconciler, closes the session as
 * failed. EventBridge invokes it asynchronously: Lambda retries it twice, then parks the event in the
 * stack's dead-letter queue, whose alarm fires.
 *
 * Logging is at level ALL without execution data: state inputs and outputs carry commands and session
 * details, which must not leak into logs. Only the executor and AwaitReview (the preview) may reach the
 * databases: the Data API's statement and transaction actions on the configured cluster ARNs (AwaitReview
 * without CommitTransaction) and GetSecretValue on their secrets, nothing else.
 */
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessgateFunction, type FunctionDefaults, PROJECT_ROOT } from './accessgate-function';
import type { AccessgateTables } from './tables';
import { UNFINISHED_EXECUTION_STATUSES } from '../../functions/workflow/inputs';
import { RUN_RETRY_ATTEMPTS, RUN_TIMEOUT_SECONDS } from '../../functions/domain/command-run';
import type { WorkflowMachine } from '../../functions/domain/workflow-route';

/** Each state machine's definition (domain/workflow-route.ts machineFor says which a route starts). */
export const ASL_PATHS: Readonly<Record<WorkflowMachine, string>> = {
  session: join(PROJECT_ROOT, 'statemachines', 'session.asl.json'),
  'command-review': join(PROJECT_ROOT, 'statemachines', 'command-review.asl.json'),
};

/** A database the executor may run commands on: its Aurora cluster and the secret the Data API logs in with. */
export interface DatabaseTarget {
  readonly clusterArn: string;
  readonly secretArn: string;
}

export interface WorkflowProps {
  readonly defaults: FunctionDefaults;
  readonly tables: AccessgateTables;
  readonly databases: readonly DatabaseTarget[];
  readonly logRetention: logs.RetentionDays;
}

/**
 * IAM resource for a configured secret. The Data API needs the complete ARN, which ends in "-" and six
 * random characters; an ARN without that suffix still works through the console's partial form, so it is
 * granted with exactly six wildcard characters and nothing more.
 */
export function secretResource(secretArn: string): string {
  // A token is the ARN of a secret this stack creates (the demo's): always complete.
  if (Token.isUnresolved(secretArn) || /-[A-Za-z0-9]{6}$/.test(secretArn)) return secretArn;
  return `${secretArn}-??????`;
}

export class Workflow extends Construct {
  /** statemachines/session.asl.json: every route but a command's review, and a re-drive. */
  readonly stateMachine: sfn.StateMachine;
  /** statemachines/command-review.asl.json: a command waiting for its review. */
  readonly commandReview: sfn.StateMachine;
  readonly evaluate: AccessgateFunction;
  readonly awaitReview: AccessgateFunction;
  readonly expire: AccessgateFunction;
  readonly execute: AccessgateFunction;
  /** Runs a command no rule covers outside the workflow (functions/workflow/run.ts). */
  readonly run: AccessgateFunction;
  readonly record: AccessgateFunction;
  readonly openWindow: AccessgateFunction;
  readonly endWindow: AccessgateFunction;
  readonly reconcile: AccessgateFunction;
  readonly executionEnded: events.Rule;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const { defaults, tables } = props;
    // Every Task in the ASL has TimeoutSeconds 30 except Execute (120): each function must finish first.
    const task = (name: string, entry: string, description: string, sqlParser = false) =>
      new AccessgateFunction(this, name, { entry, description, timeout: Duration.seconds(20), defaults, sqlParser }).bindSessionWriter(tables);

    // Evaluate (on a re-drive) and AwaitReview preview the command, which reads it with the SQL parsers.
    this.evaluate = task('Evaluate', 'functions/workflow/evaluate.ts', 'Workflow: route a session on its frozen policy decision', true);
    this.awaitReview = task(
      'AwaitReview',
      'functions/workflow/await-review.ts',
      'Workflow: store the review task token on the session and notify approvers',
      true,
    );
    this.expire = task('Expire', 'functions/workflow/expire.ts', 'Workflow: close a review whose window passed');
    this.openWindow = task('OpenWindow', 'functions/workflow/open-window.ts', 'Workflow: open an approved access window until its end');
    this.endWindow = task('EndWindow', 'functions/workflow/end-window.ts', 'Workflow: end an access window once its time is up');
    this.record = task('Record', 'functions/workflow/record.ts', 'Workflow: record the final state of a session');
    this.reconcile = task('Reconcile', 'functions/workflow/reconcile.ts', 'Workflow: close the session of an execution that ended failed, timed out or aborted');

    const clusters = [...new Set(props.databases.map((database) => database.clusterArn))];
    const secrets = [...new Set(props.databases.map((database) => secretResource(database.secretArn)))];
    // Execute (a reviewed command, in the workflow) and Run (a command no rule covers, invoked
    // asynchronously) run commands the same way and may do the same things.
    const commandRunner = (name: 'Execute' | 'Run', entry: string, description: string) => {
      const fn = new AccessgateFunction(this, name, {
        entry,
        description,
        // Above the Data API's 45 s statement limit and the 60 s SDK timeout, below the ASL's 120 s.
        timeout: Duration.seconds(RUN_TIMEOUT_SECONDS),
        // A SQL error in an engineer's command fails the invocation by design (the workflow records it as
        // "failed"); only a burst of errors means the executor or a database is broken.
        errorAlarmThreshold: 5,
        // A script is cut into its statements by the SQL parsers (functions/adapters/sql-script.ts).
        sqlParser: true,
        defaults,
      })
        .bindSessionWriter(tables)
        .bindTable(tables.results, 'RW');
      // Every command runs in a Data API transaction (functions/adapters/sql-runner.ts).
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'RunApprovedCommands',
          actions: ['rds-data:BeginTransaction', 'rds-data:ExecuteStatement', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction'],
          resources: clusters,
        }),
      );
      return fn;
    };
    this.execute = commandRunner('Execute', 'functions/workflow/execute.ts', 'Workflow: run the approved command through the RDS Data API and keep the result for the requester');
    this.run = commandRunner('Run', 'functions/workflow/run.ts', 'Run a command no rule covers (asynchronous invocation): execute it, then record it');
    // Lambda's retries, a minute and two apart, outlast a claim (functions/domain/command-run.ts); once
    // they are spent, or the event waited six hours, the reconciler closes the session.
    this.run.configureAsyncInvoke({ retryAttempts: RUN_RETRY_ATTEMPTS, maxEventAge: Duration.hours(6), onFailure: { bind: () => ({ destination: this.reconcile.functionArn }) } });
    // Lambda invokes the destination with the function's role. The unqualified reconciler only: the
    // LambdaDestination's grantInvoke would add every version (`:*`), which nothing here calls.
    this.run.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReportAbandonedRuns', actions: ['lambda:InvokeFunction'], resources: [this.reconcile.functionArn] }));
    // AwaitReview previews a command before it posts the review request (functions/adapters/command-preview.ts):
    // a dry run in a transaction that is always rolled back. Without CommitTransaction, IAM itself keeps
    // it from ever committing one.
    this.awaitReview.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PreviewCommands',
        actions: ['rds-data:BeginTransaction', 'rds-data:ExecuteStatement', 'rds-data:RollbackTransaction'],
        resources: clusters,
      }),
    );
    for (const fn of [this.execute, this.run, this.awaitReview]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadDatabaseCredentials', actions: ['secretsmanager:GetSecretValue'], resources: secrets }));
    }

    const logGroup = new logs.LogGroup(this, 'Logs', {
      // Under /aws/vendedlogs/ Step Functions needs no account-wide log resource policy (which has a size
      // limit). Destroyed with the stack so a redeploy can reuse the fixed name: without execution data
      // these logs hold only state names and timings; the event table is the record. Both machines log here.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-session`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const tasks = {
      EvaluateFunctionArn: this.evaluate,
      AwaitReviewFunctionArn: this.awaitReview,
      ExpireFunctionArn: this.expire,
      ExecuteFunctionArn: this.execute,
      RecordFunctionArn: this.record,
      OpenWindowFunctionArn: this.openWindow,
      EndWindowFunctionArn: this.endWindow,
    };
    // Each machine may invoke only the functions its own file names: the review machine has no Evaluate
    // or window states. The file's placeholders are read from it, so the grant follows the definition.
    const machine = (id: string, path: string) => {
      const definition = readFileSync(path, 'utf8');
      const named = new Set([...definition.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]));
      const invoked = Object.entries(tasks).filter(([key]) => named.has(key));
      const stateMachine = new sfn.StateMachine(this, id, {
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromString(definition),
        definitionSubstitutions: Object.fromEntries(invoked.map(([key, fn]) => [key, fn.functionArn])),
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      // The ASL invokes exactly these unqualified ARNs, so no version or alias wildcard is granted.
      stateMachine.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'InvokeWorkflowTasks', actions: ['lambda:InvokeFunction'], resources: invoked.map(([, fn]) => fn.functionArn) }),
      );
      return stateMachine;
    };
    this.stateMachine = machine('SessionWorkflow', ASL_PATHS.session);
    this.commandReview = machine('CommandReviewWorkflow', ASL_PATHS['command-review']);
    this.executionEnded = new events.Rule(this, 'ExecutionEnded', {
      description: 'A session execution of either state machine ended failed, timed out or aborted: the reconciler closes its session',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: this.machines.map((m) => m.stateMachineArn), status: [...UNFINISHED_EXECUTION_STATUSES] },
      },
      targets: [new targets.LambdaFunction(this.reconcile, { deadLetterQueue: defaults.deadLetterQueue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
  }

  /** Both state machines, the session machine first. */
  get machines(): sfn.StateMachine[] {
    return [this.stateMachine, this.commandReview];
  }

  /** Lets the function start sessions' executions on both machines and tells it their ARNs, in one step. */
  bindStarter(fn: AccessgateFunction): AccessgateFunction {
    for (const stateMachine of this.machines) stateMachine.grantStartExecution(fn);
    fn.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    fn.addEnvironment('COMMAND_REVIEW_STATE_MACHINE_ARN', this.commandReview.stateMachineArn);
    return fn;
  }

  /** Lets the function hand a command no rule covers to its run (asynchronous invocations of it only). */
  bindRunStarter(fn: AccessgateFunction): AccessgateFunction {
    return fn.bindInvoke(this.run, 'RUN_FUNCTION_NAME', 'StartRuns');
  }

  /**
   * Lets the function resume a waiting review (SendTaskSuccess on approval, SendTaskFailure on cancel).
   * Task tokens belong to executions of the two state machines, so those are the only resources.
   */
  bindReviewResponder(fn: AccessgateFunction): AccessgateFunction {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ResumeReviews',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: this.machines.map((m) => m.stateMachineArn),
      }),
    );
    return fn;
  }
}
