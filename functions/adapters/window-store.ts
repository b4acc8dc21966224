/**
 * Access windows' transitions (WindowStore) on the session items of the Sessions table
 * (session-store.ts). Each is one conditional update on the status: the first writer wins.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WindowStore } from '../app/ports';
import type { Actor } from '../domain/identity';
import type { Session } from '../domain/session';
import { unlessRefused } from './dynamodb';
import { sessionKey } from './session-item';
import { SessionParts } from './session-parts';

export class DynamoWindowStore implements WindowStore {
  private readonly parts: SessionParts;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.parts = new SessionParts(client, tableName);
  }

  private async update(id: string, expression: string, from: string, values: Record<string, unknown>): Promise<Session | undefined> {
    const updated = await unlessRefused(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sessionKey(id),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk) AND #kind = :window AND #status = :from',
          ExpressionAttributeNames: { '#status': 'status', '#kind': 'kind' },
          ExpressionAttributeValues: { ':window': 'window', ':from': from, ...values },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return updated?.Attributes && this.parts.complete(updated.Attributes);
  }

  open(id: string, at: string, endsAt: string): Promise<Session | undefined> {
    return this.update(id, 'SET #status = :active, startedAt = :at, windowEndsAt = :ends, updatedAt = :at', 'approved', {
      ':active': 'active',
      ':at': at,
      ':ends': endsAt,
    });
  }

  revoke(id: string, by: Actor & { readonly at: string }): Promise<Session | undefined> {
    return this.update(id, 'SET #status = :revoked, revokedBy = :by, finishedAt = :at, updatedAt = :at', 'active', {
      ':revoked': 'revoked',
      ':by': by,
      ':at': by.at,
    });
  }

  end(id: string, at: string): Promise<Session | undefined> {
    return this.update(id, 'SET #status = :ended, finishedAt = :at, updatedAt = :at', 'active', { ':ended': 'ended', ':at': at });
  }
}
