/**
 * Counts what the local runtime does in the units AWS bills, so the cost model (infra/cost-model.ts)
 * works from counts rather than from estimates typed in by hand:
 *  - Step Functions: states entered (Standard bills one transition per state entered) and execution
 *    history events (what the state machine's log group ingests at level ALL);
 *  - Lambda: invocations per function, each one a handler run through the stack's `bind`;
 *  - API Gateway: requests, the invocations whose function is an HTTP route (`GET /sessions/{id}`);
 *  - DynamoDB: read units as dynalite reports them, and write units computed as DynamoDB bills them
 *    (dynalite reports only the base table): per item written, 1 unit per started KB for the table and
 *    for each index the old or new item lands in, 2 for an index whose key changes, and nothing for an
 *    index that neither image reaches or whose projected attributes do not change;
 *  - log bytes: what handlers write to stdout and stderr while `capture` runs.
 *
 * The meter only counts; it never changes a request's outcome.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { MiddlewareStack } from '@smithy/types';
import { allTables, type TableDefinition } from '../tables';

const require = createRequire(import.meta.url);
/** DynamoDB's own item-size rule (attribute names plus values), as dynalite implements it. */
const itemSize = (require('dynalite/db') as { itemSize(item: Item): number }).itemSize;

type Item = Record<string, AttributeValue>;

export interface Usage {
  transitions: number;
  historyEvents: number;
  invocations: Record<string, number>;
  apiRequests: number;
  readUnits: number;
  writeUnits: number;
  logBytes: number;
}

export const emptyUsage = (): Usage => ({ transitions: 0, historyEvents: 0, invocations: {}, apiRequests: 0, readUnits: 0, writeUnits: 0, logBytes: 0 });

/** `after` minus `before`, per counter. */
export function usageBetween(before: Usage, after: Usage): Usage {
  const invocations: Record<string, number> = {};
  for (const [name, count] of Object.entries(after.invocations)) {
    const delta = count - (before.invocations[name] ?? 0);
    if (delta) invocations[name] = delta;
  }
  return {
    transitions: after.transitions - before.transitions,
    historyEvents: after.historyEvents - before.historyEvents,
    invocations,
    apiRequests: after.apiRequests - before.apiRequests,
    readUnits: after.readUnits - before.readUnits,
    writeUnits: after.writeUnits - before.writeUnits,
    logBytes: after.logBytes - before.logBytes,
  };
}

const ASIDE = '(not metered)';
const ROUTE = /^(GET|POST|PUT|PATCH|DELETE) \//;
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** Started KB of an item, 0 for no item. */
const kilobytes = (item: Item | undefined): number => (item ? Math.max(1, Math.ceil(itemSize(item) / 1024)) : 0);

/** The attributes of an item one index holds: its keys and what it projects. */
function projected(item: Item | undefined, table: TableDefinition, index: TableDefinition['indexes'][number]): Item | undefined {
  if (!item || !(index.partitionKey in item) || !(index.sortKey in item)) return undefined;
  const projection = index.projection;
  if (!projection) return item;
  const keep = new Set([table.partitionKey, table.sortKey, index.partitionKey, index.sortKey, ...projection]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => keep.has(name)));
}

/** Write units of changing `before` into `after` (either may be absent), as DynamoDB on-demand bills them. */
export function writeUnits(table: TableDefinition, before: Item | undefined, after: Item | undefined): number {
  let units = Math.max(1, kilobytes(before), kilobytes(after));
  for (const index of table.indexes) {
    const old = projected(before, table, index);
    const next = projected(after, table, index);
    if (!old && !next) continue;
    if (old && next) {
      const keyChanged = JSON.stringify(old[index.partitionKey]) !== JSON.stringify(next[index.partitionKey]) || JSON.stringify(old[index.sortKey]) !== JSON.stringify(next[index.sortKey]);
      if (keyChanged) units += kilobytes(old) + kilobytes(next);
      else if (JSON.stringify(old) !== JSON.stringify(next)) units += kilobytes(next);
    } else {
      units += kilobytes(old ?? next);
    }
  }
  return units;
}

export class UsageMeter {
  private readonly usage = emptyUsage();
  private readonly current = new AsyncLocalStorage<string>();
  private running = 0;

  /**
   * `unmetered` names functions whose work is not per command (the hourly digest sealer, the daily
   * table export): neither their invocations nor what they read, write or log is counted.
   */
  constructor(private readonly unmetered: ReadonlySet<string> = new Set()) {}

