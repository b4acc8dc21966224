/**
 * Where `audit pull` reads exports from: the API (GET /audit/exports, auditors only, the default), or
 * the bucket itself with the auditor's own AWS credentials (`--bucket s3://name`). Both list through
 * the same catalog (functions/app/evidence-catalog.ts), so both pull the same set of files. Large
 * objects come through the API in 4 MiB ranges, below Lambda's response limit.
 */
import type { ExportListing } from '../../../functions/app/evidence-catalog';
import { clientFor } from '../../lib/api';
import { type Env, resolveApi, resolveToken } from '../../lib/config';
import { CliError, EXIT } from '../../lib/errors';

export interface ExportSource {
  readonly description: string;
  list(range: { from: Date; to: Date; cursor?: string }): Promise<ExportListing>;
  download(key: string, size: number): Promise<Uint8Array>;
}

const CHUNK = 4 * 1024 * 1024;

export function apiSource(apiFlag: string | undefined, env: Env): ExportSource {
  const client = clientFor(apiFlag, env);
  const api = resolveApi(apiFlag, env);
  const token = resolveToken(api, env);
  return {
    description: api,
    list: ({ from, to, cursor }) => {
      const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), ...(cursor ? { cursor } : {}) });
      return client.call<ExportListing>('GET', `/audit/exports?${query}`);
    },
    async download(key, size) {
      const parts: Buffer[] = [];
      for (let offset = 0; offset < Math.max(size, 1); offset += CHUNK) {
        const query = new URLSearchParams({ key, offset: String(offset), length: String(CHUNK) });
        let response: Response;
        try {
          response = await fetch(`${api}/audit/exports/object?${query}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
        } catch (error) {
          throw new CliError(`Could not download ${key} from ${api} (${(error as Error).message}).`, 'Check the API URL and your network, then run the pull again: files already downloaded are kept.', EXIT.unavailable);
        }
        if (!response.ok) {
          const text = await response.text();
          const message = (() => {
            try {
              return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
            } catch {
              return text;
            }
          })();
          const exit = response.status === 401 ? EXIT.auth : response.status === 403 || response.status === 404 ? EXIT.refused : EXIT.unavailable;
          throw new CliError(`Downloading ${key} failed (${response.status}): ${message}`, response.status === 403 ? 'Exports are for members of the auditors group.' : 'Run the pull again.', exit);
        }
        parts.push(Buffer.from(await response.arrayBuffer()));
        if (size === 0) break;
      }
      return Buffer.concat(parts);
    },
  };
}

/** Reads the bucket directly; the AWS SDK is loaded only here, so offline verification never needs it. */
export async function bucketSource(bucket: string, region: string | undefined): Promise<ExportSource> {
  const match = /^(?:s3:\/\/)?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?$/.exec(bucket);
  if (!match) throw new CliError(`"${bucket}" is not a bucket name.`, 'Pass --bucket s3://<evidence bucket name> (the stack output EvidenceBucketName).', EXIT.usage);
  const [{ S3Client }, { S3ObjectStore }, { listExports }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('../../../functions/adapters/object-store'),
    import('../../../functions/app/evidence-catalog'),
  ]);
  const store = new S3ObjectStore(new S3Client(region ? { region } : {}), match[1]);
  return {
    description: `s3://${match[1]}`,
    list: (range) => listExports(store, range),
    async download(key) {
      const bytes = await store.get(key);
      if (!bytes) throw new CliError(`${key} is listed but not in s3://${match[1]}.`, 'Run accessgate audit verify on what was pulled: it will name the missing object.', EXIT.failed);
      return bytes;
    },
  };
}
