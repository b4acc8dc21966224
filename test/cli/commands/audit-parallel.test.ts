/**
 * `audit verify` examines a large folder's evidence objects in worker threads: its report must be the
 * one the single-threaded verifier gives, tampering included, whichever thread examined the object.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examinedFolderSource } from '../../../cli/commands/audit/examine-pool';
import { verifyFolder } from '../../../cli/commands/audit/verify';
import { EVIDENCE_PREFIX, PULL_RECORD_FILE } from '../../../functions/domain/evidence';
import { buildEvidence, rsaKey } from '../../fixtures/evidence';

let root: string;
let keyFile: string;
const parallel = { threads: 2, threadsFrom: 1 };
const inThisThread = { threads: 0 };

function writeFolder(name: string): { dir: string; evidence: string[] } {
  const dir = join(root, name);
  const key = rsaKey();
  keyFile = join(root, `${name}.pem`);
  writeFileSync(keyFile, key.publicPem);
  const built = buildEvidence({ key, sessions: 40, periods: 4 });
  for (const [file, bytes] of built.files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), bytes);
  }
  writeFileSync(join(dir, PULL_RECORD_FILE), built.pullRecord);
  return { dir, evidence: [...built.files.keys()].filter((file) => file.startsWith(EVIDENCE_PREFIX)).sort() };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'accessgate-audit-parallel-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('audit verify with objects examined in worker threads', () => {
  it('verifies an intact folder, having examined its objects in the workers', async () => {
    const { dir, evidence } = writeFolder('intact');
    const source = await examinedFolderSource(dir, parallel);
    expect(source.examine?.(evidence[0])?.segment?.events.length).toBeGreaterThan(0);
    const report = await verifyFolder(dir, [keyFile], parallel);
    expect(report.problems).toEqual([]);
    expect(report.stats.segments).toBe(evidence.length);
  });

  it('still finds an altered event, a truncated object and a removed one, as the single-threaded verifier does', async () => {
    const { dir, evidence } = writeFolder('tampered');
    const altered = evidence[3];
    const text = readFileSync(join(dir, altered), 'utf8');
    expect(text).toContain('from customers');
    writeFileSync(join(dir, altered), text.replace('from customers', 'from employees'));
    const truncated = evidence[17];
    writeFileSync(join(dir, truncated), readFileSync(join(dir, truncated)).subarray(0, 100));
    const removed = evidence[29];
    unlinkSync(join(dir, removed));

    const report = await verifyFolder(dir, [keyFile], parallel);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'altered_object', key: altered }),
      expect.objectContaining({ kind: 'altered_event', key: altered }),
      expect.objectContaining({ kind: 'altered_object', key: truncated }),
      expect.objectContaining({ kind: 'malformed_object', key: truncated }),
      expect.objectContaining({ kind: 'missing_object', key: removed }),
    ]));
    const single = await verifyFolder(dir, [keyFile], inThisThread);
    expect(report.problems).toEqual(single.problems);
    expect(report.notes).toEqual(single.notes);
    expect(report.stats).toEqual(single.stats);
    expect(report.streams).toEqual(single.streams);
  });
});
