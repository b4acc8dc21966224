/**
 * In a large folder the worker threads walk the streams' own folders themselves (the main thread only
 * lists down to them): a file added there, even in a folder nested deeper, must be in the listing
 * exactly as when one thread walks everything, and the report must come out in the same order.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { examinedFolderSource } from '../../../cli/commands/audit/examine-pool';
import { verifyFolder } from '../../../cli/commands/audit/verify';
import { EVIDENCE_PREFIX, PULL_RECORD_FILE } from '../../../functions/domain/evidence';
import { buildEvidence, rsaKey } from '../../fixtures/evidence';

let dir: string;
let keyFile: string;
let sessionFolder: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'accessgate-audit-walk-'));
  const key = rsaKey();
  keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, key.publicPem);
  const built = buildEvidence({ key, sessions: 30, periods: 3 });
  for (const [file, bytes] of built.files) {
    mkdirSync(dirname(join(dir, 'folder', file)), { recursive: true });
    writeFileSync(join(dir, 'folder', file), bytes);
  }
  writeFileSync(join(dir, 'folder', PULL_RECORD_FILE), built.pullRecord);
  sessionFolder = dirname([...built.files.keys()].find((file) => file.startsWith(EVIDENCE_PREFIX) && file.includes('/sessions/'))!);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('finds files the workers came upon in the stream folders they walked, as one thread does', async () => {
  const added = [`${sessionFolder}/0000000007-0000000007.json`, `${sessionFolder}/nested/deeper/extra.json`];
  for (const file of added) {
    mkdirSync(dirname(join(dir, 'folder', file)), { recursive: true });
    writeFileSync(join(dir, 'folder', file), '{}');
  }
  const parallel = { threads: 2, threadsFrom: 1 };
  const listed = (await examinedFolderSource(join(dir, 'folder'), parallel)).keys();
  expect(listed).toEqual(expect.arrayContaining(added));

  const report = await verifyFolder(join(dir, 'folder'), [keyFile], parallel);
  const single = await verifyFolder(join(dir, 'folder'), [keyFile], { threads: 0 });
  expect(report.problems.filter((problem) => problem.kind === 'unlisted_object').map((problem) => problem.key)).toEqual([...added].sort());
  expect(report.problems).toEqual(single.problems);
  expect(report.notes).toEqual(single.notes);
  expect(report.stats).toEqual(single.stats);
});
