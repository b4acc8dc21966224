/**
 * Export bookkeeping in the Evidence table, each step one single-item conditional write (dynalite, the
 * local stand-in, has no transactions, and one item per step is what makes races harmless):
 *
 *   CURSOR#<stream> / CURSOR        how far a stream is exported, and a claimed segment not yet confirmed
 *   DIGEST / HEAD                   the next period to seal and the last digest sealed
 *   PERIOD#<start> / MANIFEST       objects recorded in a period, one attribute "o:<key>" each, and
 *                                   sealedAt: once set, the condition on every addition fails, so the
 *                                   list a digest is built from can never grow behind its back
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
import { isConditionFailure } from './dynamodb';

const OBJECT_PREFIX = 'o:';
const cursorKey = (stream: string) => ({ pk: `CURSOR#${stream}`, sk: 'CURSOR' });
const HEAD_KEY = { pk: 'DIGEST', sk: 'HEAD' };
const periodKey = (start: string) => ({ pk: `PERIOD#${start}`, sk: 'MANIFEST' });
const tableExportKey = (day: string) => ({ pk: `TABLE_EXPORT#${day}`, sk: 'EXPORT' });
const publicKeyKey = (fingerprint: string) => ({ pk: `PUBLIC_KEY#${fingerprint}`, sk: 'KEY' });

/** DynamoDB refuses an update that would take an item past 400 KB with a ValidationException. */
const isItemTooLarge = (error: unknown) =>
  (error as { name?: string })?.name === 'ValidationException' && /size/i.test((error as Error).message);

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
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: cursorKey(stream),
          UpdateExpression: 'REMOVE pending',
          ConditionExpression: 'pending.#key = :key',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':key': key },
        }),
      );
    } catch (error) {
      // Already confirmed by a concurrent replay of the same segment.
      if (!isConditionFailure(error)) throw error;
    }
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

  async addToPeriod(periodStart: string, entry: DigestEntry): Promise<AddToPeriodOutcome> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: periodKey(periodStart),
          UpdateExpression: 'SET #object = :entry',
          ConditionExpression: 'attribute_not_exists(sealedAt)',
          ExpressionAttributeNames: { '#object': `${OBJECT_PREFIX}${entry.key}` },
          ExpressionAttributeValues: { ':entry': `${entry.sha256} ${entry.size}` },
        }),
      );
      return 'recorded';
    } catch (error) {
      if (isConditionFailure(error)) return 'sealed';
      if (isItemTooLarge(error)) return 'full';
      throw error;
    }
  }

  async sealPeriod(periodStart: string, at: string): Promise<DigestEntry[]> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: periodKey(periodStart),
        UpdateExpression: 'SET sealedAt = if_not_exists(sealedAt, :at)',
        ExpressionAttributeValues: { ':at': at },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Object.entries(Attributes ?? {})
      .filter(([name]) => name.startsWith(OBJECT_PREFIX))
      .map(([name, value]) => {
        const [sha256, size] = String(value).split(' ');
        return { key: name.slice(OBJECT_PREFIX.length), sha256, size: Number(size) };
      });
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
