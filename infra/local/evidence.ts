/**
 * The audit evidence pipeline on the local runtime: the same exporter, digest sealer and table export
 * handler modules as on AWS, with their stand-ins — the folder store under <data>/evidence (retention
 * enforced), the signing key pair under <data>/keys, the scan-based table export staged under
 * <data>/evidence-staging — handed to functions/evidence-wiring.ts. The event stream stand-in feeds the
 * exporter; timers play EventBridge: the sealer runs several times per digest period
 * (ACCESSGATE_DIGEST_SECONDS, default 3600) and the table export step at start and then hourly.
 * Without a data folder (tests) everything lives in a temporary folder removed at close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { TableExportRecord } from '../../functions/app/evidence-ports';
import { LocalDigestSigner } from './digest-key';
import { LocalEventStream } from './event-stream';
import { FolderObjectStore } from './object-store';
import { LocalTableSnapshots } from './table-snapshots';

export interface LocalEvidenceOptions {
  readonly dataDir?: string;
  readonly periodSeconds: number;
  readonly eventsTable: string;
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
function every<T>(name: string, everyMs: number, firstMs: number, task: () => Promise<T>) {
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

export async function startLocalEvidence(options: LocalEvidenceOptions): Promise<LocalEvidence> {
  if (!Number.isInteger(options.periodSeconds) || options.periodSeconds < 1 || options.periodSeconds > 86_400) {
    throw new Error(`ACCESSGATE_DIGEST_SECONDS must be a whole number of seconds from 1 to 86400, not "${options.periodSeconds}"`);
  }
  const temporary = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'accessgate-evidence-'));
  const root = options.dataDir ?? temporary!;
  const store = new FolderObjectStore(join(root, 'evidence'));
  const signer = LocalDigestSigner.open(options.dataDir && join(options.dataDir, 'keys', 'digest-signing.json'));
  const client = new DynamoDBClient({});
  const snapshots = new LocalTableSnapshots(client, options.eventsTable, join(root, 'evidence-staging'));

  // Read once by functions/evidence-wiring.ts at its first use, which is below.
  process.env.DIGEST_SECONDS = String(options.periodSeconds);
  const { provideEvidenceAdapters } = await import('../../functions/evidence-wiring');
  provideEvidenceAdapters({ objects: store, signer, snapshots });

  const exporter = (await import('../../functions/audit/exporter')).handler as Lambda<DynamoDBStreamEvent, DynamoDBBatchResponse>;
  const digest = (await import('../../functions/audit/digest')).handler as Lambda<unknown, { sealed: string[] }>;
  const tableExport = (await import('../../functions/audit/table-export')).handler as Lambda<unknown, { exports: TableExportRecord[] }>;

  const stream = new LocalEventStream({ tableName: options.eventsTable, deliver: (event) => exporter(event, context('Exporter')) });
  const { documentClient } = await import('../../functions/adapters/dynamodb');
  stream.attach(documentClient);
  await stream.catchUp(client);

  const periodMs = options.periodSeconds * 1000;
  const sealer = every('digest sealer', Math.min(Math.max(periodMs / 4, 200), 60_000), Math.min(periodMs, 1000), () => digest({}, context('DigestSealer')));
  const exports = every('table export', Math.min(periodMs, 3_600_000), Math.min(periodMs, 2000), () => tableExport({}, context('TableExport')));

  return {
    store,
    signer,
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
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    },
  };
}
