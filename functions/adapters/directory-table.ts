/**
 * The mapping-table directory: email → sub, name and groups, kept in the Sessions table as
 * `USER#<email>` items and listed through the byKind index (kind `USER`), like rules and resources.
 * Admins maintain it through /directory/users; reads are consistent, so removing someone takes
 * effect on their very next click.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DirectoryTable } from '../app/ports';
import { type Identity, normalizeEmail } from '../domain/identity';
import { recordsOfKind } from './dynamodb';

const KIND = 'USER';
const keyOf = (email: string) => ({ pk: `${KIND}#${normalizeEmail(email)}`, sk: 'META' });

const recordOf = (item: Record<string, unknown> | undefined): Identity | undefined => item?.record as Identity | undefined;

export class DynamoDirectoryTable implements DirectoryTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async lookup(email: string): Promise<Identity | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyOf(email), ConsistentRead: true }));
    return recordOf(Item);
  }

  list(): Promise<Identity[]> {
    return recordsOfKind<Identity>(this.client, this.tableName, KIND);
  }

  async put(entry: Identity): Promise<Identity | undefined> {
    const email = normalizeEmail(entry.email);
    const { Attributes } = await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyOf(email), kind: KIND, name: email, record: { ...entry, email } },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return recordOf(Attributes);
  }

  async remove(email: string): Promise<Identity | undefined> {
    const { Attributes } = await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(email), ReturnValues: 'ALL_OLD' }));
    return recordOf(Attributes);
  }
}
