/**
 * dynalite for an adapter's test file: `dynamoPerFile()` starts one in memory with every table of the
 * stack before the file's first hook or case, and closes it after its last (test/support/per-file.ts).
 * The document client is the one the product builds (`documentClientOf`), so the adapters see the same
 * marshalling as on AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClientOf } from '../../functions/adapters/dynamodb';
import { type LocalDynamo, startLocalDynamo } from '../../infra/local/dynamo';
import { perFile } from './per-file';

export interface DynamoFixture {
  /** Table names by their environment variable (`SESSIONS_TABLE`, …). */
  readonly tables: LocalDynamo['tableNames'];
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export function dynamoPerFile(): DynamoFixture {
  return perFile(
    async () => {
      const dynamo = await startLocalDynamo(undefined);
      const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      return {
        tables: dynamo.tableNames,
        client,
        documents: documentClientOf(client),
        async close() {
          client.destroy();
          await dynamo.close();
        },
      };
    },
    (fixture) => fixture.close(),
  );
}
