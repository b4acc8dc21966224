/**
 * Slack through `@slack/web-api`: the one Web API client of a function (built at first use from the bot
 * token in Secrets Manager), the chat gateway the interactions flow uses (users.info, views.open,
 * views.update, response_url), and the notifier that posts and redraws review requests and tells requesters what
 * happened. Locally `slackApiUrl` points the same client at the stand-in served by infra/local.
 *
 * Retries are not this client's job: a call fails fast (no built-in retry, a rate limit is an error) so
 * the Slack click path stays inside its 3-second budget (its calls also take a deadline, past which
 * the click stops waiting whatever the per-call timeout), and background work is retried by the queue
 * that runs it (functions/app/notifications.ts). Every failure becomes a SlackCallError naming Slack's
 * own error code, which is what the event log records.
 */
import { LogLevel, WebClient, type WebAPICallResult } from '@slack/web-api';
import type { CatalogStore, ChatGateway, NotificationLedger, Notifier, OpenedView } from '../app/ports';
import type { Session } from '../domain/session';
import { milestonesReached, requesterMessage, reviewMessage, type SlackMessage, type SlackView } from '../domain/slack-message';

export class SlackCallError extends Error {
  override readonly name = 'SlackCallError';
  constructor(
    readonly method: string,
    /** Slack's error code (`channel_not_found`, `ratelimited`, …), or `timeout` / `http_<status>` / `unreachable`. */
    readonly code: string,
  ) {
    super(`Slack ${method} failed: ${code}`);
  }
}

/** Slack's answer for a token that no longer works: drop the client so the next call reads the secret again. */
const TOKEN_ERRORS = new Set(['invalid_auth', 'token_revoked', 'token_expired', 'account_inactive', 'not_authed']);

