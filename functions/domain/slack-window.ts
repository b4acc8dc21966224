/**
 * How an access window reads in Slack (functions/domain/window.ts): the section that stands where a
 * command's code block would, and its status lines. Kept apart from slack-message.ts, which calls
 * these for sessions of `kind: "window"`. Pure: no I/O.
 */
import type { Session } from './session';
import { describeDuration } from './window';

const date = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} at {time}|${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC>`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').slice(0, 200);

/** The window's one-line description: what approving it lets the requester do, and for how long. */
export function windowAsk(session: Session): string {
  return `Access window: ${describeDuration(session.durationSeconds ?? 0)} of commands on ${session.resource.id} without review per command`;
}

/** The section in place of the command: reviewers approve time, not a statement. */
export function windowSection(session: Session) {
  const text =
    `*Access window*\n:stopwatch: ${describeDuration(session.durationSeconds ?? 0)}, counted from approval. ` +
    `While it is open, each command ${escape(session.requester.name)} submits on \`${escape(session.resource.id)}\` runs without another review, ` +
    'recorded as its own session under this grant; it can be revoked at any time.';
  return { type: 'section', block_id: 'window', text: { type: 'mrkdwn' as const, text } };
}

/** Where the window stands, with times drawn by `at`. */
function windowState(session: Session, at: (iso: string) => string): string {
  switch (session.status) {
    case 'active':
      return `window open until ${at(session.windowEndsAt ?? session.updatedAt)}`;
    case 'ended':
      return `window ended at ${at(session.finishedAt ?? session.updatedAt)}`;
    case 'revoked':
      return `window revoked by ${escape(session.revokedBy?.name ?? 'someone')} at ${at(session.revokedBy?.at ?? session.updatedAt)}`;
    default:
      return '';
  }
}

/** The card's status line: dates in each reader's own time zone. */
export const windowStatus = (session: Session): string => `${session.status === 'active' ? ':unlock:' : ':lock:'} ${windowState(session, date)}`;

/** The same in plain words, for notification text. */
export const windowSummary = (session: Session): string => windowState(session, (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`);
