/**
 * `accessgate audit pull --from --to --out <folder>`: downloads the digests whose period starts in the
 * range, every object they list and the public keys, into a folder laid out as the bucket is, plus
 * pull.json (the range and how far digests were sealed, so verify can tell a digest missing at either
 * end). Objects already present with the listed SHA-256 are not downloaded again, so an interrupted
 * pull can simply be re-run. Nothing is trusted here: `audit verify` checks what was pulled.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ListedObject } from '../../../functions/app/evidence-catalog';
import { PULL_RECORD_FILE, type PullRecord } from '../../../functions/domain/evidence';
import { isSafeKey } from '../../../functions/domain/evidence-verify';
import { parseOptionsOnly } from '../../lib/args';
import type { Io } from '../../lib/command';
import { CliError, EXIT, usageError } from '../../lib/errors';

import { apiSource, bucketSource, type ExportSource } from './sources';

export const help = `Usage: accessgate audit pull --from <time> --to <time> --out <folder> [--bucket s3://<name>] [--region <region>]

Downloads the audit evidence for a time range: every digest whose period starts in [from, to), every
object those digests list (session evidence, configuration and security events, daily table exports)
and the public keys, into <folder>, laid out as the bucket is. Times are ISO 8601 (2026-11-01 or
2026-11-01T09:00:00Z, UTC). Through the API by default (auditors only); --bucket reads the evidence
bucket directly with your AWS credentials. Re-running skips files already downloaded intact.`;

const PARALLEL = 6;

export function parseTime(value: string | undefined, name: string): Date {
  if (!value) throw usageError(`--${name} is required.`);
  const time = value === 'now' ? Date.now() : Date.parse(value);
  if (Number.isNaN(time)) throw usageError(`--${name} must be an ISO 8601 date or time (e.g. 2026-11-01 or 2026-11-01T09:00:00Z), not "${value}".`);
  return new Date(time);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function target(out: string, key: string): string {
  if (!isSafeKey(key)) throw new CliError(`The listing names an unsafe key: ${JSON.stringify(key.slice(0, 200))}.`, 'Nothing was written for it; report this listing to the accessgate operators.', EXIT.failed);
  return join(out, ...key.split('/'));
}

export async function run(args: readonly string[], io: Io): Promise<number> {
  const values = parseOptionsOnly(args, { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, bucket: { type: 'string' }, region: { type: 'string' } }, 'audit pull');
  const from = parseTime(values.from, 'from');
  const to = parseTime(values.to, 'to');
  if (!(from < to)) throw usageError('--from must be before --to.');
  if (!values.out) throw usageError('--out <folder> is required.');
  const out = resolve(values.out);
  const source: ExportSource = values.bucket ? await bucketSource(values.bucket, values.region) : apiSource(values.api, io.env);

  const digests: ListedObject[] = [];
  const objects = new Map<string, ListedObject>();
  let sealedUntil: string | undefined;
  let cursor: string | undefined;
  do {
    const page = await source.list({ from, to, ...(cursor ? { cursor } : {}) });
    sealedUntil ??= page.sealedUntil;
    digests.push(...page.digests);
    for (const item of [...page.objects, ...page.publicKeys]) objects.set(item.key, item);
    cursor = page.cursor;
  } while (cursor);

  const queue = [...digests, ...objects.values()];
  let downloaded = 0;
  let kept = 0;
  let bytes = 0;
  const mismatched: string[] = [];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const path = target(out, item.key);
      if (item.sha256 && existsSync(path) && sha256(readFileSync(path)) === item.sha256) {
        kept++;
        continue;
      }
      const body = await source.download(item.key, item.size);
      if (item.sha256 && sha256(body) !== item.sha256) mismatched.push(item.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, body);
      downloaded++;
      bytes += body.length;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));

  const record: PullRecord = {
    from: from.toISOString(),
    to: to.toISOString(),
    ...(sealedUntil ? { sealedUntil } : {}),
    source: source.description,
    pulledAt: new Date().toISOString(),
    digests: digests.length,
    objects: objects.size,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, PULL_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
  io.stdout.write(
    `Pulled ${digests.length} digest(s) and ${objects.size} object(s) from ${source.description} into ${out}` +
      ` (${downloaded} downloaded, ${(bytes / 1024).toFixed(1)} KiB; ${kept} already present).\n` +
      (digests.length === 0 ? 'No digest has been sealed for this range yet.\n' : '') +
      `Next: accessgate audit verify ${values.out}\n`,
  );
  if (mismatched.length) {
    io.stderr.write(`${mismatched.length} object(s) did not match the SHA-256 their digest lists, e.g. ${mismatched[0]}.\n  Run accessgate audit verify ${values.out} for the full account.\n`);
    return EXIT.failed;
  }
  return EXIT.done;
}
