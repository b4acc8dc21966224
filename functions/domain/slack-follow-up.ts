/**
 * The reminder an approvers' channel gets when a break-glass follow-up is overdue
 * (functions/domain/follow-up.ts, functions/app/follow-up-reminders.ts). Pure: no I/O.
 */
import type { Session } from './session';
import { type Block, cutText, escapeMrkdwn, mrkdwnText, SLACK_LIMITS, type SlackMessage, sessionUrl, slackDate } from './slack-message';

/** Overdue follow-up `session`'s reminder: who forced what and when, when it was due, and how to close it. */
export function followUpReminder(session: Session, context: { readonly webUrl: string }): SlackMessage {
  const url = sessionUrl(context.webUrl, session.id);
  const forced = [...session.approvals].reverse().find((approval) => approval.forced);
  const dueAt = session.followUp?.dueAt ?? session.updatedAt;
  const forcer = forced ? mrkdwnText(forced.name, 200) : 'someone';
  const what = session.kind === 'window' ? 'access window' : 'command';
  const summary =
    `:rotating_light: *Break-glass follow-up overdue.* ${forcer} force-approved ${mrkdwnText(session.requester.name, 200)}'s ${what} on ` +
    `\`${escapeMrkdwn(session.resource.id)}\`${forced ? ` ${slackDate(forced.at)}` : ''}; its follow-up was due ${slackDate(dueAt)}.`;
  const close =
    `An approver of rule ${mrkdwnText(session.rule?.name ?? 'none', 200)} other than ${forcer} acknowledges or flags it: ` +
    `<${url}|open session ${session.id}> (web UI *Reviews → Follow-ups*), or \`accessgate review follow-up ${session.id} --outcome acknowledged --note "…"\`.`;
  const blocks: Block[] = [
    { type: 'section', block_id: 'follow_up', text: { type: 'mrkdwn', text: cutText(summary, SLACK_LIMITS.sectionText) } },
    { type: 'context', block_id: 'close', elements: [{ type: 'mrkdwn', text: cutText(close, SLACK_LIMITS.contextText) }] },
  ];
  const text = mrkdwnText(`Break-glass follow-up overdue: ${session.requester.name}'s ${what} on ${session.resource.id}, due ${dueAt}`, SLACK_LIMITS.notificationText);
  return { text, blocks };
}
