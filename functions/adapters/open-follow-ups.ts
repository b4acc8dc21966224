/**
 * Open break-glass follow-ups by due time, from the Sessions table's sparse `byOpenFollowUp` index: a
 * session's META item carries `openFollowUpKey` and `followUpDueKey` (`<dueAt>#<id>`) from the forced
 * approval that opens its follow-up until the write that closes it (both in session-store.ts). So the
 * reminder reads one partition's overdue range, a Query, never a scan of the table. All open
 * follow-ups share one partition: there are as many as unreviewed break-glass approvals, a handful.
 * Like the other session indexes it projects keys only (infra/tables.ts); each session is then read
 * from the table, one consistent read per overdue follow-up.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OpenFollowUps } from '../app/follow-up-ports';
import type { Page, SessionStore } from '../app/ports';
import type { Session } from '../domain/session';
import { decodeCursor, encodeCursor } from './dynamodb';
import { OPEN_FOLLOW_UP } from './session-item';

export class DynamoOpenFollowUps implements OpenFollowUps {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly sessions: Pick<SessionStore, 'get'>,
  ) {}

  async dueBefore(before: string, limit: number, cursor?: string): Promise<Page<Session>> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byOpenFollowUp',
        KeyConditionExpression: 'openFollowUpKey = :open AND followUpDueKey < :before',
        ExpressionAttributeValues: { ':open': OPEN_FOLLOW_UP, ':before': before },
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor)?.key,
      }),
    );
    const next = encodeCursor(page.LastEvaluatedKey);
    const items: Session[] = [];
    for (const key of page.Items ?? []) {
      const session = await this.sessions.get((key.pk as string).slice('SESSION#'.length));
      if (session) items.push(session);
    }
    return { items, ...(next ? { cursor: next } : {}) };
  }
}
