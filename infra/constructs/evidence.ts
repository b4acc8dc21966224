/**
 * Audit evidence on AWS, modelled on CloudTrail log file integrity validation:
 *
 *  - the evidence bucket: S3 Object Lock in COMPLIANCE mode with a default retention (context
 *    `evidenceRetentionDays`, default 400), versioning, all public access blocked, TLS only, SSE-KMS
 *    (the AWS-managed aws/s3 key: no standing charge), server access logs to their own bucket, and a
 *    bucket policy that denies every principal deleting anything, bypassing governance, or putting an
 *    object without If-None-Match: * (which would add a version to an existing key). No role in the
 *    stack is granted any delete action on it; writers may only add objects under their own prefix;
 *  - the exporter, on the event table's stream (ReportBatchItemFailures; records that keep failing go
 *    to the dead-letter queue), writing each final session's evidence and the config/security batches;
 *  - the digest sealer, scheduled just after every hour, signing with a KMS asymmetric key
 *    (RSA_2048, RSASSA_PKCS1_V1_5_SHA_256) that only it may use;
 *  - the daily point-in-time export of the event table into a staging bucket that expires its objects
 *    after a week, copied under lock into the evidence bucket by an hourly step;
 *  - the auditors' API: GET /audit/sessions, GET /audit/exports, GET /audit/exports/object.
 */
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessgateFunction, type FunctionDefaults } from './accessgate-function';
import type { AccessgateApi } from './api';
import { readEventStream } from './event-stream';
import { hourlySchedule } from './hourly-schedule';
import type { Operations } from './operations';
import type { AccessgateTables } from './tables';

export const DEFAULT_EVIDENCE_RETENTION_DAYS = 400;
/** Staged PITR exports are kept this long: long enough to retry a failed copy, short enough to hold no history. */
export const STAGING_EXPIRY_DAYS = 7;

/** Denied to every principal on the evidence bucket, on top of compliance mode. */
export const EVIDENCE_DENIED_ACTIONS = [
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:DeleteBucket',
  's3:BypassGovernanceRetention',
  's3:PutLifecycleConfiguration',
  's3:PutBucketVersioning',
] as const;

/** Key prefixes of the bucket, one per writer (functions/domain/evidence.ts lays them out). */
const PREFIXES = { evidence: 'evidence', digests: 'digests', publicKeys: 'public-keys', tableExports: 'table-exports' } as const;

/** `evidenceRetentionDays` from context: a whole number of days, 1 to 36500 (S3's limit is 100 years). */
export function evidenceRetentionDays(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_EVIDENCE_RETENTION_DAYS;
  const days = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new Error(`accessgate: context "evidenceRetentionDays" must be a whole number of days from 1 to 36500, got ${JSON.stringify(value)}`);
  }
  return days;
}

export interface AuditEvidenceProps {
  readonly defaults: FunctionDefaults;
  readonly tables: AccessgateTables;
  readonly api: AccessgateApi;
  readonly operations: Operations;
  readonly retentionDays: number;
}

