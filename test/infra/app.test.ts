/**
 * The CDK entry point: context settings and the config file are validated with messages that name the
 * bad field, synthesis stops on them, and `cdk synth` works offline as an admin runs it — the one test
 * here that bundles the handlers with esbuild and lets CDK validate the template.
 */
import { App } from 'aws-cdk-lib';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, EXAMPLE_CONFIG, loadProductConfig, readSettings } from '../../infra/app';
import { PROJECT_ROOT, SQL_PARSER_WASM } from '../../infra/constructs/accessgate-function';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'accessgate-app-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const example = JSON.parse(readFileSync(join(PROJECT_ROOT, EXAMPLE_CONFIG), 'utf8'));
function writeConfig(name: string, content: unknown): string {
  const path = join(scratch, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
const settingsFor = (context: Record<string, unknown>) => readSettings(new App({ context })).settings;

describe('the config file', () => {
  it('defaults to the example, so a bare `cdk synth` works', () => {
    expect(settingsFor({}).config).toEqual(loadProductConfig(join(PROJECT_ROOT, EXAMPLE_CONFIG)));
  });

  it('is the file named by -c config', () => {
    const path = writeConfig('one.json', { resources: [example.resources[0]] });
    expect(settingsFor({ config: path }).config.resources.map((r) => r.id)).toEqual(['orders-prod']);
  });

  it('stops synthesis with a message naming the file and the bad field', () => {
    const broken = structuredClone(example);
    broken.resources[1].clusterArn = 'billing-prod';
    const path = writeConfig('broken.json', broken);
    expect(() => buildApp({ context: { config: path }, nag: false, validateTemplates: false })).toThrow(
      `${path} is not a valid accessgate configuration: resources[1].clusterArn: must be an Aurora cluster ARN`,
    );
  });

  it('names an unknown rule binding and an unknown key', () => {
    const broken = structuredClone(example);
    broken.rules[0].resources = ['orders-prod', 'nowhere'];
    broken.rules[1].approvers = ['dba'];
    const path = writeConfig('unknown.json', broken);
    expect(() => settingsFor({ config: path })).toThrow(/rules\[0\]\.resources\[1\]: unknown resource "nowhere"/);
    expect(() => settingsFor({ config: path })).toThrow(/rules\[1\]: .*approvers/);
  });

  it('must be readable JSON', () => {
    expect(() => settingsFor({ config: writeConfig('bad.json', '{"resources": [') })).toThrow(/accessgate: .*bad\.json is not valid JSON/);
    expect(() => settingsFor({ config: join(scratch, 'missing.json') })).toThrow(
      /accessgate: cannot read the config file .*missing\.json .*pass -c config=<path>/,
    );
  });
});

describe('context settings', () => {
  it('default to a Cognito user pool, the cognito:groups claim and a year of logs', () => {
    const settings = settingsFor({});
    expect(settings.auth.kind).toBe('cognito');
    expect(settings).toMatchObject({ groupsClaim: 'cognito:groups', adminGroup: 'admins', auditorGroup: 'auditors', demoDatabase: false, logRetention: 365 });
  });

  it('accept an external OIDC issuer only with its audience', () => {
    expect(settingsFor({ jwtIssuer: 'https://idp.example.com', jwtAudience: 'a,b' }).auth).toEqual({
      kind: 'jwt',
      issuer: 'https://idp.example.com',
      audience: ['a', 'b'],
    });
    expect(() => settingsFor({ jwtIssuer: 'https://idp.example.com' })).toThrow('context "jwtAudience" is required when jwtIssuer is given');
    expect(() => settingsFor({ jwtAudience: 'a' })).toThrow('context "jwtIssuer" is required when jwtAudience is given');
    expect(() => settingsFor({ jwtIssuer: 'http://idp', jwtAudience: 'a' })).toThrow('context "jwtIssuer" must be an https:// issuer URL');
  });

  it.each([
    [{ demoDatabase: 'yes' }, 'context "demoDatabase" must be true or false, got "yes"'],
    [{ logRetentionDays: '10' }, 'context "logRetentionDays" must be one of CloudWatch\'s retention periods'],
    [{ resultMaxRows: '0' }, 'context "resultMaxRows" must be an integer from 1 to 100000, got "0"'],
    [{ stackName: '1st' }, 'context "stackName" must start with a letter'],
    [{ alarmTopicArn: 'oncall' }, 'context "alarmTopicArn" must be an SNS topic ARN'],
    [{ webUrl: 'ftp://x' }, 'context "webUrl" must be an http(s) URL'],
  ])('reject %j', (context, message) => {
    expect(() => settingsFor(context)).toThrow(message);
  });

  it('accept booleans and numbers as cdk.json writes them', () => {
    expect(settingsFor({ demoDatabase: true, logRetentionDays: 30 })).toMatchObject({ demoDatabase: true, logRetention: 30 });
  });
});

describe('the app as the CDK CLI runs it', () => {
  const env = {
    ...process.env,
    CDK_DISABLE_VERSION_CHECK: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };

  it('exits 1 with one line naming the bad field on a broken config file', async () => {
    const broken = structuredClone(example);
    delete broken.resources[0].secretArn;
    const path = writeConfig('cli-broken.json', broken);
    const result = await run('npx', ['tsx', 'infra/app.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...env, CDK_CONTEXT_JSON: JSON.stringify({ config: path }), CDK_OUTDIR: join(scratch, 'cli-broken.out') },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`${path} is not a valid accessgate configuration: resources[0].secretArn: Invalid input: expected string, received undefined`);
  }, 60_000);

  const READS_SQL = new Set([
    'API: submit, list, read and cancel sessions',
    'Workflow: route a session on its frozen policy decision',
    'Workflow: store the review task token on the session and notify approvers',
    'Workflow: run the approved command through the RDS Data API and keep the result for the requester',
    'Run a command no rule covers (asynchronous invocation): execute it, then record it',
  ]);

  // The synth bundles every handler with esbuild: about 40 s on an idle 2-core machine, past 170 s when
  // the machine is loaded (a whole run beside another); the limit is for a hang, not a speed target.
  it('`cdk synth -c config=accessgate.config.example.json` works offline: bundles every handler, validates the template, passes cdk-nag', async () => {
    const outdir = join(scratch, 'cdk.out');
    await run('npx', ['cdk', 'synth', '-c', `config=${EXAMPLE_CONFIG}`, '-o', outdir, '--quiet'], { cwd: PROJECT_ROOT, env, timeout: 470_000 });

    const template = JSON.parse(readFileSync(join(outdir, 'Accessgate.template.json'), 'utf8'));
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((plugin: { violations: unknown[] }) => plugin.violations)).toEqual([]);

    // Every handler was bundled by the local esbuild as a minified ES module with a source map, and loads.
    const functions = Object.values(template.Resources as Record<string, { Type: string; Properties: any }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs24.x' && r.Properties.Environment?.Variables?.SESSIONS_TABLE,
    );
    expect(functions.length).toBeGreaterThanOrEqual(10);
    for (const fn of functions) {
      const asset = join(outdir, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
      // The functions that read SQL (test/infra/constructs/sql-parser-bundles.test.ts): PostgreSQL's
      // parser's WebAssembly sits beside their bundles.
      const withParser = READS_SQL.has(fn.Properties.Description);
      expect(readdirSync(asset).sort()).toEqual(['index.mjs', 'index.mjs.map', ...(withParser ? ['libpg-query.wasm'] : [])]);
      if (withParser) expect(statSync(join(asset, 'libpg-query.wasm')).size).toBe(statSync(join(PROJECT_ROOT, SQL_PARSER_WASM)).size);
      const code = readFileSync(join(asset, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __agCreateRequire } from 'node:module';")).toBe(true);
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      // Minified: a few very long lines (template literals keep their own line breaks). The banner and the
      // source map comment are lines of their own, which would drown a small handler's one line.
      const body = code.trimEnd().split('\n').slice(1, -1);
      expect(body.join('\n').length / body.length).toBeGreaterThan(1000);
      // Load it the way Lambda does, with the SDK the runtime provides taken from our node_modules.
      const probe = join(scratch, `probe-${fn.Properties.Code.S3Key}`);
      mkdirSync(probe);
      writeFileSync(join(probe, 'index.mjs'), code);
      if (!existsSync(join(probe, 'node_modules'))) symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(probe, 'node_modules'));
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"], {
        cwd: probe,
        env: { ...env, SESSIONS_TABLE: 's', EVENTS_TABLE: 'e', RESULTS_TABLE: 'r', AWS_REGION: 'eu-west-1' },
      });
      expect(stdout.trim(), fn.Properties.Description).toBe('function');
    }
  }, 480_000);
});
