/**
 * The daily full copy of the event table through DynamoDB's point-in-time export, into the staging
 * bucket (whose lifecycle rule expires it: the copy under lock is the one that is kept). The ClientToken
 * is the day, so a retried start within DynamoDB's 8-hour idempotency window returns the same export.
 * Files are read back through the staging bucket's object store in the order the export's manifests
 * name them: manifest-summary.json, manifest-files.json, then each data file.
 */
import { DescribeExportCommand, type DynamoDBClient, ExportTableToPointInTimeCommand } from '@aws-sdk/client-dynamodb';
import type { ObjectStore, SnapshotStatus, TableSnapshots } from '../app/evidence-ports';

export class PitrTableSnapshots implements TableSnapshots {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly staging: ObjectStore,
    private readonly stagingBucket: string,
    private readonly tableArn: string,
  ) {}

  async start(day: string): Promise<string> {
    const { ExportDescription } = await this.dynamodb.send(
      new ExportTableToPointInTimeCommand({
        TableArn: this.tableArn,
        S3Bucket: this.stagingBucket,
        S3Prefix: `exports/${day}`,
        ExportFormat: 'DYNAMODB_JSON',
        ExportType: 'FULL_EXPORT',
        ClientToken: `accessgate-${day}`,
      }),
    );
    if (!ExportDescription?.ExportArn) throw new Error(`DynamoDB started no export of ${this.tableArn}`);
    return ExportDescription.ExportArn;
  }

  async status(exportArn: string): Promise<{ status: SnapshotStatus; message?: string }> {
    const { ExportDescription } = await this.dynamodb.send(new DescribeExportCommand({ ExportArn: exportArn }));
    const status = (ExportDescription?.ExportStatus ?? 'IN_PROGRESS') as SnapshotStatus;
    return { status, ...(ExportDescription?.FailureMessage ? { message: ExportDescription.FailureMessage } : {}) };
  }

  async files(exportArn: string): Promise<{ name: string; read(): Promise<Uint8Array> }[]> {
    const { ExportDescription } = await this.dynamodb.send(new DescribeExportCommand({ ExportArn: exportArn }));
    const summaryKey = ExportDescription?.ExportManifest;
    if (!summaryKey) throw new Error(`export ${exportArn} has no manifest yet`);
    // Every file of the export sits under the folder holding manifest-summary.json.
    const base = summaryKey.slice(0, summaryKey.lastIndexOf('/') + 1);
    const read = async (key: string) => {
      const bytes = await this.staging.get(key);
      if (!bytes) throw new Error(`staging object ${key} of export ${exportArn} is missing`);
      return bytes;
    };
    const summary = JSON.parse(Buffer.from(await read(summaryKey)).toString('utf8')) as { manifestFilesS3Key?: string };
    const filesKey = summary.manifestFilesS3Key ?? `${base}manifest-files.json`;
    const manifest = Buffer.from(await read(filesKey)).toString('utf8');
    const dataKeys = manifest
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => (JSON.parse(line) as { dataFileS3Key: string }).dataFileS3Key);
    return [summaryKey, filesKey, ...dataKeys].map((key) => ({
      name: key.startsWith(base) ? key.slice(base.length) : key.split('/').slice(-2).join('/'),
      read: () => read(key),
    }));
  }
}
