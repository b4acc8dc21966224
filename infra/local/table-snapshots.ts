/**
 * The local stand-in for DynamoDB's point-in-time export (dynalite has none): a full scan of the event
 * table written in the export's own layout and format (manifest-summary.json, manifest-files.json and
 * gzipped DYNAMODB_JSON data files, one `{"Item": …}` per line) into a staging folder, which, like the
 * staging bucket's lifecycle rule, forgets exports older than a week. The copy under lock into the
 * evidence store is done by the same use case as on AWS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SnapshotStatus, TableSnapshots } from '../../functions/app/evidence-ports';

const ITEMS_PER_FILE = 10_000;
const STAGING_DAYS = 7;

export class LocalTableSnapshots implements TableSnapshots {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly stagingDir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(stagingDir, { recursive: true });
  }

  async start(day: string): Promise<string> {
    this.expireOld();
    const startTime = this.now();
    const exportId = `${startTime.getTime()}-${randomBytes(4).toString('hex')}`;
    const dir = join(this.stagingDir, exportId);
    mkdirSync(join(dir, 'data'), { recursive: true });
    const manifestLines: string[] = [];
    let lines: string[] = [];
    let itemCount = 0;
    const flush = () => {
      if (!lines.length) return;
      const name = `data/${randomBytes(8).toString('hex')}.json.gz`;
      const bytes = gzipSync(`${lines.join('\n')}\n`);
      writeFileSync(join(dir, name), bytes);
      manifestLines.push(JSON.stringify({ itemCount: lines.length, md5Checksum: createHash('md5').update(bytes).digest('base64'), dataFileS3Key: name }));
      lines = [];
    };
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        lines.push(JSON.stringify({ Item: item }));
        itemCount++;
        if (lines.length === ITEMS_PER_FILE) flush();
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    flush();
    writeFileSync(join(dir, 'manifest-files.json'), manifestLines.map((line) => `${line}\n`).join(''));
    writeFileSync(
      join(dir, 'manifest-summary.json'),
      JSON.stringify({
        version: '2020-06-30',
        exportArn: `local:table/${this.tableName}/export/${exportId}`,
        startTime: startTime.toISOString(),
        endTime: this.now().toISOString(),
        tableArn: `local:table/${this.tableName}`,
        exportTime: startTime.toISOString(),
        s3Prefix: `exports/${day}`,
        manifestFilesS3Key: 'manifest-files.json',
        itemCount,
        outputFormat: 'DYNAMODB_JSON',
        exportType: 'FULL_EXPORT',
      }),
    );
    return exportId;
  }

  async status(exportId: string): Promise<{ status: SnapshotStatus; message?: string }> {
    return existsSync(join(this.stagingDir, exportId, 'manifest-summary.json'))
      ? { status: 'COMPLETED' }
      : { status: 'FAILED', message: `local export ${exportId} is gone from the staging folder` };
  }

  async files(exportId: string): Promise<{ name: string; read(): Promise<Uint8Array> }[]> {
    const dir = join(this.stagingDir, exportId);
    const data = existsSync(join(dir, 'data')) ? readdirSync(join(dir, 'data')).sort().map((name) => `data/${name}`) : [];
    return ['manifest-summary.json', 'manifest-files.json', ...data].map((name) => ({ name, read: async () => readFileSync(join(dir, name)) }));
  }

  private expireOld(): void {
    const cutoff = this.now().getTime() - STAGING_DAYS * 86_400_000;
    for (const entry of readdirSync(this.stagingDir)) {
      if (statSync(join(this.stagingDir, entry)).mtimeMs < cutoff) rmSync(join(this.stagingDir, entry), { recursive: true, force: true });
    }
  }
}
