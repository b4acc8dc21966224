/**
 * DynamoDB helpers shared by the adapters. The document client is made once per composition
 * (functions/wiring.ts) and reused across invocations. Its endpoint comes from the SDK's own
 * configuration (AWS_ENDPOINT_URL_DYNAMODB locally), so the same code talks to DynamoDB on AWS and to
 * dynalite on a laptop.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidInputError } from '../domain/errors';

/** The document client the adapters expect: undefined attributes dropped, class instances refused. */
export const documentClientOf = (client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';

/**
 * Awaits a conditional write: undefined when DynamoDB refused it because its condition did not hold,
 * the write's own result otherwise. Any other failure is thrown.
 */
export async function unlessRefused<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Runs a Query across every page, or until `limit` items: one response stops at 1 MB, so reading only
 * the first page would silently drop items once a partition grows.
 */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit = Number.POSITIVE_INFINITY,
): Promise<Record<string, unknown>[]> {
  const { ExclusiveStartKey, ...query } = input;
  const items: Record<string, unknown>[] = [];
  let startKey = ExclusiveStartKey;
  do {
    const page = await client.send(
      new QueryCommand({
        ...query,
        ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items;
}

/**
 * The records of every item of one kind (`RULE`, `RESOURCE`, `USER`, `WEBHOOK`) in the Sessions table,
 * through its byKind index, so listing never scans. Each item nests its record under `record`.
 */
export async function recordsOfKind<T>(client: DynamoDBDocumentClient, tableName: string, kind: string): Promise<T[]> {
  const items = await queryAll(client, {
    TableName: tableName,
    IndexName: 'byKind',
    KeyConditionExpression: 'kind = :kind',
    ExpressionAttributeValues: { ':kind': kind },
  });
  return items.map((item) => item.record as T);
}

/**
 * Reads these items with consistent reads, 100 keys a request, asking again for the keys DynamoDB left
 * unprocessed. Items that do not exist are missing from the answer; its order is not the keys'.
 */
export async function batchGetAll(client: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += 100) {
    let batch: Record<string, unknown>[] | undefined = keys.slice(start, start + 100);
    while (batch && batch.length > 0) {
      const { Responses, UnprocessedKeys } = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: batch, ConsistentRead: true } } }));
      items.push(...(Responses?.[tableName] ?? []));
      batch = UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}

export function encodeCursor(key: Record<string, unknown> | undefined, extra?: Record<string, unknown>): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify({ key, ...extra }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { key: Record<string, unknown>; [k: string]: unknown } | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { key?: unknown };
    if (value && typeof value.key === 'object' && value.key !== null) return value as { key: Record<string, unknown> };
  } catch {
    // fall through to the shared error below
  }
  throw new InvalidInputError('cursor: not a cursor this API returned', { fields: ['cursor'] });
}
