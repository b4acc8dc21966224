/**
 * The daily restore-grade copy: once a day a full point-in-time export of the event table is started
 * (into a staging bucket that expires its contents, since a PITR export cannot be written under Object
 * Lock directly), and once it completes every file is copied under lock into the evidence bucket and
 * listed in that hour's digest, beside the per-session evidence. Runs on a schedule; each run moves
 * yesterday's and today's exports one step on, so an export that takes hours is simply picked up later.
 */
import { addSeconds, sha256Hex, tableExportKey } from '../domain/evidence';
import { recordObject } from './evidence-export';
import type { EvidenceDeps, TableExportRecord } from './evidence-ports';

const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/** The last path segment of an export id (a DynamoDB export ARN ends in its short id). */
const shortId = (exportId: string) => exportId.split('/').at(-1)!.replace(/[^A-Za-z0-9._-]/g, '-');

async function copyUnderLock(deps: EvidenceDeps, record: TableExportRecord): Promise<TableExportRecord> {
  const files = await deps.snapshots.files(record.exportId);
  const retainUntil = addSeconds(deps.clock.now(), deps.retentionDays * 86_400);
  let bytes = 0;
  for (const file of files) {
    const body = await file.read();
    const key = tableExportKey(record.day, shortId(record.exportId), file.name);
    const sha256 = sha256Hex(body);
    await deps.objects.put(key, body, { contentType: file.name.endsWith('.gz') ? 'application/gzip' : 'application/json', sha256, retainUntil });
    await recordObject(deps, { key, sha256, size: body.length });
    bytes += body.length;
  }
  return { ...record, status: 'copied', finishedAt: deps.clock.now().toISOString(), files: files.length, bytes };
}

async function advance(deps: EvidenceDeps, day: string, current: TableExportRecord | undefined, startIfMissing: boolean): Promise<TableExportRecord | undefined> {
  let record = current;
  if (!record && startIfMissing) {
    const exportId = await deps.snapshots.start(day);
    const started: TableExportRecord = { day, exportId, status: 'started', startedAt: deps.clock.now().toISOString() };
    record = (await deps.state.saveTableExport(started, undefined)) ? started : await deps.state.tableExport(day);
  }
  if (record?.status !== 'started') return record;
  const { status, message } = await deps.snapshots.status(record.exportId);
  if (status === 'IN_PROGRESS') return record;
  const next: TableExportRecord =
    status === 'COMPLETED'
      ? await copyUnderLock(deps, record)
      : { ...record, status: 'failed', finishedAt: deps.clock.now().toISOString(), error: message ?? 'the export failed' };
  return (await deps.state.saveTableExport(next, 'started')) ? next : deps.state.tableExport(day);
}

export interface TableExportStep {
  /** Yesterday's and today's exports as they stand after this step. */
  readonly exports: TableExportRecord[];
  /** Whether this step started, copied or gave up on an export (most steps find nothing to do). */
  readonly changed: boolean;
}

/** One scheduled step. */
export async function runTableExport(deps: EvidenceDeps): Promise<TableExportStep> {
  const now = deps.clock.now();
  let changed = false;
  const exports: TableExportRecord[] = [];
  for (const [day, start] of [[dayOf(addSeconds(now, -86_400)), false], [dayOf(now), true]] as const) {
    const before = await deps.state.tableExport(day);
    const after = await advance(deps, day, before, start);
    if (after) exports.push(after);
    changed ||= before?.status !== after?.status;
  }
  return { exports, changed };
}