export class AuditEvidence extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly staging: s3.Bucket;
  readonly signingKey: kms.Key;
  readonly exporter: AccessgateFunction;
  readonly sealer: AccessgateFunction;
  readonly tableExport: AccessgateFunction;
  readonly auditApi: AccessgateFunction;
  readonly digestSchedule: events.Rule;
  readonly tableExportSchedule: events.Rule;
  private readonly tables: AccessgateTables;

  constructor(scope: Construct, id: string, props: AuditEvidenceProps) {
    super(scope, id);
    const { defaults, tables, api, operations } = props;
    this.tables = tables;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.KMS_MANAGED,
      bucketKeyEnabled: true,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'evidence-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EvidenceIsNeverDeleted',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...EVIDENCE_DENIED_ACTIONS],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      }),
    );
    // Object Lock keeps every version, but a versioned bucket still accepts a new version on top of an
    // existing key. S3 refuses a PUT carrying If-None-Match: * when the key exists, and this denies every
    // PUT without that header (s3:if-none-match absent), so a key is written once, whoever writes it.
    // Writers use single PutObject requests only; multipart uploads and CopyObject into this bucket are
    // refused as a consequence (S3 accepts no conditional header on their part uploads or on copies).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EvidenceIsWrittenOnce',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );

    this.staging = new s3.Bucket(this, 'Staging', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(STAGING_EXPIRY_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'staging-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.signingKey = new kms.Key(this, 'DigestSigningKey', {
      description: 'accessgate: signs the hourly audit evidence digests (RSASSA_PKCS1_V1_5_SHA_256)',
      keySpec: kms.KeySpec.RSA_2048,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Each of these knows where the evidence is, how long it is locked and how long a digest's period is.
    const evidenceFunction = (name: string, fnProps: { entry: string; description: string; timeout: Duration }) => {
      const fn = new AccessgateFunction(this, name, { ...fnProps, defaults });
      fn.addEnvironment('EVIDENCE_BUCKET', this.bucket.bucketName);
      fn.addEnvironment('EVIDENCE_RETENTION_DAYS', String(props.retentionDays));
      fn.addEnvironment('DIGEST_SECONDS', '3600');
      return fn;
    };

    this.exporter = evidenceFunction('Exporter', {
      entry: 'functions/audit/exporter.ts',
      description: 'Audit: writes each final session\'s events, and config and security events, to the Object Lock bucket',
      timeout: Duration.minutes(2),
    }).bindTable(tables.sessions, 'RO');
    this.readEvents(this.exporter);
    this.useState(this.exporter, 'write');
    this.writeObjects(this.exporter, [PREFIXES.evidence]);
    readEventStream(this.exporter, tables.events, { onFailure: operations.deadLetterQueue, batchSize: 100, maxBatchingWindow: Duration.seconds(5), reportBatchItemFailures: true });

    this.sealer = evidenceFunction('DigestSealer', {
      entry: 'functions/audit/digest.ts',
      description: 'Audit: seals a signed digest for every ended hour, empty or not, chained to the one before',
      timeout: Duration.minutes(5),
    });
    this.useState(this.sealer, 'write');
    this.writeObjects(this.sealer, [PREFIXES.digests, PREFIXES.publicKeys]);
    this.signingKey.grant(this.sealer, 'kms:Sign', 'kms:GetPublicKey');
    this.sealer.addEnvironment('DIGEST_KEY_ID', this.signingKey.keyArn);
    this.digestSchedule = hourlySchedule(this, 'HourlyDigest', { fn: this.sealer, minute: 1, description: 'accessgate: seal the audit digest of the hour that just ended' });

    this.tableExport = evidenceFunction('TableExport', {
      entry: 'functions/audit/table-export.ts',
      description: 'Audit: daily point-in-time export of the event table, copied under Object Lock once complete',
      timeout: Duration.minutes(15),
    });
    this.useState(this.tableExport, 'write');
    this.writeObjects(this.tableExport, [PREFIXES.tableExports]);
    const eventsArn = tables.events.table.tableArn;
    this.tableExport.addToRolePolicy(new iam.PolicyStatement({ sid: 'ExportEventTable', actions: ['dynamodb:ExportTableToPointInTime'], resources: [eventsArn] }));
    this.tableExport.addToRolePolicy(new iam.PolicyStatement({ sid: 'FollowEventTableExports', actions: ['dynamodb:DescribeExport'], resources: [`${eventsArn}/export/*`] }));
    // DynamoDB writes the export with the caller's permissions; the copy step reads it back.
    this.tableExport.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StageExports',
        actions: ['s3:PutObject', 's3:PutObjectAcl', 's3:AbortMultipartUpload', 's3:GetObject'],
        resources: [this.staging.arnForObjects('exports/*')],
      }),
    );
    this.tableExport.addToRolePolicy(new iam.PolicyStatement({ sid: 'ListStaging', actions: ['s3:ListBucket'], resources: [this.staging.bucketArn] }));
    this.tableExport.addEnvironment('EXPORT_STAGING_BUCKET', this.staging.bucketName);
    this.tableExport.addEnvironment('EVENTS_TABLE_ARN', eventsArn);
    this.tableExportSchedule = hourlySchedule(this, 'TableExportStep', { fn: this.tableExport, minute: 20, description: 'accessgate: start the day\'s point-in-time export of the event table, or copy a completed one under lock' });

    this.auditApi = evidenceFunction('AuditApi', {
      entry: 'functions/api/audit.ts',
      description: 'API: audit session listing (JSON, CSV) and evidence downloads for auditors',
      timeout: Duration.seconds(29),
    })
      .bindTable(tables.sessions, 'RO')
      .bindTable(tables.events, 'APPEND');
    this.useState(this.auditApi, 'read');
    this.auditApi.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadEvidence',
        actions: ['s3:GetObject'],
        resources: Object.values(PREFIXES).map((prefix) => this.bucket.arnForObjects(`${prefix}/*`)),
      }),
    );
    this.listBucket(this.auditApi);
    api.addRoutes(this.auditApi, ['GET /audit/sessions', 'GET /audit/events', 'GET /audit/exports', 'GET /audit/exports/object'], { auth: true });

    const logicalId = (construct: Construct) => Stack.of(this).resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
    const bucketId = logicalId(this.bucket);
    const stagingId = logicalId(this.staging);
    const eventsId = logicalId(tables.events.table);
    const acknowledge = (fn: AccessgateFunction, resources: string[], reason: string) => {
      for (const resource of resources) Validations.of(fn.role!).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    };
    const objectsReason = (what: string) =>
      `Object keys are chosen at run time (dates, session ids, periods), so the grant names the key prefix ${what}; the actions allow adding or reading objects only, never deleting them. A versioned bucket would accept a new version of an existing key, so the bucket policy denies any PUT without If-None-Match: *, with which S3 refuses a key that exists; Object Lock keeps every version that was written.`;
    acknowledge(this.exporter, [`<${bucketId}.Arn>/${PREFIXES.evidence}/*`], objectsReason('evidence/'));
    acknowledge(this.sealer, [`<${bucketId}.Arn>/${PREFIXES.digests}/*`, `<${bucketId}.Arn>/${PREFIXES.publicKeys}/*`], objectsReason('digests/ and public-keys/'));
    acknowledge(this.tableExport, [`<${bucketId}.Arn>/${PREFIXES.tableExports}/*`], objectsReason('table-exports/'));
    acknowledge(this.tableExport, [`<${stagingId}.Arn>/exports/*`], 'DynamoDB names each export\'s files itself (AWSDynamoDB/<export id>/…) under the exports/ prefix of the staging bucket, which expires everything within a week; the grant covers that prefix only, for writing the export and reading it back.');
    acknowledge(this.tableExport, [`<${eventsId}.Arn>/export/*`], 'DescribeExport is authorised on the export ARN, which DynamoDB makes up when the export starts; the grant is limited to exports of the event table and to reading their status.');
    acknowledge(this.exporter, [`<${eventsId}.Arn>/stream/*`], 'A table\'s stream ARN ends in a label DynamoDB picks when the stream is enabled; the grant covers the streams of the event table only, for reading (DescribeStream, GetRecords, GetShardIterator, ListStreams), in the form of the DynamoDB developer guide\'s stream-only policy (iam-policy-read-stream-only.html).');
    acknowledge(this.auditApi, Object.values(PREFIXES).map((prefix) => `<${bucketId}.Arn>/${prefix}/*`), objectsReason('digests/, evidence/, table-exports/ and public-keys/ (read only)'));
  }

  /** Query on the event log only: the exporter reads a stream's events, and never writes one. */
  private readEvents(fn: AccessgateFunction): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadEventLog', actions: ['dynamodb:Query'], resources: [this.tables.events.table.tableArn] }));
  }

  /** Export cursors, digest head and period manifests: read, or read and write item by item; never delete. */
  private useState(fn: AccessgateFunction, access: 'read' | 'write'): void {
    const table = this.tables.evidence;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: access === 'read' ? 'ReadEvidenceState' : 'WriteEvidenceState',
        actions: access === 'read' ? ['dynamodb:GetItem'] : ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [table.table.tableArn],
      }),
    );
    fn.addEnvironment(table.definition.envVar, table.table.tableName);
  }

  /** Add objects under these prefixes (with their lock), look them up, list the bucket; nothing else. */
  private writeObjects(fn: AccessgateFunction, prefixes: readonly string[]): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AddEvidenceObjects',
        actions: ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'],
        resources: prefixes.map((prefix) => this.bucket.arnForObjects(`${prefix}/*`)),
      }),
    );
    this.listBucket(fn);
  }

  /** Without ListBucket, S3 answers 403 instead of 404 for a missing key, and a first write looks like a failure. */
  private listBucket(fn: AccessgateFunction): void {
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ListEvidenceBucket', actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
  }
}
