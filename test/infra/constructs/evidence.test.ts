/**
 * Audit evidence on AWS: the Object Lock bucket (compliance mode, retention from context, versioning,
 * no public access, TLS only, KMS, access logs, a policy denying every delete), no delete permission for
 * any role, the exporter on the event stream with its dead-letter queue, the hourly sealer and its
 * signing key, the daily export into an expiring staging bucket, and the auditors' routes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVIDENCE_DENIED_ACTIONS } from '../../../infra/constructs/evidence';
import { asArray, leastPrivilegeViolations, logicalId, logicalIdsOf, normalized, policyStatements, refersTo, roleOf, statementsOf, synth, templateReader } from '../synth';

// With cdk-nag: synthesis throws on any unacknowledged AwsSolutions finding.
const { app, stack, json } = synth({}, { nag: true });
const evidence = stack.evidence;
const ids = {
  ...logicalIdsOf(evidence, ['bucket', 'accessLogs', 'staging', 'signingKey', 'exporter', 'sealer', 'tableExport', 'auditApi']),
  events: logicalId(stack.tables.events.table),
  evidenceTable: logicalId(stack.tables.evidence.table),
  dlq: logicalId(stack.operations.deadLetterQueue),
};
const { props, ofType, environmentOf } = templateReader(json);
const objectsUnder = (bucketId: string, prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}/*`]] });

describe('the evidence bucket', () => {
  const bucket = props(ids.bucket);

  it('locks every object in compliance mode for 400 days by default, with versioning', () => {
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(json.Resources[ids.bucket]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(bucket.LifecycleConfiguration).toBeUndefined();
  });

  it('takes its retention from context, and refuses nonsense', () => {
    const other = synth({ evidenceRetentionDays: '2555' });
    const configured = other.json.Resources[logicalId(other.stack.evidence.bucket)].Properties!;
    expect(configured.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'COMPLIANCE', Days: 2555 });
    expect(other.json.Resources[logicalId(other.stack.evidence.exporter)].Properties!.Environment.Variables.EVIDENCE_RETENTION_DAYS).toBe('2555');
    expect(() => synth({ evidenceRetentionDays: 'forever' })).toThrow(/evidenceRetentionDays" must be a whole number of days/);
  });

  it('blocks public access, encrypts with KMS and logs access to its own log bucket', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: ids.accessLogs }, LogFilePrefix: 'evidence-bucket/' });
  });

  it('refuses plain HTTP and denies every principal any delete, lifecycle or versioning change', () => {
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([, r]) => r.Properties!.Bucket.Ref === ids.bucket)!;
    const statements = policy.Properties!.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const deny = statements.find((s) => s.Sid === 'EvidenceIsNeverDeleted')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    expect([...deny.Action].sort()).toEqual([...EVIDENCE_DENIED_ACTIONS].sort());
    expect(deny.Resource).toEqual([{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, '/*']] }]);
  });

  it('accepts a PUT only with If-None-Match: *, so no key gets a second version', () => {
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([, r]) => r.Properties!.Bucket.Ref === ids.bucket)!;
    const statements = policy.Properties!.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements.find((s) => s.Sid === 'EvidenceIsWrittenOnce')).toEqual({
      Sid: 'EvidenceIsWrittenOnce',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, '/*']] },
      Condition: { Null: { 's3:if-none-match': 'true' } },
    });
  });

  it('is never deletable by any role in the stack, and each writer only adds under its own prefix', () => {
    const onBucket = policyStatements(json).filter(({ statement }) => statement.Effect === 'Allow' && refersTo(statement.Resource, ids.bucket));
    for (const { statement } of onBucket) {
      for (const action of asArray(statement.Action)) expect(action).not.toMatch(/Delete|Bypass|Lifecycle|\*/);
    }
    const writes = (role: string) =>
      statementsOf(json, role)
        .filter((s) => asArray(s.Action).includes('s3:PutObject') && refersTo(s.Resource, ids.bucket))
        .map(normalized);
    expect(writes(roleOf(evidence.exporter))).toEqual([{ effect: 'Allow', actions: ['s3:GetObject', 's3:PutObject', 's3:PutObjectRetention'], resources: [objectsUnder(ids.bucket, 'evidence')] }]);
    expect(writes(roleOf(evidence.sealer))[0].resources).toEqual([objectsUnder(ids.bucket, 'digests'), objectsUnder(ids.bucket, 'public-keys')]);
    expect(writes(roleOf(evidence.tableExport))[0].resources).toEqual([objectsUnder(ids.bucket, 'table-exports')]);
    expect(writes(roleOf(evidence.auditApi))).toEqual([]);
    const writers = [...new Set(onBucket.filter(({ statement }) => asArray(statement.Action).includes('s3:PutObject')).flatMap(({ roles }) => roles))].sort();
    expect(writers).toEqual([roleOf(evidence.exporter), roleOf(evidence.sealer), roleOf(evidence.tableExport)].sort());
  });

  it('keeps its access logs in a private, encrypted, TLS-only bucket', () => {
    const logs = props(ids.accessLogs);
    expect(logs.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
  });
});

