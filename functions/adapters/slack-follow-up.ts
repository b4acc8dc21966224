/**
 * The overdue follow-up reminder in Slack: one message in the channel the session's review request
 * went to (its rule's channel, else its resource's, else the default), sent once through the
 * notification ledger (key `follow-up:overdue` on the session), as the requester's direct messages are.
 */
import type { FollowUpReminder } from '../app/follow-up-ports';
import type { CatalogStore, NotificationLedger } from '../app/ports';
import type { Session } from '../domain/session';
import { followUpReminder } from '../domain/slack-follow-up';
import type { SlackApi, SlackNotifierSettings } from './slack';

export const REMINDER_KEY = 'follow-up:overdue';

export class SlackFollowUpReminder implements FollowUpReminder {
  constructor(
    private readonly slack: Pick<SlackApi, 'post'>,
    private readonly catalog: Pick<CatalogStore, 'resource'>,
    private readonly ledger: NotificationLedger,
    private readonly settings: SlackNotifierSettings,
  ) {}

  async remind(session: Session, sent: (notification: Record<string, string>) => Promise<void>): Promise<boolean> {
    if (!(await this.ledger.claim(session.id, REMINDER_KEY))) return false;
    let posted: { channel: string; ts: string };
    try {
      const resource = session.rule?.slackChannel ? undefined : await this.catalog.resource(session.resource.id);
      const channel = session.rule?.slackChannel ?? resource?.slackChannel ?? this.settings.defaultChannel;
      posted = await this.slack.post(channel, followUpReminder(session, { webUrl: this.settings.webUrl }));
    } catch (error) {
      // Nothing was posted: give the claim back so the retry posts it.
      await this.ledger.release(session.id, REMINDER_KEY);
      throw error;
    }
    // Posted. Should recording it fail, the claim stays in progress and, once its lease runs out, a
    // later run posts again: at least once rather than a reminder sent but never recorded.
    await sent(posted);
    await this.ledger.complete(session.id, REMINDER_KEY);
    return true;
  }
}
