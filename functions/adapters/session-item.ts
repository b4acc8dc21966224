/**
 * What a session's own item (SESSION#<id>/META in the Sessions table) holds, and the session it
 * stands for: the store (session-store.ts), the access windows' transitions (window-store.ts) and the
 * push, which reads the item's stream images, all read it through here. The item keeps no copy of what
 * it holds elsewhere: every copy was billed again at every rewrite of the session.
 */
import type { Preview } from '../domain/preview';
import type { Session } from '../domain/session';

export const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'META' });

/** The session an item under its key (META, GROUP#…, PREVIEW, or an index entry of one) belongs to. */
export const sessionIdOf = (key: Record<string, unknown>): string => (key.pk as string).slice('SESSION#'.length);

/** The session with the preview kept in its own item, when there is one. */
export const withPreview = (session: Session, preview: Preview | undefined): Session => (preview ? { ...session, preview } : session);

/** The session as its item is written: the id is the key's. */
export const withoutId = ({ id: _id, ...session }: Session): Omit<Session, 'id'> => session;

/** The keys of the open follow-ups index (functions/adapters/open-follow-ups.ts), set while a follow-up is open. */
export const OPEN_FOLLOW_UP = 'FOLLOWUP#open';
const OPEN_FOLLOW_UP_KEYS = ['openFollowUpKey', 'followUpDueKey'] as const;

/**
 * The review queue's index keys (functions/adapters/review-queue.ts): byReviewGroup's, kept, and
 * byPendingGroup's, removed in the write that closes the review.
 */
export const HISTORY_KEY = 'reviewGroupKey';
export const INBOX_KEY = 'pendingGroupKey';

/** Set when the session's preview is in its own item (functions/adapters/session-preview.ts). */
export const PREVIEW_STORED = 'previewStored';

/**
 * Item attributes that are storage mechanics, never part of the session the API returns. Items written
 * before the session item stopped carrying copies of what it holds elsewhere also have `requesterSub`,
 * `requesterEmail` (the requester's), `resourceId` (the resource's) and `id` (the key's).
 */
const STORAGE_ATTRIBUTES = [
  'pk', 'sk', 'requesterKey', 'createdKey', 'monthKey', 'requesterSub', 'requesterEmail', 'resourceId',
  'approverSubs', 'approverEmails', 'approvalCount', 'taskToken', 'stepCounts', PREVIEW_STORED, ...OPEN_FOLLOW_UP_KEYS,
  HISTORY_KEY, INBOX_KEY,
] as const;

/**
 * The session an item of this table holds, without its storage attributes. The parts kept beside it
 * (submission, preview, notification: session-parts.ts) are not in the item: the stores add them; the
 * push reads stream images with this and needs none (it reads the status, and who may read the session).
 */
export function toSession(item: Record<string, unknown>): Session {
  const session: Record<string, unknown> = { id: sessionIdOf(item), ...item };
  for (const attribute of STORAGE_ATTRIBUTES) delete session[attribute];
  return session as unknown as Session;
}
