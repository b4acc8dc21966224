/**
 * The audit evidence pipeline on the local runtime: the same exporter, digest sealer and table export
 * handler modules as on AWS, with their stand-ins — the folder store under <data>/evidence (retention
 * enforced), the signing key pair under <data>/keys, the scan-based table export staged under
 * <data>/evidence-staging — which go into the stack's composition (functions/wiring.ts), read by
 * functions/evidence-wiring.ts. The event stream stand-in, watching the composition's DynamoDB client, feeds the
 * exporter; timers play EventBridge: the sealer runs several times per digest period
 * (ACCESSGATE_DIGEST_SECONDS, default 3600) and the table export step at start and then hourly.
 * Without a data folder (tests) everything lives in a temporary folder removed at close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { TableExportRecord } from '../../functions/app/evidence-ports';
import type { EvidenceAdapters } from '../../functions/evidence-wiring';
import { LocalDigestSigner } from './digest-key';
import { LocalEventStream } from './event-stream';
import { FolderObjectStore } from './object-store';
import { LocalTableSnapshots } from './table-snapshots';

export interface EvidenceStandInOptions {
  readonly dataDir?: string;
  readonly eventsTable: string;
}

/** The bucket, the signing key and the table export of the local runtime, for its composition. */
export interface EvidenceStandIns extends EvidenceAdapters {
  readonly store: FolderObjectStore;
  readonly signer: LocalDigestSigner;
  close(): void;
}

export interface LocalEvidenceOptions {
  readonly periodSeconds: number;
  readonly eventsTable: string;
  /** Runs a handler in the stack's composition, which holds these stand-ins. */
  readonly bind: <E, R>(handler: Lambda<E, R>) => Lambda<E, R>;
  /** The composition's DynamoDB client: the event stream stand-in sees what it writes. */
  readonly documentClient: DynamoDBDocumentClient;
}

export interface LocalEvidence {
  /** The folder store (objects/ and locks/), i.e. the local "bucket". */
  readonly store: FolderObjectStore;
  readonly signer: LocalDigestSigner;
  readonly periodSeconds: number;
  readonly stream: LocalEventStream;
  /** Waits until every event appended so far has reached the exporter. */
  flush(): Promise<void>;
  /** Runs the digest sealer now (as the schedule would); returns the digests written. */
  seal(): Promise<string[]>;
  /** Runs one step of the daily table export now. */
  exportTable(): Promise<TableExportRecord[]>;
  close(): Promise<void>;
}

type Lambda<E, R> = (event: E, context: unknown) => Promise<R>;
const context = (name: string) => ({ functionName: name, awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 60_000 });

/** Runs `task` now and then every `everyMs`, never overlapping itself; errors are logged, not thrown. */
export function every<T>(name: string, everyMs: number, firstMs: number, task: () => Promise<T>) {
  let running: Promise<T | undefined> | undefined;
  const run = (): Promise<T | undefined> =>
    (running ??= task()
      .catch((error: unknown) => {
        console.error(JSON.stringify({ message: `local ${name} failed`, error: (error as Error).stack ?? String(error) }));
        return undefined;
      })
      .finally(() => {
        running = undefined;
      }));
  const first = setTimeout(run, firstMs);
  const timer = setInterval(run, everyMs);
  timer.unref();
  first.unref();
  return {
    /** Runs now, after any run in progress. */
    async now(): Promise<T | undefined> {
      if (running) await running;
      return run();
    },
    async stop(): Promise<void> {
      clearTimeout(first);
      clearInterval(timer);
      if (running) await running;
    },
  };
}

export function openEvidenceStandIns(options: EvidenceStandInOptions): EvidenceStandIns {
  const temporary = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'accessgate-evidence-'));
  const root = options.dataDir ?? temporary!;
  const client = new DynamoDBClient({});
  const store = new FolderObjectStore(join(root, 'evidence'));
  return {
    store,
    objects: store,
    signer: LocalDigestSigner.open(options.dataDir && join(options.dataDir, 'keys', 'digest-signing.json')),
    snapshots: new LocalTableSnapshots(client, options.eventsTable, join(root, 'evidence-staging')),
    close() {
      client.destroy();
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    },
  };
}

function checkDigestSeconds(periodSeconds: number): number {
  if (!Number.isInteger(periodSeconds) || periodSeconds < 1 || periodSeconds > 86_400) {
    throw new Error(`ACCESSGATE_DIGEST_SECONDS must be a whole number of seconds from 1 to 86400, not "${periodSeconds}"`);
  }
  return periodSeconds;
}

/** Starts the exporter's feed and the schedules; the stand-ins must already be in the composition `bind` uses. */
export async function startLocalEvidence(standIns: EvidenceStandIns, options: LocalEvidenceOptions): Promise<LocalEvidence> {
  checkDigestSeconds(options.periodSeconds);
  const exporter = options.bind((await import('../../functions/audit/exporter')).handler as Lambda<DynamoDBStreamEvent, DynamoDBBatchResponse>);
  const digest = options.bind((await import('../../functions/audit/digest')).handler as Lambda<unknown, { sealed: string[] }>);
  const tableExport = options.bind((await import('../../functions/audit/table-export')).handler as Lambda<unknown, { exports: TableExportRecord[] }>);

  const client = new DynamoDBClient({});
  // Batched as the stack's event source mapping batches them (infra/constructs/evidence.ts: 5 s window).
  const stream = new LocalEventStream({ tableName: options.eventsTable, windowMs: 5000, deliver: (event) => exporter(event, context('Exporter')) });
  stream.attach(options.documentClient);
  await stream.catchUp(client);

  const periodMs = options.periodSeconds * 1000;
  const sealer = every('digest sealer', Math.min(Math.max(periodMs / 4, 200), 60_000), Math.min(periodMs, 1000), () => digest({}, context('DigestSealer')));
  const exports = every('table export', Math.min(periodMs, 3_600_000), Math.min(periodMs, 2000), () => tableExport({}, context('TableExport')));

  return {
    store: standIns.store,
    signer: standIns.signer,
    periodSeconds: options.periodSeconds,
    stream,
    flush: () => stream.flush(),
    seal: async () => (await sealer.now())?.sealed ?? [],
    exportTable: async () => (await exports.now())?.exports ?? [],
    async close() {
      await sealer.stop();
      await exports.stop();
      await stream.close();
      client.destroy();
      standIns.close();
    },
  };
}