describe('the exporter', () => {
  it('reads the event table\'s stream from the start, reports failed records, and sends what keeps failing to the dead-letter queue', () => {
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping').find(([, r]) => r.Properties!.FunctionName.Ref === ids.exporter)!;
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [ids.events, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.dlq, 'Arn'] } } },
    });
  });

  it('reads the event log with Query only, and knows where to write', () => {
    const onEvents = statementsOf(json, roleOf(evidence.exporter)).filter((s) => refersTo(s.Resource, ids.events) && !JSON.stringify(s.Resource).includes('StreamArn'));
    expect(onEvents.flatMap((s) => asArray(s.Action)).filter((a) => !/Stream|GetRecords|GetShardIterator/.test(a))).toEqual(['dynamodb:Query']);
    expect(environmentOf(ids.exporter)).toMatchObject({ EVIDENCE_BUCKET: { Ref: ids.bucket }, EVIDENCE_RETENTION_DAYS: '400', DIGEST_SECONDS: '3600', EVIDENCE_TABLE: { Ref: ids.evidenceTable } });
  });

  it('may not delete export bookkeeping', () => {
    for (const fn of [evidence.exporter, evidence.sealer, evidence.tableExport, evidence.auditApi]) {
      const actions = statementsOf(json, roleOf(fn)).filter((s) => refersTo(s.Resource, ids.evidenceTable)).flatMap((s) => asArray(s.Action));
      expect(actions.filter((a) => /Delete|BatchWrite/.test(a))).toEqual([]);
    }
  });
});

describe('the digest sealer and its key', () => {
  it('runs one minute past every hour', () => {
    const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties!.Targets).includes(ids.sealer))!;
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'cron(1 * * * ? *)', State: 'ENABLED' });
  });

  it('signs with an RSA 2048 KMS key that only it may use to sign', () => {
    expect(props(ids.signingKey)).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    expect(json.Resources[ids.signingKey].DeletionPolicy).toBe('Retain');
    const signers = policyStatements(json).filter(({ statement }) => statement.Effect === 'Allow' && asArray(statement.Action).includes('kms:Sign'));
    expect(signers.flatMap(({ roles }) => roles)).toEqual([roleOf(evidence.sealer)]);
    expect(normalized(signers[0].statement)).toEqual({ effect: 'Allow', actions: ['kms:GetPublicKey', 'kms:Sign'], resources: [{ 'Fn::GetAtt': [ids.signingKey, 'Arn'] }] });
    expect(environmentOf(ids.sealer).DIGEST_KEY_ID).toEqual({ 'Fn::GetAtt': [ids.signingKey, 'Arn'] });
  });
});

describe('the daily table export', () => {
  it('exports the event table into an expiring staging bucket, hourly steps, then copies under lock', () => {
    const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => JSON.stringify(r.Properties!.Targets).includes(ids.tableExport))!;
    expect(rule.Properties!.ScheduleExpression).toBe('cron(20 * * * ? *)');
    expect(props(ids.staging).LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 7, Status: 'Enabled' })]);
    expect(props(ids.staging).PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    const statements = statementsOf(json, roleOf(evidence.tableExport)).map(normalized);
    expect(statements).toContainEqual({ effect: 'Allow', actions: ['dynamodb:ExportTableToPointInTime'], resources: [{ 'Fn::GetAtt': [ids.events, 'Arn'] }] });
    expect(statements).toContainEqual({ effect: 'Allow', actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject', 's3:PutObjectAcl'], resources: [objectsUnder(ids.staging, 'exports')] });
    expect(environmentOf(ids.tableExport)).toMatchObject({ EXPORT_STAGING_BUCKET: { Ref: ids.staging }, EVENTS_TABLE_ARN: { 'Fn::GetAtt': [ids.events, 'Arn'] } });
  });
});

describe('the auditors\' API', () => {
  it('serves the audit routes behind the JWT authorizer, from the audit function', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!).filter((r) => String(r.RouteKey).startsWith('GET /audit/'));
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['GET /audit/events', 'GET /audit/exports', 'GET /audit/exports/object', 'GET /audit/sessions']);
    for (const route of routes) expect(route.AuthorizationType).toBe('JWT');
    const reads = statementsOf(json, roleOf(evidence.auditApi)).filter((s) => refersTo(s.Resource, ids.bucket)).flatMap((s) => asArray(s.Action)).sort();
    expect(reads).toEqual(['s3:GetObject', 's3:ListBucket']);
  });
});

describe('the whole stack with audit evidence', () => {
  it('passes cdk-nag and the least-privilege checks, and outputs what an auditor needs', () => {
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations: unknown[] }> };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    expect(leastPrivilegeViolations(json, ids.events)).toEqual([]);
    expect(Object.keys(json.Outputs ?? {})).toEqual(expect.arrayContaining(['EvidenceBucketName', 'DigestSigningKeyArn']));
  });
});
