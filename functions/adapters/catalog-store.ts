/**
 * Rules and resources, kept in the Sessions table (RULE#name / RESOURCE#id) and listed through the
 * byKind index, so no request path ever scans.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CatalogStore } from '../app/ports';
import { ConflictError } from '../domain/errors';
import type { Resource } from '../domain/resource';
import type { Rule } from '../domain/rule';
import { isConditionFailure, recordsOfKind, unlessRefused } from './dynamodb';

type Kind = 'RULE' | 'RESOURCE';
const keyOf = (kind: Kind, name: string) => ({ pk: `${kind}#${name}`, sk: 'META' });

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, kind: _kind, name: _name, record } = item;
  return record as T;
}

export class DynamoCatalogStore implements CatalogStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async getOne<T>(kind: Kind, name: string): Promise<T | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyOf(kind, name), ConsistentRead: true }));
    return strip<T>(Item);
  }

  /** Writes an item; returns what it replaced. The record is nested so stored keys never collide with its fields. */
  private async put<T>(kind: Kind, name: string, record: T, condition?: string): Promise<T | undefined> {
    const { Attributes } = await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyOf(kind, name), kind, name, record },
        ConditionExpression: condition,
        ReturnValues: 'ALL_OLD',
      }),
    );
    return strip<T>(Attributes);
  }

  resource(id: string) {
    return this.getOne<Resource>('RESOURCE', id);
  }

  resources() {
    return recordsOfKind<Resource>(this.client, this.tableName, 'RESOURCE');
  }

  putResource(resource: Resource) {
    return this.put('RESOURCE', resource.id, resource);
  }

  rule(name: string) {
    return this.getOne<Rule>('RULE', name);
  }

  rules() {
    return recordsOfKind<Rule>(this.client, this.tableName, 'RULE');
  }

  async createRule(rule: Rule): Promise<void> {
    try {
      await this.put('RULE', rule.name, rule, 'attribute_not_exists(pk)');
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`A rule named "${rule.name}" already exists.`, 'rule_exists');
      throw error;
    }
  }

  replaceRule(rule: Rule): Promise<Rule | undefined> {
    return unlessRefused(this.put('RULE', rule.name, rule, 'attribute_exists(pk)'));
  }

  async deleteRule(name: string): Promise<Rule | undefined> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: keyOf('RULE', name), ReturnValues: 'ALL_OLD' }),
    );
    return strip<Rule>(Attributes);
  }
}
