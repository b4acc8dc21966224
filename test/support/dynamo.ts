/**
 * dynalite for an adapter's test file: `dynamoPerFile()` starts one in memory with every table of the
 * stack before the file's first hook or case, and closes it after its last. The document client is the
 * one the product builds (`documentClientOf`), so the adapters see the same marshalling as on AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { documentClientOf } from '../../functions/adapters/dynamodb';
import { type LocalDynamo, startLocalDynamo } from '../../infra/local/dynamo';

export interface DynamoFixture {
  /** Table names by their environment variable (`SESSIONS_TABLE`, …). */
  readonly tables: LocalDynamo['tableNames'];
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
}

/** Usable from the file's own `beforeAll` on (registered after this call) until its last case ends. */
export function dynamoPerFile(): DynamoFixture {
  let started: { dynamo: LocalDynamo; client: DynamoDBClient; documents: DynamoDBDocumentClient } | undefined;
  beforeAll(async () => {
    const dynamo = await startLocalDynamo(undefined);
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    started = { dynamo, client, documents: documentClientOf(client) };
  });
  afterAll(async () => {
    started?.client.destroy();
    await started?.dynamo.close();
  });
  const current = () => {
    if (!started) throw new Error('dynalite is used before its beforeAll has started it');
    return started;
  };
  return {
    get tables() {
      return current().dynamo.tableNames;
    },
    get client() {
      return current().client;
    },
    get documents() {
      return current().documents;
    },
  };
}
