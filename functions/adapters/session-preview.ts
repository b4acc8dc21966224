/**
 * A session's preview in its own item, SESSION#<id>/META#PREVIEW, written once after submission: a script's
 * plans run to kilobytes, and kept on the session item (session-store.ts) they would be billed again at
 * every later rewrite of the session. The session item says that it has one (`previewStored`, set by a
 * conditional write on the session while its review is still open), so a decision that closed the review
 * first wins and a preview item written after it is never read. The preview item is never rewritten:
 * the first one stored stays. Sessions previewed before the preview had its own item keep it on the
 * session item, and it is read from there.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Preview } from '../domain/preview';
import { unlessRefused } from './dynamodb';
import { sessionKey } from './session-item';

/** Sorts right after the session item's META and before every other item under the session's key. */
export const PREVIEW_SK = 'META#PREVIEW';
const previewKey = (id: string) => ({ pk: sessionKey(id).pk, sk: PREVIEW_SK });

export class SessionPreviews {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores the session's preview unless one is stored already; answers the one stored, whichever it is. */
  async put(id: string, preview: Preview): Promise<Preview | undefined> {
    const stored = await unlessRefused(
      this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...previewKey(id), preview }, ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    // Refused: an earlier attempt stored one (and may have stopped before the session said so); it stays.
    return stored ? preview : this.read(id);
  }

  async read(id: string): Promise<Preview | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: previewKey(id), ConsistentRead: true }));
    return Item?.preview as Preview | undefined;
  }
}
