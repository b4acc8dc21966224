/**
 * Export bookkeeping in the Evidence table, each step one single-item conditional write (dynalite, the
 * local stand-in, has no transactions, and one item per step is what makes races harmless):
 *
 *   CURSOR#<stream> / CURSOR        how far a stream is exported, and a claimed segment not yet confirmed
 *   DIGEST / HEAD                   the next period to seal and the last digest sealed
 *   PERIOD#<start> / OBJECT#<key>   one item per object recorded in a period (its SHA-256 and size):
 *                                   each addition writes a small item of its own, so the cost of listing
 *                                   an object does not grow with the period, nor is a period capped by
 *                                   DynamoDB's 400 KB item limit
 *   PERIOD#<start> / SEAL           sealedAt, set before the sealer queries the period's objects: an
 *                                   addition that reads no seal after writing its item is in the query
 *   TABLE_EXPORT#<day> / EXPORT     the daily point-in-time export and its copy under lock
 *   PUBLIC_KEY#<fingerprint> / KEY  the signing key's public half has been published
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  AddToPeriodOutcome,
  DigestHead,
  EvidenceStateStore,
  ExportCursor,
  PendingSegment,
  TableExportRecord,
  TableExportStatus,
} from '../app/evidence-ports';
import type { DigestEntry } from '../domain/evidence';
import { isConditionFailure, queryAll, unlessRefused } from './dynamodb';

const OBJECT_PREFIX = 'OBJECT#';
const cursorKey = (stream: string) => ({ pk: `CURSOR#${stream}`, sk: 'CURSOR' });
const HEAD_KEY = { pk: 'DIGEST', sk: 'HEAD' };
const sealKey = (start: string) => ({ pk: `PERIOD#${start}`, sk: 'SEAL' });
const objectKey = (start: string, key: string) => ({ pk: `PERIOD#${start}`, sk: `${OBJECT_PREFIX}${key}` });
const tableExportKey = (day: string) => ({ pk: `TABLE_EXPORT#${day}`, sk: 'EXPORT' });
const publicKeyKey = (fingerprint: string) => ({ pk: `PUBLIC_KEY#${fingerprint}`, sk: 'KEY' });

export class DynamoEvidenceState implements EvidenceStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get<T>(key: Record<string, string>): Promise<T | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    return rest as T;
  }

  private async conditionalPut(item: Record<string, unknown>, condition: string, values?: Record<string, unknown>, names?: Record<string, string>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ...(values ? { ExpressionAttributeValues: values } : {}),
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  cursor(stream: string): Promise<ExportCursor | undefined> {
    return this.get<ExportCursor>(cursorKey(stream));
  }

  claimSegment(stream: string, expected: ExportCursor | undefined, pending: PendingSegment, position: string): Promise<boolean> {
    const item = {
      ...cursorKey(stream),
      last: { key: pending.key, sha256: pending.sha256, toSeq: pending.toSeq, lastHash: pending.lastHash },
      position,
      pending,
    };
    return expected
      ? this.conditionalPut(item, '#last.#key = :expected AND attribute_not_exists(pending)', { ':expected': expected.last.key }, { '#last': 'last', '#key': 'key' })
      : this.conditionalPut(item, 'attribute_not_exists(pk)');
  }

  async completeSegment(stream: string, key: string): Promise<void> {
    // Refused: already confirmed by a concurrent replay of the same segment.
    await unlessRefused(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: cursorKey(stream),
          UpdateExpression: 'REMOVE pending',
          ConditionExpression: 'pending.#key = :key',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':key': key },
        }),
      ),
    );
  }

  digestHead(): Promise<DigestHead | undefined> {
    return this.get<DigestHead>(HEAD_KEY);
  }

  async startDigestChain(next: string): Promise<DigestHead> {
    await this.conditionalPut({ ...HEAD_KEY, next }, 'attribute_not_exists(pk)');
    return (await this.digestHead())!;
  }

  advanceDigestHead(from: string, head: DigestHead): Promise<boolean> {
    return this.conditionalPut({ ...HEAD_KEY, ...head }, '#next = :from', { ':from': from }, { '#next': 'next' });
  }

  /**
   * Writes the object's item, then reads the seal. No seal after the write: the sealer, which seals
   * before it queries, will see the item. A seal: the sealer may have queried before the write, so the
   * object goes on to the next period; it may then be listed in two digests with the same hash, as
   * after a crash between listing and confirming.
   */
  async addToPeriod(periodStart: string, entry: DigestEntry): Promise<AddToPeriodOutcome> {
    if (await this.sealedAt(periodStart)) return 'sealed';
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...objectKey(periodStart, entry.key), sha256: entry.sha256, size: entry.size } }));
    return (await this.sealedAt(periodStart)) ? 'sealed' : 'recorded';
  }

  private async sealedAt(periodStart: string): Promise<string | undefined> {
    return (await this.get<{ sealedAt?: string }>(sealKey(periodStart)))?.sealedAt;
  }

  async sealPeriod(periodStart: string, at: string): Promise<DigestEntry[]> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: sealKey(periodStart),
        UpdateExpression: 'SET sealedAt = if_not_exists(sealedAt, :at)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': sealKey(periodStart).pk, ':prefix': OBJECT_PREFIX },
      ConsistentRead: true,
    });
    const entries: DigestEntry[] = items.map((item) => ({ key: (item.sk as string).slice(OBJECT_PREFIX.length), sha256: item.sha256 as string, size: Number(item.size) }));
    return entries;
  }

  tableExport(day: string): Promise<TableExportRecord | undefined> {
    return this.get<TableExportRecord>(tableExportKey(day));
  }

  saveTableExport(record: TableExportRecord, expected: TableExportStatus | undefined): Promise<boolean> {
    const item = { ...tableExportKey(record.day), ...record };
    return expected
      ? this.conditionalPut(item, '#status = :expected', { ':expected': expected }, { '#status': 'status' })
      : this.conditionalPut(item, 'attribute_not_exists(pk)');
  }

  async keyPublished(fingerprint: string): Promise<boolean> {
    return !!(await this.get(publicKeyKey(fingerprint)));
  }

  async markKeyPublished(fingerprint: string): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...publicKeyKey(fingerprint), publishedAt: new Date().toISOString() } }));
  }
}
