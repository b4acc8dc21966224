/**
 * `accessgate audit verify <folder>`: checks, offline, every file of the folder byte for byte (digests,
 * keys, objects), the digest chain, the pull record and every stream's event chain, and names each
 * problem (what is wrong, in which file, at which event) with exit code 1 when there is any. Needs nothing but the
 * folder and, ideally, the public key obtained out of band (--public-key), since a key found in the
 * folder only proves the folder agrees with itself.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type VerifyReport, verifyEvidence } from '../../../functions/domain/evidence-verify';
import { parse } from '../../lib/args';
import type { Io } from '../../lib/command';
import { CliError, EXIT, usageError } from '../../lib/errors';
import { examinedFolderSource } from './examine-pool';
import { readPullRecord } from './folder';

export const help = `Usage: accessgate audit verify <folder> [--public-key <file.pem>]... [--json]

Verifies an evidence folder written by accessgate audit pull, with no network access: every digest's
signature and exact bytes, the digest chain (each digest names the previous one, its SHA-256 and
signature; no period may be missing), pull.json's range and counts, every listed object's SHA-256 and
size, that no unlisted object poses as evidence, that public-keys/ holds only the keys the digests name,
every stream's hash chain across its objects, and every event against the documented event schema.
--public-key pins the key(s) to trust (get the PEM from your accessgate operators, or from KMS:
aws kms get-public-key); without it the keys the digests name in public-keys/ are used, and said so.
Exits 0 when everything verifies, 1 when anything does not, naming each problem.`;

export function loadKeys(files: readonly string[] | undefined): string[] {
  return (files ?? []).map((file) => {
    if (!existsSync(file)) throw usageError(`--public-key ${file}: no such file.`);
    return readFileSync(file, 'utf8');
  });
}

export async function verifyFolder(folder: string, keyFiles: readonly string[] | undefined, threads?: { threads?: number; threadsFrom?: number }): Promise<VerifyReport> {
  const root = resolve(folder);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new CliError(`${folder} is not a folder.`, 'Pass the folder accessgate audit pull wrote (its --out).', EXIT.usage);
  }
  const trusted = loadKeys(keyFiles);
  return verifyEvidence(await examinedFolderSource(root, threads), { trustedKeys: trusted, pullRecord: readPullRecord(root) });
}

export function summary(report: VerifyReport): string {
  const { stats } = report;
  const range = report.coverage ? ` covering ${report.coverage.from} to ${report.coverage.to}` : '';
  return `${stats.digests} digest(s)${range}, ${stats.objects} object(s), ${stats.segments} evidence segment(s), ${stats.events} event(s), ${(stats.bytes / 1024 / 1024).toFixed(2)} MiB hashed`;
}

export async function run(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { 'public-key': { type: 'string', multiple: true }, json: { type: 'boolean' } });
  if (positionals.length !== 1) throw usageError('audit verify takes one folder.', 'Usage: accessgate audit verify <folder> [--public-key <file.pem>]');
  const report = await verifyFolder(positionals[0], values['public-key']);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ ok: report.ok, problems: report.problems, notes: report.notes, coverage: report.coverage, stats: report.stats }, null, 2)}\n`);
    return report.ok ? EXIT.done : EXIT.failed;
  }
  for (const note of report.notes) io.stderr.write(`note: ${note}\n`);
  if (report.ok) {
    io.stdout.write(`VERIFIED: ${summary(report)}.\n`);
    return EXIT.done;
  }
  io.stdout.write(`NOT VERIFIED: ${report.problems.length} problem(s) in ${summary(report)}:\n`);
  for (const problem of report.problems) io.stdout.write(`  ${problem.kind.padEnd(20)} ${problem.message}\n`);
  return EXIT.failed;
}
