/**
 * The local stand-in for Slack. Toward accessgate it is the Web API (`/local/slack/api/<method>`, the
 * methods the product calls, with Slack's answers and errors, Block Kit limits enforced as
 * `invalid_blocks`) and response_url; toward a person it is a workspace of the demo users (Slack id
 * `U` + the upper-cased local part of the email) with a page at `/local/slack` where they read messages
 * and click buttons. A click becomes an interactivity request built like Slack's, signed with the
 * signing secret, and posted to the real `POST /slack/interactions` endpoint.
 *
 * Every message and every update is recorded (`GET /local/slack/messages`), modals too (`GET
 * /local/slack/views`, opened and updated with views.open / views.update). Tests can delay every
 * call, make the next calls of a method fail with a Slack error, or hang past the client's timeout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { slackSignature } from '../../../functions/domain/slack-signature';
import { SLACK_LIMITS } from '../../../functions/domain/slack-message';
import { slackPage } from './page';
import { readBody } from '../read-body';

export type StandInUser = { readonly id: string; readonly email: string; readonly name: string };

/** Slack id of a demo user: `U` + the upper-cased local part of the email (UBOB is bob@example.com). */
export const slackUserId = (email: string) => `U${email.split('@')[0].replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;

type Blocks = Record<string, unknown>[];

export interface RecordedUpdate {
  readonly at: string;
  readonly text: string;
  readonly blocks: Blocks;
}

export interface RecordedMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks: Blocks;
  readonly postedAt: string;
  /** Set on direct messages and on ephemeral answers: the one person who sees it. */
  readonly user?: string;
  readonly ephemeral?: boolean;
  readonly updates: RecordedUpdate[];
  /** The message as it reads now (the last update, or as posted). */
  latest: { text: string; blocks: Blocks };
}

export interface OpenView {
  readonly id: string;
  readonly user: string;
  /** As opened, or as the last views.update left it. */
  view: Record<string, unknown>;
  /** Changes with every update; views.update given another hash fails with `hash_conflict`, as Slack's does. */
  hash: string;
  readonly openedAt: string;
  state: 'open' | 'submitted' | 'closed';
  errors?: Record<string, string>;
}

export interface InteractivityResult {
  readonly status: number;
  readonly body: unknown;
  /** Round trip of the signed request, as Slack would measure the acknowledgement. */
  readonly ms: number;
  /** What was sent, so a test can send it again as Slack's retry would. */
  readonly request: { readonly body: string };
}

/** `ts`, when given, limits the fault to calls about that message, so other sessions' calls pass. */
type Fault = ({ readonly kind: 'error'; readonly error: string } | { readonly kind: 'hang'; readonly ms: number }) & { readonly ts?: string };

export interface SlackStandInOptions {
  readonly botToken: string;
  readonly signingSecret: string;
  readonly users: readonly StandInUser[];
  /** Added to every Web API and response_url call (the benchmark uses 500 ms). */
  readonly delayMs?: number;
}

const TRIGGER_TTL_MS = 3_000;
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;
const TEAM = { id: 'TLOCAL', domain: 'accessgate-local' };

/** The Block Kit limits Slack enforces with `invalid_blocks`; returns the first broken one. */
export function blockKitProblem(blocks: unknown, where = 'blocks'): string | undefined {
  if (!Array.isArray(blocks)) return `${where} must be an array`;
  if (blocks.length > SLACK_LIMITS.blocks) return `${where}: more than ${SLACK_LIMITS.blocks} blocks`;
  const textOver = (object: unknown, limit: number, path: string) => {
    const text = (object as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.length === 0) return `${path}: text is required`;
    return text.length > limit ? `${path}: ${text.length} characters over the ${limit} limit` : undefined;
  };
  for (const [index, block] of (blocks as Record<string, any>[]).entries()) {
    const path = `${where}[${index}]`;
    if (block.block_id !== undefined && String(block.block_id).length > SLACK_LIMITS.blockId) return `${path}.block_id too long`;
    switch (block.type) {
      case 'header': {
        const problem = textOver(block.text, SLACK_LIMITS.headerText, `${path}.text`);
        if (problem) return problem;
        break;
      }
      case 'section': {
        if (block.text) {
          const problem = textOver(block.text, SLACK_LIMITS.sectionText, `${path}.text`);
          if (problem) return problem;
        }
        if (block.fields) {
          if (block.fields.length > SLACK_LIMITS.fields) return `${path}.fields: more than ${SLACK_LIMITS.fields}`;
          for (const [i, field] of block.fields.entries()) {
            const problem = textOver(field, SLACK_LIMITS.fieldText, `${path}.fields[${i}]`);
            if (problem) return problem;
          }
        }
        if (!block.text && !block.fields) return `${path}: a section needs text or fields`;
        break;
      }
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) return `${path}.elements: 1 to 10`;
        for (const [i, element] of block.elements.entries()) {
          const problem = textOver(element, SLACK_LIMITS.sectionText, `${path}.elements[${i}]`);
          if (problem) return problem;
        }
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) return `${path}.elements: 1 to 25`;
        for (const [i, element] of block.elements.entries()) {
          const at = `${path}.elements[${i}]`;
          const problem = textOver(element.text, SLACK_LIMITS.buttonText, `${at}.text`);
          if (problem) return problem;
          if (String(element.action_id ?? '').length > SLACK_LIMITS.actionId) return `${at}.action_id too long`;
          if (element.value !== undefined && String(element.value).length > SLACK_LIMITS.buttonValue) return `${at}.value too long`;
        }
        break;
      case 'input':
        if (!block.element || !block.label) return `${path}: an input needs a label and an element`;
        break;
      case 'divider':
      case 'rich_text':
        break;
      default:
        return `${path}: unknown block type ${String(block.type)}`;
    }
  }
  return undefined;
}

function viewProblem(view: Record<string, any>): string | undefined {
  if (view?.type !== 'modal') return 'view.type must be modal';
  for (const key of ['title', 'submit', 'close'] as const) {
    const text = view[key]?.text;
    if (view[key] && (typeof text !== 'string' || text.length > SLACK_LIMITS.modalTitle)) return `view.${key} over ${SLACK_LIMITS.modalTitle} characters`;
  }
  if (String(view.private_metadata ?? '').length > SLACK_LIMITS.privateMetadata) return 'view.private_metadata too long';
  return blockKitProblem(view.blocks, 'view.blocks');
}

class SlackError extends Error {}

export class SlackStandIn {
  /** Added to every Web API and response_url call. */
  delayMs: number;
  /** Where clicks are sent: the API's `POST /slack/interactions`, set once the API listens. */
  interactivityUrl: string | undefined;
  readonly messages: RecordedMessage[] = [];
  readonly views: OpenView[] = [];
  /** Every Web API call, in order: method and arguments. */
  readonly calls: { method: string; args: Record<string, unknown> }[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly triggers = new Map<string, { user: string; at: number }>();
  private readonly responseUrls = new Map<string, { user: string; channel: string; ts: string; uses: number; at: number }>();
  private lastTs = 0;
  private counter = 0;

  private constructor(
    private readonly options: SlackStandInOptions,
    /** The stand-in's own listener: the Web API base URL handlers are configured with. */
    readonly url: string,
    private readonly server: ReturnType<typeof createServer>,
  ) {
    this.delayMs = options.delayMs ?? 0;
  }

  static async start(options: SlackStandInOptions): Promise<SlackStandIn> {
    let standIn: SlackStandIn | undefined;
    const server = createServer((request, response) => {
      readBody(request)
        .then(async (body) => {
          if (!(await standIn!.handle(request, body, response))) standIn!.json(response, 404, { ok: false, error: 'not_found' });
        })
        .catch((error: unknown) => standIn!.json(response, 500, { ok: false, error: (error as Error).message }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn = new SlackStandIn(options, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server);
    return standIn;
  }

  /** The Web API base URL, as `slackApiUrl` takes it. */
  get apiUrl(): string {
    return `${this.url}/local/slack/api/`;
  }

  get users(): readonly StandInUser[] {
    return this.options.users;
  }

  /** The next `times` calls of `method` fail with Slack's `error` (e.g. `channel_not_found`, `ratelimited`). */
  fail(method: string, error: string, times = 1): void {
    this.queueFault(method, { kind: 'error', error }, times);
  }

  /**
   * The next `times` calls of `method` answer only after `ms` (past the client's timeout, they time out);
   * with `ts`, only calls about that message count.
   */
  hang(method: string, ms: number, times = 1, ts?: string): void {
    this.queueFault(method, { kind: 'hang', ms, ...(ts ? { ts } : {}) }, times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  private queueFault(method: string, fault: Fault, times: number): void {
    const queue = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(method, queue);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private json(response: ServerResponse, status: number, value: unknown): void {
    if (response.headersSent) return void response.end();
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(JSON.stringify(value));
  }

  /** Serves a request under /local/slack; false when the path is not the stand-in's. Also the local API server's mount. */
  readonly handle = async (request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<boolean> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== '/local/slack' && !path.startsWith('/local/slack/')) return false;
    const method = request.method ?? 'GET';

    if (method === 'GET' && (path === '/local/slack' || path === '/local/slack/')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'" });
      response.end(slackPage());
      return true;
    }
    if (method === 'GET' && path === '/local/slack/messages') return this.json(response, 200, this.messages), true;
    if (method === 'GET' && path === '/local/slack/views') {
      const user = url.searchParams.get('user');
      return this.json(response, 200, this.views.filter((view) => view.state === 'open' && (!user || view.user === user))), true;
    }
    if (method === 'GET' && path === '/local/slack/users') return this.json(response, 200, this.users), true;

    if (method === 'POST' && path.startsWith('/local/slack/api/')) {
      const name = path.slice('/local/slack/api/'.length);
      this.json(response, 200, await this.webApi(name, request, body));
      return true;
    }
    if (method === 'POST' && path.startsWith('/local/slack/respond/')) {
      await this.delay();
      const [status, answer] = this.respond(path.slice('/local/slack/respond/'.length), body);
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(answer);
      return true;
    }
    if (method === 'POST' && path === '/local/slack/close') {
      try {
        const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, string>;
        this.closeView({ user: input.user, viewId: input.view_id });
        this.json(response, 200, { closed: input.view_id });
      } catch (error) {
        this.json(response, 409, { error: (error as Error).message });
      }
      return true;
    }
    if (method === 'POST' && (path === '/local/slack/click' || path === '/local/slack/submit')) {
      let input: Record<string, string>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, string>;
      } catch {
        return this.json(response, 400, { error: 'body: not valid JSON' }), true;
      }
      try {
        const result =
          path === '/local/slack/click'
            ? await this.click({ user: input.user, channel: input.channel, ts: input.ts, actionId: input.action_id })
            : await this.submit({ user: input.user, viewId: input.view_id, values: { reason: input.reason ?? '' } });
        this.json(response, 200, { status: result.status, body: result.body, ms: result.ms });
      } catch (error) {
        this.json(response, 409, { error: (error as Error).message });
      }
      return true;
    }
    return false;
  };

  private delay(ms = this.delayMs): Promise<void> {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  private nextTs(): string {
    const now = Date.now() * 1000;
    this.lastTs = Math.max(now, this.lastTs + 1);
    return `${Math.floor(this.lastTs / 1_000_000)}.${String(this.lastTs % 1_000_000).padStart(6, '0')}`;
  }

  private user(id: unknown): StandInUser | undefined {
    return this.users.find((user) => user.id === id);
  }

  /** A channel name (`#db-reviews`) or id; a user id posts to that user's direct message channel. */
  private channelId(channel: string): { id: string; user?: string } {
    if (/^U[A-Z0-9]+$/.test(channel)) {
      if (!this.user(channel)) throw new SlackError('channel_not_found');
      return { id: `D${channel.slice(1)}`, user: channel };
    }
    if (/^[CDG][A-Z0-9]+$/.test(channel)) return { id: channel };
    const name = channel.replace(/^#/, '');
    if (!/^[a-z0-9][a-z0-9._-]{0,79}$/.test(name)) throw new SlackError('channel_not_found');
    return { id: `C${name.replace(/[^a-z0-9]/g, '').toUpperCase()}` };
  }

  private async webApi(method: string, request: IncomingMessage, body: Buffer): Promise<Record<string, unknown>> {
    const args = this.parseArgs(request, body);
    this.calls.push({ method, args });
    await this.delay();
    const queue = this.faults.get(method) ?? [];
    const index = queue.findIndex((candidate) => candidate.ts === undefined || candidate.ts === args.ts);
    const fault = index >= 0 ? queue.splice(index, 1)[0] : undefined;
    if (fault?.kind === 'hang') await this.delay(fault.ms);
    if (fault?.kind === 'error') return { ok: false, error: fault.error };
    const token = /^Bearer\s+(.+)$/i.exec(String(request.headers.authorization ?? ''))?.[1] ?? args.token;
    if (token !== this.options.botToken) return { ok: false, error: 'invalid_auth' };
    try {
      return { ok: true, ...this.method(method, args) };
    } catch (error) {
      if (error instanceof SlackError) return { ok: false, error: error.message };
      throw error;
    }
  }

  /** The Web API takes form fields (objects as JSON strings) or a JSON body. */
  private parseArgs(request: IncomingMessage, body: Buffer): Record<string, unknown> {
    const text = body.toString('utf8');
    if (String(request.headers['content-type'] ?? '').includes('application/json')) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      args[key] = /^[[{]/.test(value) ? (() => { try { return JSON.parse(value) as unknown; } catch { return value; } })() : value;
    }
    return args;
  }

  private method(method: string, args: Record<string, any>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { url: `${this.url}/local/slack`, team: 'accessgate (local)', user: 'accessgate', team_id: TEAM.id, user_id: 'UACCESSGATE', bot_id: 'BACCESSGATE' };
      case 'chat.postMessage': {
        const { id, user } = this.channelId(String(args.channel ?? ''));
        const blocks = this.checkMessage(args);
        const ts = this.nextTs();
        const message: RecordedMessage = {
          channel: id,
          ts,
          text: String(args.text ?? ''),
          blocks,
          postedAt: new Date().toISOString(),
          ...(user ? { user } : {}),
          updates: [],
          latest: { text: String(args.text ?? ''), blocks },
        };
        this.messages.push(message);
        return { channel: id, ts, message: { text: message.text, blocks, ts } };
      }
      case 'chat.update': {
        const message = this.messages.find((m) => m.channel === args.channel && m.ts === args.ts && !m.ephemeral);
        if (!message) throw new SlackError('message_not_found');
        const blocks = this.checkMessage(args);
        const update = { at: new Date().toISOString(), text: String(args.text ?? ''), blocks };
        message.updates.push(update);
        message.latest = { text: update.text, blocks };
        return { channel: message.channel, ts: message.ts, text: update.text };
      }
      case 'users.info': {
        const user = this.user(args.user);
        if (!user) throw new SlackError('user_not_found');
        return { user: this.profile(user) };
      }
      case 'users.lookupByEmail': {
        const user = this.users.find((u) => u.email.toLowerCase() === String(args.email ?? '').toLowerCase());
        if (!user) throw new SlackError('users_not_found');
        return { user: this.profile(user) };
      }
      case 'views.open': {
        const trigger = this.triggers.get(String(args.trigger_id ?? ''));
        if (!trigger) throw new SlackError('invalid_trigger_id');
        this.triggers.delete(String(args.trigger_id));
        if (Date.now() - trigger.at > TRIGGER_TTL_MS) throw new SlackError('expired_trigger_id');
        const view = args.view as Record<string, unknown>;
        const problem = viewProblem(view);
        if (problem) throw new SlackError(`invalid_arguments: ${problem}`);
        const opened: OpenView = { id: `V${String(++this.counter).padStart(8, '0')}`, user: trigger.user, view, hash: this.viewHash(), openedAt: new Date().toISOString(), state: 'open' };
        this.views.push(opened);
        return { view: { id: opened.id, hash: opened.hash, ...view } };
      }
      case 'views.update': {
        const opened = this.views.find((v) => v.id === args.view_id && v.state === 'open');
        if (!opened) throw new SlackError('not_found');
        if (args.hash !== undefined && args.hash !== opened.hash) throw new SlackError('hash_conflict');
        const view = args.view as Record<string, unknown>;
        const problem = viewProblem(view);
        if (problem) throw new SlackError(`invalid_arguments: ${problem}`);
        opened.view = view;
        opened.hash = this.viewHash();
        delete opened.errors;
        return { view: { id: opened.id, hash: opened.hash, ...view } };
      }
      default:
        throw new SlackError('unknown_method');
    }
  }

  private viewHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('hex')}`;
  }

  private checkMessage(args: Record<string, any>): Blocks {
    const blocks = (args.blocks ?? []) as Blocks;
    if (!args.text && !blocks.length) throw new SlackError('no_text');
    const problem = blockKitProblem(blocks);
    if (problem) throw new SlackError(`invalid_blocks: ${problem}`);
    return blocks;
  }

  private profile(user: StandInUser) {
    return {
      id: user.id,
      team_id: TEAM.id,
      name: user.email.split('@')[0],
      real_name: user.name,
      deleted: false,
      is_bot: false,
      profile: { email: user.email, real_name: user.name, display_name: user.name.split(' ')[0] },
    };
  }

  private respond(token: string, body: Buffer): [number, string] {
    const target = this.responseUrls.get(token);
    if (!target || Date.now() - target.at > RESPONSE_URL_TTL_MS) return [404, 'expired_url'];
    if (target.uses >= RESPONSE_URL_USES) return [404, 'used_url'];
    target.uses++;
    let answer: { text?: string; blocks?: Blocks; response_type?: string; replace_original?: boolean };
    try {
      answer = JSON.parse(body.toString('utf8')) as typeof answer;
    } catch {
      return [400, 'invalid_payload'];
    }
    const blocks = answer.blocks ?? [];
    if (blockKitProblem(blocks)) return [400, 'invalid_blocks'];
    if (answer.replace_original) {
      const original = this.messages.find((m) => m.channel === target.channel && m.ts === target.ts);
      if (!original) return [404, 'message_not_found'];
      const update = { at: new Date().toISOString(), text: answer.text ?? '', blocks };
      original.updates.push(update);
      original.latest = { text: update.text, blocks };
      return [200, 'ok'];
    }
    const text = answer.text ?? '';
    this.messages.push({ channel: target.channel, ts: this.nextTs(), text, blocks, postedAt: new Date().toISOString(), user: target.user, ephemeral: answer.response_type !== 'in_channel', updates: [], latest: { text, blocks } });
    return [200, 'ok'];
  }

  /** Clicks a button of a recorded message as `user`, as Slack would post it to the interactivity URL. */
  async click(input: { user: string; channel: string; ts: string; actionId: string }): Promise<InteractivityResult> {
    const user = this.user(input.user);
    if (!user) throw new Error(`No Slack user ${input.user} in the stand-in`);
    const message = this.messages.find((m) => m.channel === input.channel && m.ts === input.ts);
    if (!message) throw new Error(`No message ${input.ts} in ${input.channel}`);
    if (message.user && message.user !== user.id) throw new Error(`${user.id} cannot see a message meant for ${message.user}`);
    let found: { block: Record<string, any>; element: Record<string, any> } | undefined;
    for (const block of message.latest.blocks as Record<string, any>[]) {
      const element = block.type === 'actions' ? (block.elements as Record<string, any>[]).find((e) => e.action_id === input.actionId) : undefined;
      if (element) found = { block, element };
    }
    if (!found) throw new Error(`The message has no "${input.actionId}" button (any more)`);
    const trigger = this.mintTrigger(user.id);
    const responseToken = randomBytes(18).toString('base64url');
    this.responseUrls.set(responseToken, { user: user.id, channel: message.channel, ts: message.ts, uses: 0, at: Date.now() });
    return this.send({
      type: 'block_actions',
      user: { id: user.id, username: user.email.split('@')[0], name: user.email.split('@')[0], team_id: TEAM.id },
      api_app_id: 'ALOCAL',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: trigger,
      team: TEAM,
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: message.channel.toLowerCase() },
      message: { type: 'message', ts: message.ts, text: message.latest.text, blocks: message.latest.blocks },
      state: { values: {} },
      response_url: `${this.url}/local/slack/respond/${responseToken}`,
      actions: [
        {
          type: found.element.type,
          action_id: found.element.action_id,
          block_id: found.block.block_id ?? 'actions',
          text: found.element.text,
          ...(found.element.value !== undefined ? { value: found.element.value } : {}),
          ...(found.element.style ? { style: found.element.style } : {}),
          action_ts: (Date.now() / 1000).toFixed(6),
        },
      ],
    });
  }

  /** Submits an open modal as its user, with `values` keyed by input block id. */
  async submit(input: { user: string; viewId: string; values: Record<string, string> }): Promise<InteractivityResult> {
    const opened = this.openView(input.user, input.viewId);
    if (!opened.view.submit) throw new Error(`View ${input.viewId} has nothing to submit, only a close button`);
    const values: Record<string, Record<string, { type: string; value: string | null }>> = {};
    for (const block of (opened.view.blocks ?? []) as Record<string, any>[]) {
      if (block.type !== 'input') continue;
      const typed = input.values[block.block_id as string];
      values[block.block_id as string] = { [block.element.action_id as string]: { type: block.element.type as string, value: typed?.length ? typed : null } };
    }
    const user = this.user(input.user)!;
    const result = await this.send({
      type: 'view_submission',
      team: TEAM,
      user: { id: user.id, username: user.email.split('@')[0], name: user.email.split('@')[0], team_id: TEAM.id },
      api_app_id: 'ALOCAL',
      token: 'deprecated-verification-token',
      trigger_id: this.mintTrigger(user.id),
      view: { ...opened.view, id: opened.id, team_id: TEAM.id, state: { values }, hash: randomBytes(8).toString('hex') },
      response_urls: [],
      is_enterprise_install: false,
    });
    const answer = result.body as { response_action?: string; errors?: Record<string, string> } | undefined;
    if (result.status === 200 && answer?.response_action === 'errors') opened.errors = answer.errors;
    else if (result.status === 200) opened.state = 'submitted';
    return result;
  }

  /** Closes an open modal as its user would with its close button (accessgate asks Slack for no view_closed event). */
  closeView(input: { user: string; viewId: string }): void {
    this.openView(input.user, input.viewId).state = 'closed';
  }

  private openView(user: string, viewId: string): OpenView {
    const opened = this.views.find((v) => v.id === viewId && v.state === 'open');
    if (!opened) throw new Error(`No open view ${viewId}`);
    if (opened.user !== user) throw new Error(`View ${viewId} is open for ${opened.user}, not ${user}`);
    return opened;
  }

  /** A trigger id as Slack would put in a click (views.open accepts it for 3 seconds). */
  mintTrigger(user: string): string {
    const trigger = `${Date.now()}.${randomBytes(10).toString('hex')}`;
    this.triggers.set(trigger, { user, at: Date.now() });
    return trigger;
  }

  /** Signs and posts an interactivity payload (or re-sends an earlier request, as Slack's retry would). */
  async send(payload: Record<string, unknown> | { readonly body: string }, retry?: number): Promise<InteractivityResult> {
    if (!this.interactivityUrl) throw new Error('The stand-in does not know the interactivity URL yet');
    const body = 'body' in payload && typeof payload.body === 'string' ? payload.body : `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const started = performance.now();
    const response = await fetch(this.interactivityUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(this.options.signingSecret, timestamp, body),
        ...(retry ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } : {}),
      },
      body,
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed, ms, request: { body } };
  }
}
