/**
 * The ports of the audit evidence use cases (exporter, digest sealer, daily table export, auditors'
 * downloads), in the product's words. S3, KMS and DynamoDB implement them on AWS (functions/adapters);
 * the local runtime hands in a folder store, a key pair under the data folder and a scan-based table
 * export (infra/local). Kept apart from ports.ts so the evidence seam reads as one piece.
 */
import type { AuditEvent } from '../domain/audit-chain';
import type { DigestEntry, DigestLink, SegmentLink, SigningAlgorithm } from '../domain/evidence';
import type { Clock, SessionStore } from './ports';

export interface PutObjectOptions {
  readonly contentType: string;
  /** Hex SHA-256 of the body: sent as the upload checksum, and checked by the store before it keeps anything. */
  readonly sha256: string;
  /** Compliance-mode lock: the object can be neither deleted nor replaced before this time. */
  readonly retainUntil: Date;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/**
 * The evidence bucket. Writes are create-only: putting the same bytes again is a no-op (a retry), and
 * putting different bytes over a locked object fails with ObjectLockedError, so nothing the exporter or
 * the sealer does can replace evidence.
 */
export interface ObjectStore {
  put(key: string, body: Uint8Array, options: PutObjectOptions): Promise<void>;
  get(key: string, range?: { readonly offset: number; readonly length: number }): Promise<Uint8Array | undefined>;
  head(key: string): Promise<StoredObject | undefined>;
  /** A page of objects under `prefix`, in key order, after `startAfter`. */
  list(prefix: string, options?: { readonly startAfter?: string; readonly limit?: number }): Promise<{ items: StoredObject[]; more: boolean }>;
}

/** Refused write over a locked object with different content. */
export class ObjectLockedError extends Error {
  override readonly name = 'ObjectLockedError';
}

/** The digest signing key (a KMS asymmetric key on AWS). */
export interface DigestSigner {
  readonly algorithm: SigningAlgorithm;
  publicKeyPem(): Promise<string>;
  /** Signs the message; the key hashes it with SHA-256. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** A segment claimed for export but not yet confirmed written and listed: replayed after a crash. */
export interface PendingSegment extends SegmentLink {
  readonly fromSeq: number;
  readonly exportedAt: string;
  readonly size: number;
  readonly previous: SegmentLink | null;
  /** Read position just before the segment's first event (undefined: the stream's start). */
  readonly after?: string;
}

/** How far a stream has been exported. */
export interface ExportCursor {
  /** The stream's latest segment (written, or pending). */
  readonly last: SegmentLink;
  /** Read position of that segment's last event. */
  readonly position: string;
  readonly pending?: PendingSegment;
}

/** The digest chain's head: the next period to seal and the digest sealed before it. */
export interface DigestHead {
  readonly next: string;
  readonly last?: DigestLink;
}

export type TableExportStatus = 'started' | 'copied' | 'failed';

export interface TableExportRecord {
  readonly day: string;
  readonly exportId: string;
  readonly status: TableExportStatus;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly files?: number;
  readonly bytes?: number;
  readonly error?: string;
}

export type AddToPeriodOutcome = 'recorded' | 'sealed';

/** Export bookkeeping: one conditional write per step, so racing or retried invocations agree. */
export interface EvidenceStateStore {
  cursor(stream: string): Promise<ExportCursor | undefined>;
  /** Claims the next segment of a stream; false when another exporter moved the cursor first. */
  claimSegment(stream: string, expected: ExportCursor | undefined, pending: PendingSegment, position: string): Promise<boolean>;
  completeSegment(stream: string, key: string): Promise<void>;
  digestHead(): Promise<DigestHead | undefined>;
  /** Starts the chain at `next` unless it has started; returns the head either way. */
  startDigestChain(next: string): Promise<DigestHead>;
  /** Moves the head from the period `from`; false when another sealer did. */
  advanceDigestHead(from: string, head: DigestHead): Promise<boolean>;
  /** Adds an object to an open period; 'sealed' once its digest is being made (the caller tries the next period). */
  addToPeriod(periodStart: string, entry: DigestEntry): Promise<AddToPeriodOutcome>;
  /** Closes a period to additions (idempotently) and returns everything recorded in it. */
  sealPeriod(periodStart: string, at: string): Promise<DigestEntry[]>;
  tableExport(day: string): Promise<TableExportRecord | undefined>;
  /** Creates (expected undefined) or moves on a day's record; false when it is not in the expected state. */
  saveTableExport(record: TableExportRecord, expected: TableExportStatus | undefined): Promise<boolean>;
  keyPublished(fingerprint: string): Promise<boolean>;
  markKeyPublished(fingerprint: string): Promise<void>;
}

/** Reads a stream of the event log from a position, in order. */
export interface EventReader {
  after(stream: string, position: string | undefined, limit: number): Promise<{ events: AuditEvent[]; positions: string[] }>;
}

export type SnapshotStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** A full copy of the event table at a point in time (DynamoDB's PITR export on AWS). */
export interface TableSnapshots {
  /** Starts (idempotently per day) a full export; returns its id. */
  start(day: string): Promise<string>;
  status(exportId: string): Promise<{ status: SnapshotStatus; message?: string }>;
  /** The export's files, named relative to the export (manifests first). */
  files(exportId: string): Promise<{ readonly name: string; read(): Promise<Uint8Array> }[]>;
}

export interface EvidenceDeps {
  readonly objects: ObjectStore;
  readonly signer: DigestSigner;
  readonly state: EvidenceStateStore;
  readonly reader: EventReader;
  readonly sessions: Pick<SessionStore, 'get'>;
  readonly snapshots: TableSnapshots;
  readonly clock: Clock;
  /** Length of a digest period (3600 on AWS; ACCESSGATE_DIGEST_SECONDS locally). */
  readonly periodSeconds: number;
  /** Compliance retention of every object written (the bucket's default, 400 days unless configured). */
  readonly retentionDays: number;
}
