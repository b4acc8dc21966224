/**
 * The daily table export Lambda, run on a schedule: starts the day's point-in-time export of the event
 * table and copies a completed one under lock (see functions/app/table-export.ts).
 */
import middy from '@middy/core';
import { runTableExport } from '../app/table-export';
import type { TableExportRecord } from '../app/evidence-ports';
import { evidenceDeps } from '../evidence-wiring';
import { deps } from '../wiring';

export const handler = middy<unknown, { exports: TableExportRecord[] }>().handler(async () => {
  const { exports, changed } = await runTableExport(evidenceDeps());
  if (changed) deps().log.info('table export step', { exports });
  return { exports };
});
