/**
 * The notifier used when no chat integration is configured: approvers find the review in the web UI,
 * the CLI or `GET /reviews`, and the function's log says a review was requested. Chosen in
 * functions/wiring.ts; the Slack notifier replaces it when Slack is configured.
 */
import type { Log, Notifier } from '../app/ports';
import type { Session } from '../domain/session';

export class LogNotifier implements Notifier {
  constructor(private readonly log: Log) {}

  async reviewRequested(session: Session): Promise<undefined> {
    this.log.info('review requested', { sessionId: session.id, approvalGroups: session.rule?.approvalGroups });
    return undefined;
  }

  async sessionChanged(session: Session): Promise<void> {
    this.log.info('session changed', { sessionId: session.id, status: session.status });
  }
}
