/**
 * The notifier used when no chat integration is configured: approvers find the review in the web UI,
 * the CLI or `GET /reviews`, and the function's log says a review was requested. Chosen in
 * functions/wiring.ts; the Slack notifier replaces it when Slack is configured.
 */
import type { Notifier } from '../app/ports';
import type { Session } from '../domain/session';

export class LogNotifier implements Notifier {
  constructor(private readonly log: (line: string) => void = (line) => console.log(line)) {}

  async reviewRequested(session: Session): Promise<undefined> {
    this.log(JSON.stringify({ message: 'review requested', sessionId: session.id, approvalGroups: session.rule?.approvalGroups }));
    return undefined;
  }

  async sessionChanged(session: Session): Promise<void> {
    this.log(JSON.stringify({ message: 'session changed', sessionId: session.id, status: session.status }));
  }
}