function slackCode(error: unknown): string {
  const e = error as { code?: string; data?: { error?: string }; original?: Error; statusCode?: number; name?: string };
  if (e?.data?.error) return e.data.error;
  if (e?.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (e?.code === 'slack_webapi_http_error') return `http_${e.statusCode ?? 'error'}`;
  const original = e?.original ?? (error as Error);
  if (original?.name === 'TimeoutError' || original?.name === 'AbortError') return 'timeout';
  return 'unreachable';
}

/**
 * Waits for `work` until `deadline` (ms since the epoch) at most, then fails with `late()`. The work is
 * not cancelled (the Web API client takes no per-call signal): it settles on its own, at the latest at
 * the client's timeout, and nobody waits for it.
 */
function waitUntil<T>(work: Promise<T>, deadline: number | undefined, late: () => Error): Promise<T> {
  if (deadline === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly ttlMs: number) {}
  get(key: string): { value: V } | undefined {
    const hit = this.entries.get(key);
    if (!hit || hit.until <= Date.now()) return undefined;
    return { value: hit.value };
  }
  set(key: string, value: V, ttlMs = this.ttlMs): void {
    this.entries.set(key, { value, until: Date.now() + ttlMs });
  }
}

export interface SlackApiSettings {
  /** Reads the bot token (from Secrets Manager); called again after Slack refuses the token. */
  readonly token: () => Promise<string>;
  /** Told when Slack refuses the token, so the next read fetches the secret afresh (it may have been rotated). */
  readonly tokenRefused?: () => void;
  /** Base URL of the Web API; unset is Slack itself. */
  readonly apiUrl?: string;
  /** Per call; the click path has 3 seconds in all. */
  readonly timeoutMs: number;
}

const EMAIL_TTL_MS = 15 * 60_000;
const USER_ID_TTL_MS = 60 * 60_000;
const MISS_TTL_MS = 5 * 60_000;

/** The Slack Web API for one function, and the chat gateway of the interactions flow. */
export class SlackApi implements ChatGateway {
  private client: Promise<WebClient> | undefined;
  private readonly emails = new TtlCache<string | undefined>(EMAIL_TTL_MS);
  private readonly userIds = new TtlCache<string | undefined>(USER_ID_TTL_MS);
  /** users.info calls in flight, by user: a double click asks Slack once. */
  private readonly lookups = new Map<string, Promise<string | undefined>>();

  constructor(private readonly settings: SlackApiSettings) {}

  private web(): Promise<WebClient> {
    this.client ??= this.settings.token().then(
      (token) =>
        new WebClient(token, {
          ...(this.settings.apiUrl ? { slackApiUrl: this.settings.apiUrl } : {}),
          timeout: this.settings.timeoutMs,
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          logLevel: LogLevel.ERROR,
        }),
    );
    const client = this.client;
    client.catch(() => {
      if (this.client === client) this.client = undefined;
    });
    return client;
  }

  /**
   * Calls a Web API method; any failure is a SlackCallError with Slack's code. Past `deadline` the
   * caller stops waiting (`timeout`), and no call starts once it has passed.
   */
  async call<T extends WebAPICallResult>(method: string, args: Record<string, unknown>, deadline?: number): Promise<T> {
    const late = () => new SlackCallError(method, 'timeout');
    if (deadline !== undefined && deadline <= Date.now()) throw late();
    return waitUntil(this.request<T>(method, args), deadline, late);
  }

  private async request<T extends WebAPICallResult>(method: string, args: Record<string, unknown>): Promise<T> {
    try {
      return (await (await this.web()).apiCall(method, args)) as T;
    } catch (error) {
      const code = slackCode(error);
      if (TOKEN_ERRORS.has(code)) {
        this.client = undefined;
        this.settings.tokenRefused?.();
      }
      throw new SlackCallError(method, code);
    }
  }

  async emailOf(userId: string, deadline?: number): Promise<string | undefined> {
    const hit = this.emails.get(userId);
    if (hit) return hit.value;
    const late = () => new SlackCallError('users.info', 'timeout');
    if (deadline !== undefined && deadline <= Date.now()) throw late();
    // The lookup runs to its end even when the click that started it stopped waiting, so the answer
    // is cached for the person's next click.
    let lookup = this.lookups.get(userId);
    if (!lookup) {
      lookup = this.lookUpEmail(userId).finally(() => this.lookups.delete(userId));
      this.lookups.set(userId, lookup);
    }
    return waitUntil(lookup, deadline, late);
  }

  knowsEmailOf(userId: string): boolean {
    return this.emails.get(userId) !== undefined;
  }

  private async lookUpEmail(userId: string): Promise<string | undefined> {
    const { user } = await this.call<WebAPICallResult & { user?: { deleted?: boolean; is_bot?: boolean; profile?: { email?: string } } }>('users.info', {
      user: userId,
    });
    // A deactivated account or a bot keeps its profile, but it speaks for nobody.
    const email = user && !user.deleted && !user.is_bot ? user.profile?.email?.toLowerCase() : undefined;
    this.emails.set(userId, email, email ? EMAIL_TTL_MS : MISS_TTL_MS);
    return email;
  }

  /** The Slack user with this email, or undefined when there is none (`users_not_found`). */
  async userIdByEmail(email: string): Promise<string | undefined> {
    const hit = this.userIds.get(email.toLowerCase());
    if (hit) return hit.value;
    let id: string | undefined;
    try {
      id = (await this.call<WebAPICallResult & { user?: { id?: string } }>('users.lookupByEmail', { email })).user?.id;
    } catch (error) {
      if (!(error instanceof SlackCallError && error.code === 'users_not_found')) throw error;
    }
    this.userIds.set(email.toLowerCase(), id, id ? USER_ID_TTL_MS : MISS_TTL_MS);
    return id;
  }

  async openView(trigger: string, view: SlackView, deadline?: number): Promise<OpenedView> {
    const opened = await this.call<WebAPICallResult & { view?: { id?: string; hash?: string } }>('views.open', { trigger_id: trigger, view }, deadline);
    if (!opened.view?.id) throw new SlackCallError('views.open', 'no_view_id');
    return { id: opened.view.id, ...(opened.view.hash ? { hash: opened.view.hash } : {}) };
  }

  async updateView(viewId: string, view: SlackView, hash?: string): Promise<boolean> {
    try {
      await this.call('views.update', { view_id: viewId, view, ...(hash ? { hash } : {}) });
      return true;
    } catch (error) {
      // Closed or submitted meanwhile (`not_found`), or changed since it was opened (`hash_conflict`):
      // there is nothing left to replace, and retrying would not change that.
      if (error instanceof SlackCallError && (error.code === 'not_found' || error.code === 'hash_conflict')) return false;
      throw error;
    }
  }

  /** An ephemeral answer through the click's response_url (valid 30 minutes, five times). */
  async reply(replyTo: string, text: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(replyTo, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw new SlackCallError('response_url', slackCode(error));
    }
    if (!response.ok) throw new SlackCallError('response_url', (await response.text().catch(() => '')) || `http_${response.status}`);
  }

  async post(channel: string, message: SlackMessage): Promise<{ channel: string; ts: string }> {
    const posted = await this.call<WebAPICallResult & { channel?: string; ts?: string }>('chat.postMessage', {
      channel,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!posted.channel || !posted.ts) throw new SlackCallError('chat.postMessage', 'no_message_ts');
    return { channel: posted.channel, ts: posted.ts };
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.call('chat.update', { channel, ts, text: message.text, blocks: message.blocks });
  }
}

export interface SlackNotifierSettings {
  readonly webUrl: string;
  /** Where a review request goes when neither its rule nor its resource names a channel. */
  readonly defaultChannel: string;
}

/**
 * Review requests in a channel, redrawn after every change, and a direct message to the requester at
 * each milestone (once each: the ledger remembers what was sent, so retries do not repeat it).
 */
export class SlackNotifier implements Notifier {
  constructor(
    private readonly slack: SlackApi,
    private readonly catalog: Pick<CatalogStore, 'resource'>,
    private readonly ledger: NotificationLedger,
    private readonly settings: SlackNotifierSettings,
  ) {}

  async reviewRequested(session: Session): Promise<Record<string, string>> {
    const resource = await this.catalog.resource(session.resource.id);
    const channel = session.rule?.slackChannel ?? resource?.slackChannel ?? this.settings.defaultChannel;
    return this.slack.post(channel, reviewMessage(session, { webUrl: this.settings.webUrl }));
  }

  async sessionChanged(session: Session, notification: Record<string, string> | undefined): Promise<void> {
    const failures: unknown[] = [];
    if (notification?.channel && notification.ts) {
      await this.slack.update(notification.channel, notification.ts, reviewMessage(session, { webUrl: this.settings.webUrl })).catch((error: unknown) => failures.push(error));
    }
    const milestones = milestonesReached(session);
    // Each redraw meets every milestone the session has reached; those already told need no claim.
    const sent = milestones.length ? await this.ledger.sent(session.id) : new Set<string>();
    for (const milestone of milestones) {
      const key = `dm:${milestone}`;
      if (sent.has(key) || !(await this.ledger.claim(session.id, key))) continue;
      try {
        const user = await this.slack.userIdByEmail(session.requester.email);
        // A requester without a Slack account still sees everything in the web UI.
        if (user) await this.slack.post(user, requesterMessage(session, milestone, { webUrl: this.settings.webUrl }));
      } catch (error) {
        await this.ledger.release(session.id, key);
        failures.push(error);
        continue;
      }
      // Sent. Should this write fail, the job fails, and once the claim's lease has run out a retry may
      // send the message again: at least once rather than never.
      await this.ledger.complete(session.id, key).catch((error: unknown) => failures.push(error));
    }
    if (failures.length) throw failures[0];
  }
}
