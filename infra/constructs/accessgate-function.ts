/**
 * The one NodejsFunction every handler of the stack is built with, so runtime, architecture, bundling,
 * logging, tracing, dead-letter queue and error alarm are decided once. `bindTable` grants a table and
 * sets the environment variable the handler reads its name from in one call, so a grant can never exist
 * without the configuration that uses it.
 *
 * Each function gets its own role holding only what it is granted (no AWS managed policy: the log
 * permissions are scoped to the function's own log group) and an explicit log group with retention.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Operations } from './operations';
import type { AccessgateTable, AccessgateTables } from './tables';
import { memoryOf } from '../function-memory';

/** The repository root: entries, the lock file and the esbuild project root are resolved from it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * RO reads items; RW also writes and deletes them; APPEND may only add items and read them back (the
 * event log). Scan, transactions and table-level actions are granted in no mode: no request path needs them.
 */
export type TableAccess = 'RO' | 'RW' | 'APPEND';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  RO: READ_ACTIONS,
  RW: [...READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  APPEND: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
};

/** What every function of the stack shares; built once by the stack. */
export interface FunctionDefaults {
  /** Product settings every handler reads through functions/config.ts (GROUPS_CLAIM, WEB_URL, ...). */
  readonly environment: Readonly<Record<string, string>>;
  /** Every table of the stack; see the constructor for why all their names are set. */
  readonly tables: readonly AccessgateTable[];
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  readonly operations: Operations;
}

export interface AccessgateFunctionProps {
  /** Handler module, relative to the repository root (e.g. `functions/api/sessions.ts`); exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Sized to the work: above the slowest call the handler makes, below its caller's own timeout. */
  readonly timeout: Duration;
  /** Errors within five minutes that raise the function's alarm. */
  readonly errorAlarmThreshold?: number;
  /**
   * The handler reads SQL with PostgreSQL's own parser (functions/adapters/sql-parser.ts): its
   * WebAssembly file is copied beside the bundle, where libpg-query looks for it at first use
   * (relative to the working directory, which on Lambda is the function's folder).
   */
  readonly sqlParser?: boolean;
  readonly defaults: FunctionDefaults;
}

/** The file libpg-query loads at first use; 1.7 MB, so only functions that read SQL carry it. */
export const SQL_PARSER_WASM = 'node_modules/libpg-query/wasm/libpg-query.wasm';

/**
 * The SQL parsers' packages. functions/adapters/sql-parser.ts imports them on first use only, so a
 * function that never reads SQL leaves them out of its bundle (they are most of its size); one that
 * does gets them bundled and the WebAssembly beside it. test/infra/constructs/sql-parser-bundles.test.ts
 * holds `sqlParser` to what each handler really imports.
 */
export const SQL_PARSER_MODULES = ['libpg-query', 'node-sql-parser'] as const;

/**
 * CommonJS dependencies bundled into an ES module still call require() for Node built-ins, and
 * libpg-query finds its WebAssembly through __dirname (the bundle's own folder, whatever the working
 * directory): an ES module has neither, so the bundle defines them first.
 */
export const ESM_BANNER =
  "import { createRequire as __agCreateRequire } from 'node:module'; import { fileURLToPath as __agFileURLToPath } from 'node:url'; " +
  "const require = __agCreateRequire(import.meta.url); const __filename = __agFileURLToPath(import.meta.url); const __dirname = __agFileURLToPath(new URL('.', import.meta.url));";

/**
 * How every function is bundled, in esbuild's terms; the Lambda bundle benchmark (test/bench/bundles.ts)
 * bundles each handler with the same, so the sizes it reports are the ones deployed. The runtime
 * provides the AWS SDK; the SQL parsers are bundled only where the handler reads SQL.
 */
export function bundlingOf(sqlParser: boolean) {
  return {
    format: 'esm',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    banner: ESM_BANNER,
    external: ['@aws-sdk/*', ...(sqlParser ? [] : SQL_PARSER_MODULES)],
  } as const;
}

export class AccessgateFunction extends NodejsFunction {
  /** The handler module, relative to the project root. */
  readonly handlerModule: string;
  /** Whether the SQL parsers are bundled and the WebAssembly copied (see SQL_PARSER_MODULES). */
  readonly readsSql: boolean;

  constructor(scope: Construct, id: string, props: AccessgateFunctionProps) {
    const entry = join(PROJECT_ROOT, props.entry);
    const bundling = bundlingOf(props.sqlParser ?? false);
    if (!existsSync(entry)) throw new Error(`accessgate: handler module ${props.entry} (function ${id}) does not exist`);
    // Role and log group are created beside the function because a subclass cannot add children
    // before super(); each function still gets its own.
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.defaults.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the accessgate ${id} function`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement CDK adds for active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) has Resource "*": these actions support no resource-level permissions. test/infra asserts that no other action in the stack is granted on "*".',
    });

    super(scope, id, {
      entry,
      handler: 'handler',
      description: props.description,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      // Sized from infra/function-memory.ts by construct id, the table the cost model bills from.
      memorySize: memoryOf(id),
      timeout: props.timeout,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      deadLetterQueue: props.defaults.deadLetterQueue,
      environment: {
        ...props.defaults.environment,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: bundling.target,
        minify: bundling.minify,
        sourceMap: true,
        // Stack traces need the mappings, not the sources: keeps the bundle small and the code out of logs.
        sourcesContent: false,
        mainFields: [...bundling.mainFields],
        banner: bundling.banner,
        externalModules: [...bundling.external],
        ...(props.sqlParser
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => [`cp "${join(inputDir, SQL_PARSER_WASM)}" "${outputDir}/"`],
              },
            }
          : {}),
      },
    });
    this.handlerModule = props.entry;
    this.readsSql = props.sqlParser ?? false;

    // functions/config.ts validates every table variable at cold start, so each function learns every
    // table's name; only bindTable grants access, and a name without a grant fails closed (AccessDenied).
    for (const table of props.defaults.tables) this.addEnvironment(table.definition.envVar, table.table.tableName);

    props.defaults.operations.watchFunction(this, id, props.errorAlarmThreshold ?? 1);
  }

  /**
   * Grants `access` to the table and tells the handler its name, in one step. Indexes are named one by
   * one from the table definition rather than as `index/*`. The tables use the AWS-managed key, whose
   * key policy already admits any principal of the account acting through DynamoDB: no KMS grant needed.
   */
  bindTable(table: AccessgateTable, access: TableAccess): this {
    const tableArn = table.table.tableArn;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [...TABLE_ACTIONS[access]],
        resources: [tableArn, ...table.definition.indexes.map((index) => `${tableArn}/index/${index.indexName}`)],
      }),
    );
    this.addEnvironment(table.definition.envVar, table.table.tableName);
    return this;
  }

  /** For a function that changes sessions and records what it did: sessions read-write, the event log append-only. */
  bindSessionWriter(tables: Pick<AccessgateTables, 'sessions' | 'events'>): this {
    return this.bindTable(tables.sessions, 'RW').bindTable(tables.events, 'APPEND');
  }

  /**
   * Lets this function invoke `target` and tells it the target's name in `envVar`, in one step. The
   * unqualified function only: grantInvoke would add every version (`:*`), which nothing here calls.
   */
  bindInvoke(target: lambda.IFunction, envVar: string, sid: string): this {
    this.addToRolePolicy(new iam.PolicyStatement({ sid, actions: ['lambda:InvokeFunction'], resources: [target.functionArn] }));
    this.addEnvironment(envVar, target.functionName);
    return this;
  }
}
