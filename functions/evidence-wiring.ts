/**
 * The composition root of the audit evidence functions (exporter, digest sealer, table export, audit
 * API), beside wiring.ts and built on the same composition. Their dependencies are built once per
 * composition, at first use, from its settings, failing with a message that names the variable. Each
 * adapter is built on first use, so a function is only asked for the settings of the adapters it
 * touches (the exporter has no signing key, the sealer no staging bucket).
 *
 * On AWS the adapters are S3, KMS and DynamoDB's PITR export. The local runtime (infra/local/stack.ts)
 * puts its stand-ins in the composition it builds; nothing here knows which runtime it is on.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { KmsDigestSigner } from './adapters/digest-signer';
import { traced } from './adapters/tracing';
import { DynamoEventReader } from './adapters/event-reader';
import { DynamoEvidenceState } from './adapters/evidence-state';
import { S3ObjectStore } from './adapters/object-store';
import { PitrTableSnapshots } from './adapters/table-snapshots';
import type { DigestSigner, EvidenceDeps, ObjectStore, TableSnapshots } from './app/evidence-ports';
import { type EvidenceSettings, loadEvidenceSettings } from './config';
import { atFirstUse, requiredSetting } from './first-use';
import { type Composition, perComposition } from './wiring';

export interface EvidenceAdapters {
  readonly objects: ObjectStore;
  readonly signer: DigestSigner;
  readonly snapshots: TableSnapshots;
}

/** The evidence functions' dependencies on a composition; reads no environment, keeps nothing. */
export function buildEvidenceDeps(settings: EvidenceSettings, base: Composition): EvidenceDeps {
  const required = requiredSetting(settings, 'audit evidence');
  const given = base.evidenceAdapters;
  const s3 = atFirstUse(() => traced(new S3Client({})));
  const objects = atFirstUse(() => given?.objects ?? new S3ObjectStore(s3(), required('EVIDENCE_BUCKET')));
  const signer = atFirstUse(() => given?.signer ?? new KmsDigestSigner(traced(new KMSClient({})), required('DIGEST_KEY_ID')));
  const snapshots = atFirstUse(
    () =>
      given?.snapshots ??
      new PitrTableSnapshots(
        traced(new DynamoDBClient({})),
        new S3ObjectStore(s3(), required('EXPORT_STAGING_BUCKET')),
        required('EXPORT_STAGING_BUCKET'),
        required('EVENTS_TABLE_ARN'),
      ),
  );
  const state = atFirstUse(() => new DynamoEvidenceState(base.clients.dynamo, required('EVIDENCE_TABLE')));
  return {
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
    reader: new DynamoEventReader(base.clients.dynamo, settings.EVENTS_TABLE),
    sessions: base.deps.sessions,
    clock: base.deps.clock,
    periodSeconds: settings.DIGEST_SECONDS,
    retentionDays: settings.EVIDENCE_RETENTION_DAYS,
  };
}

/** The evidence functions' dependencies for the invocation in progress. */
export const evidenceDeps: () => EvidenceDeps = perComposition((current) => buildEvidenceDeps(loadEvidenceSettings(current.environment), current));
