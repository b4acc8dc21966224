/**
 * The parts of a session kept beside its own item (SESSION#<id>/META), under sort keys that begin with
 * META#, each written once and never rewritten: DynamoDB bills every rewrite of an item per started KB
 * of the whole item, so what never changes is kept off the item that changes at every step.
 *  - META#COMMAND: what the requester submitted (resource, command, parameters, commandSha256, reason),
 *    for a session that waits for review (a session that runs without one is written three times, and
 *    keeps them on its item);
 *  - META#PREVIEW: its preview (session-preview.ts), once the item says `previewStored`;
 *  - META#NOTIFICATION: where its review request was posted.
 * A session item that has no `command` has its submission apart. Items written before keep all of it
 * on the session item, and are read as they are.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Preview } from '../domain/preview';
import type { Session } from '../domain/session';
import { PREVIEW_STORED, sessionKey, toSession, withoutId, withPreview } from './session-item';
import { PREVIEW_SK } from './session-preview';

export const COMMAND_SK = 'META#COMMAND';
export const NOTIFICATION_SK = 'META#NOTIFICATION';
const SUBMITTED = ['resource', 'command', 'parameters', 'commandSha256', 'reason'] as const;
const ITEM_SK = sessionKey('').sk;

/** The session item's attributes, and the submission kept apart for a session that waits for review. */
export function splitSession(session: Session): { item: Record<string, unknown>; submitted?: Record<string, unknown> } {
  const item: Record<string, unknown> = { ...withoutId(session) };
  if (session.status !== 'pending_review') return { item };
  const submitted: Record<string, unknown> = {};
  for (const name of SUBMITTED) {
    submitted[name] = item[name];
    delete item[name];
  }
  return { item, submitted };
}

/** Whether a session item needs its parts read to stand for the whole session. */
export const hasParts = (item: Record<string, unknown>): boolean => item.command === undefined || Boolean(item[PREVIEW_STORED]);

/** The session that its item and the parts beside it hold; undefined without the session item. */
export function joinParts(items: readonly Record<string, unknown>[]): Session | undefined {
  const item = items.find((found) => found.sk === ITEM_SK);
  if (!item) return undefined;
  const part = (sk: string) => items.find((found) => found.sk === sk);
  const submitted = part(COMMAND_SK);
  const notification = part(NOTIFICATION_SK)?.notification;
  const session: Session = {
    ...toSession(item),
    ...(submitted ? Object.fromEntries(SUBMITTED.filter((name) => submitted[name] !== undefined).map((name) => [name, submitted[name]])) : {}),
    ...(notification ? { notification: notification as Session['notification'] } : {}),
  };
  return withPreview(session, item[PREVIEW_STORED] ? (part(PREVIEW_SK)?.preview as Preview | undefined) : undefined);
}

export class SessionParts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The parts under this session's key, with one consistent Query (one read unit up to 4 KB). */
  async read(id: string): Promise<Record<string, unknown>[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
        ExpressionAttributeValues: { ':pk': sessionKey(id).pk, ':part': `${sessionKey(id).sk}#` },
        ConsistentRead: true,
      }),
    );
    return Items;
  }

  /** The whole session a session item (as an update returned it) stands for. */
  async complete(item: Record<string, unknown>): Promise<Session> {
    const parts = hasParts(item) ? await this.read(toSession(item).id) : [];
    return joinParts([item, ...parts])!;
  }
}
