/**
 * The composition root of the audit evidence functions (exporter, digest sealer, table export, audit
 * API), beside wiring.ts and built on it. Its settings are validated once, at first use, failing with a
 * message that names the variable. Each adapter is built on first use, so a function is only asked for
 * the settings of the adapters it touches (the exporter has no signing key, the sealer no staging bucket).
 *
 * On AWS the adapters are S3, KMS and DynamoDB's PITR export. The local runtime (infra/local/stack.ts)
 * hands in its stand-ins through provideEvidenceAdapters before any handler runs; nothing else here
 * knows which runtime it is on.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { KmsDigestSigner } from './adapters/digest-signer';
import { documentClient } from './adapters/dynamodb';
import { DynamoEventReader } from './adapters/event-reader';
import { DynamoEvidenceState } from './adapters/evidence-state';
import { S3ObjectStore } from './adapters/object-store';
import { PitrTableSnapshots } from './adapters/table-snapshots';
import type { DigestSigner, EvidenceDeps, ObjectStore, TableSnapshots } from './app/evidence-ports';
import { describeIssues } from './domain/validation';
import { deps } from './wiring';

const evidenceSchema = z.object({
  EVENTS_TABLE: z.string().min(1),
  /** Export cursors, digest chain head, period manifests (infra/tables.ts evidenceTable). */
  EVIDENCE_TABLE: z.string().min(1).optional(),
  /** The Object Lock bucket. */
  EVIDENCE_BUCKET: z.string().min(1).optional(),
  /** KMS key id or ARN of the RSA_2048 SIGN_VERIFY key that signs digests. */
  DIGEST_KEY_ID: z.string().min(1).optional(),
  /** Where DynamoDB writes the daily PITR export before it is copied under lock (expires its objects). */
  EXPORT_STAGING_BUCKET: z.string().min(1).optional(),
  EVENTS_TABLE_ARN: z.string().min(1).optional(),
  /** Length of a digest period; ACCESSGATE_DIGEST_SECONDS sets it locally. */
  DIGEST_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  /** Compliance retention of each object; matches the bucket's default retention. */
  EVIDENCE_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(400),
});

type EvidenceSettings = z.output<typeof evidenceSchema>;

export interface EvidenceAdapters {
  readonly objects: ObjectStore;
  readonly signer: DigestSigner;
  readonly snapshots: TableSnapshots;
}

let provided: EvidenceAdapters | undefined;
let built: EvidenceDeps | undefined;
let settings: EvidenceSettings | undefined;

/** The local runtime's stand-ins for the bucket, the signing key and the table export. */
export function provideEvidenceAdapters(adapters: EvidenceAdapters): void {
  provided = adapters;
  built = undefined;
}

export function evidenceSettings(): EvidenceSettings {
  if (settings) return settings;
  const parsed = evidenceSchema.safeParse(process.env);
  if (!parsed.success) throw new Error(`accessgate audit evidence is misconfigured: ${describeIssues(parsed.error)}`);
  settings = parsed.data;
  return settings;
}

function required<K extends keyof EvidenceSettings>(name: K): NonNullable<EvidenceSettings[K]> {
  const value = evidenceSettings()[name];
  if (value === undefined) throw new Error(`accessgate audit evidence is misconfigured: ${String(name)} is not set for this function`);
  return value as NonNullable<EvidenceSettings[K]>;
}

function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export function evidenceDeps(): EvidenceDeps {
  if (built) return built;
  const env = evidenceSettings();
  const base = deps();
  const s3 = lazy(() => new S3Client({}));
  const objects = lazy(() => provided?.objects ?? new S3ObjectStore(s3(), required('EVIDENCE_BUCKET')));
  const signer = lazy(() => provided?.signer ?? new KmsDigestSigner(new KMSClient({}), required('DIGEST_KEY_ID')));
  const snapshots = lazy(
    () =>
      provided?.snapshots ??
      new PitrTableSnapshots(
        new DynamoDBClient({}),
        new S3ObjectStore(s3(), required('EXPORT_STAGING_BUCKET')),
        required('EXPORT_STAGING_BUCKET'),
        required('EVENTS_TABLE_ARN'),
      ),
  );
  const state = lazy(() => new DynamoEvidenceState(documentClient, required('EVIDENCE_TABLE')));
  built = {
    get objects() {
      return objects();
    },
    get signer() {
      return signer();
    },
    get snapshots() {
      return snapshots();
    },
    get state() {
      return state();
    },
    reader: new DynamoEventReader(documentClient, env.EVENTS_TABLE),
    sessions: base.sessions,
    clock: base.clock,
    periodSeconds: env.DIGEST_SECONDS,
    retentionDays: env.EVIDENCE_RETENTION_DAYS,
  };
  return built;
}
