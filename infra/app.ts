/**
 * CDK entry point (`cdk.json`: `npx tsx infra/app.ts`). Reads the context settings, loads and validates
 * the admin's config file (context `config`, default accessgate.config.example.json), builds the stack and
 * runs cdk-nag's AwsSolutions checks on every synth, so a deploy with an unacknowledged finding fails.
 *
 * `buildApp` is exported for the tests, which build the same app with the same context (cdk.json's
 * feature flags included) and may switch off the slow parts (nag, template validation, bundling).
 * Any problem in the settings or the config file stops synthesis with one message naming the bad field.
 */
import { App, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProductConfig, type ProductConfig } from '../functions/domain/product-config';
import { PROJECT_ROOT } from './constructs/accessgate-function';
import type { AuthSettings } from './constructs/identity';
import { AccessgateStack, type AccessgateSettings } from './stack';

export const EXAMPLE_CONFIG = 'accessgate.config.example.json';

export interface BuildAppOptions {
  /** Context as `-c key=value` would give it; cdk.json's context is the base. */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  /** Run cdk-nag AwsSolutionsChecks at synth (default true). */
  readonly nag?: boolean;
  /** Run CDK's built-in CloudFormation template validation (default true; about 4 s). */
  readonly validateTemplates?: boolean;
}

/** Reads and validates the config file; every failure names the file and, for content, the field. */
export function loadProductConfig(path: string): ProductConfig {
  const absolute = isAbsolute(path) ? path : resolve(process.cwd(), path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new Error(
      `accessgate: cannot read the config file ${path} (${(error as Error).message}); pass -c config=<path> with a file shaped like ${EXAMPLE_CONFIG}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`accessgate: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseProductConfig(json, path);
}

/** Context values arrive as strings from `-c` and as JSON values from cdk.json; both are accepted. */
class ContextReader {
  constructor(private readonly app: App) {}

  string(key: string): string | undefined {
    const value: unknown = this.app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.error(key, `must be a string, got ${JSON.stringify(value)}`);
    return value.trim() || undefined;
  }

  list(key: string): string[] {
    const value: unknown = this.app.node.tryGetContext(key);
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim()).filter(Boolean);
    return (this.string(key) ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value: unknown = this.app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw this.error(key, `must be true or false, got ${JSON.stringify(value)}`);
  }

  integer(key: string, fallback: number, allowed: (n: number) => boolean, rule: string): number {
    const value: unknown = this.app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return fallback;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || !allowed(n)) throw this.error(key, `${rule}, got ${JSON.stringify(value)}`);
    return n;
  }

  error(key: string, message: string): Error {
    return new Error(`accessgate: context "${key}" ${message}`);
  }
}

const RETENTION_DAYS = new Set(Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number'));

export function readSettings(app: App): { stackName: string; settings: AccessgateSettings } {
  const context = new ContextReader(app);

  const stackName = context.string('stackName') ?? 'Accessgate';
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw context.error('stackName', 'must start with a letter and hold only letters, digits and dashes (at most 128)');
  }

  const configPath = context.string('config') ?? relative(process.cwd(), resolve(PROJECT_ROOT, EXAMPLE_CONFIG));
  const config = loadProductConfig(configPath);

  const issuer = context.string('jwtIssuer');
  const audience = context.list('jwtAudience');
  let auth: AuthSettings;
  if (issuer || audience.length) {
    if (!issuer) throw context.error('jwtIssuer', 'is required when jwtAudience is given (both name your own OIDC provider)');
    if (!audience.length) throw context.error('jwtAudience', 'is required when jwtIssuer is given (the client id(s) your IdP puts in "aud")');
    if (!/^https:\/\/\S+$/.test(issuer)) throw context.error('jwtIssuer', `must be an https:// issuer URL, got ${JSON.stringify(issuer)}`);
    auth = { kind: 'jwt', issuer, audience };
  } else {
    const callbackUrls = context.list('callbackUrls');
    const logoutUrls = context.list('logoutUrls');
    auth = {
      kind: 'cognito',
      callbackUrls: callbackUrls.length ? callbackUrls : ['http://localhost:8787/auth/callback'],
      logoutUrls: logoutUrls.length ? logoutUrls : ['http://localhost:8787/'],
      domainPrefix: context.string('authDomainPrefix'),
    };
  }

  const webUrl = context.string('webUrl');
  if (webUrl && !/^https?:\/\/\S+$/.test(webUrl)) throw context.error('webUrl', `must be an http(s) URL, got ${JSON.stringify(webUrl)}`);
  const alarmTopicArn = context.string('alarmTopicArn');
  if (alarmTopicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(alarmTopicArn)) {
    throw context.error('alarmTopicArn', `must be an SNS topic ARN, got ${JSON.stringify(alarmTopicArn)}`);
  }

  return {
    stackName,
    settings: {
      config,
      configSource: configPath,
      auth,
      groupsClaim: context.string('groupsClaim') ?? (auth.kind === 'cognito' ? 'cognito:groups' : 'groups'),
      adminGroup: context.string('adminGroup') ?? 'admins',
      auditorGroup: context.string('auditorGroup') ?? 'auditors',
      demoDatabase: context.boolean('demoDatabase', false),
      webUrl,
      corsOrigins: context.list('corsOrigins'),
      resultMaxRows: context.integer('resultMaxRows', 10_000, (n) => n >= 1 && n <= 100_000, 'must be an integer from 1 to 100000'),
      logRetention: context.integer(
        'logRetentionDays',
        logs.RetentionDays.ONE_YEAR,
        (n) => RETENTION_DAYS.has(n),
        `must be one of CloudWatch's retention periods (${[...RETENTION_DAYS].sort((a, b) => a - b).join(', ')})`,
      ) as logs.RetentionDays,
      alarmTopicArn,
    },
  };
}

/** cdk.json's context (feature flags, telemetry off): the CLI passes it anyway, tests get the same. */
function projectContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export function buildApp(options: BuildAppOptions = {}): { app: App; stack: AccessgateStack } {
  const app = new App({
    context: { ...projectContext(), ...options.context },
    outdir: options.outdir,
    builtinCloudFormationValidation: options.validateTemplates ?? true,
  });
  const { stackName, settings } = readSettings(app);
  const stack = new AccessgateStack(app, stackName, { settings });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    buildApp().app.synth();
  } catch (error) {
    // One readable line for a settings or config mistake instead of a stack trace.
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