  /** Runs `work` uncounted: a scenario's own look at the tables, which no client would make. */
  aside<T>(work: () => Promise<T>): Promise<T> {
    return this.current.run(ASIDE, work);
  }

  private counting(): boolean {
    const name = this.current.getStore();
    return name === undefined || (name !== ASIDE && !this.unmetered.has(name));
  }

  snapshot(): Usage {
    return structuredClone(this.usage);
  }

  /** One execution history event; a StateEntered event is also one Standard state transition. */
  historyEvent(type: string): void {
    this.usage.historyEvents += 1;
    if (type === 'StateEntered') this.usage.transitions += 1;
  }

  /** Runs one Lambda invocation of the named function; an HTTP route's function is also one API request. */
  invoke<T>(functionName: string, work: () => Promise<T>): Promise<T> {
    if (!this.unmetered.has(functionName)) {
      this.usage.invocations[functionName] = (this.usage.invocations[functionName] ?? 0) + 1;
      if (ROUTE.test(functionName)) this.usage.apiRequests += 1;
    }
    this.running += 1;
    return this.current.run(functionName, work).finally(() => {
      this.running -= 1;
    });
  }

  /** How many invocations are running now: a measurement ends only once none is. */
  get invocationsRunning(): number {
    return this.running;
  }

  /** Runs `work` counting the bytes written to stdout and stderr meanwhile (CloudWatch Logs ingests both). */
  async capture<T>(work: () => Promise<T>): Promise<T> {
    const streams = [process.stdout, process.stderr];
    const originals = streams.map((stream) => stream.write);
    streams.forEach((stream, i) => {
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        if (this.counting()) this.usage.logBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        return (originals[i] as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      }) as typeof stream.write;
    });
    try {
      return await work();
    } finally {
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      });
    }
  }

  /**
   * Meters a DynamoDB client: read units from the ConsumedCapacity it asks dynalite for, write units
   * computed from the item before and after each write, read through a separate, unmetered client.
   * The images are read around the write, so a concurrent write to the same item may be misattributed;
   * the cost scenarios write each item from one place at a time.
   */
  meterDynamo(stack: MiddlewareStack<any, any>, endpoint: string, tableNames: Record<string, string>): void {
    const probe = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const tables = new Map(allTables.map((table) => [tableNames[table.envVar]!, table]));
    const itemAt = async (tableName: string, key: Item) =>
      (await probe.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    const keyOf = (table: TableDefinition, item: Item): Item => ({ [table.partitionKey]: item[table.partitionKey]!, [table.sortKey]: item[table.sortKey]! });
    stack.add(
      (next: any) => async (args: any) => {
        if (!this.counting()) return next(args);
        const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
        const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        const body = JSON.parse(text) as { TableName: string; Key?: Item; Item?: Item; RequestItems?: Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]> };
        const writes: { table: TableDefinition; tableName: string; key: Item; before?: Item }[] = [];
        if (WRITES.has(operation) && tables.has(body.TableName)) {
          const table = tables.get(body.TableName)!;
          writes.push({ table, tableName: body.TableName, key: body.Key ?? keyOf(table, body.Item!) });
        } else if (operation === 'BatchWriteItem') {
          for (const [tableName, requests] of Object.entries(body.RequestItems ?? {})) {
            const table = tables.get(tableName);
            if (!table) continue;
            for (const write of requests) writes.push({ table, tableName, key: write.DeleteRequest?.Key ?? keyOf(table, write.PutRequest!.Item) });
          }
        } else if (!('ReturnConsumedCapacity' in body)) {
          const asked = JSON.stringify({ ...body, ReturnConsumedCapacity: 'TOTAL' });
          request.body = typeof request.body === 'string' ? asked : new TextEncoder().encode(asked);
        }
        for (const write of writes) write.before = await itemAt(write.tableName, write.key);
        let result;
        try {
          result = await next(args);
        } catch (error) {
          // A refused conditional write is billed too: the item's size on the table, no index touched.
          for (const write of writes) this.usage.writeUnits += Math.max(1, kilobytes(write.before));
          throw error;
        }
        const consumed = (result.output as { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] }).ConsumedCapacity;
        if (!writes.length && consumed) for (const entry of [consumed].flat()) this.usage.readUnits += entry.CapacityUnits ?? 0;
        for (const write of writes) this.usage.writeUnits += writeUnits(write.table, write.before, await itemAt(write.tableName, write.key));
        return result;
      },
      { step: 'build', priority: 'high', name: 'usageMeter' },
    );
  }
}
