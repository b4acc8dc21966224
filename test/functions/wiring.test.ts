/**
 * The composition root: compositions share nothing, every invocation sees the one it runs in, and a
 * function outside any (a Lambda) builds its own once from its environment.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EvidenceAdapters } from '../../functions/evidence-wiring';
import { evidenceDeps } from '../../functions/evidence-wiring';
import { LogNotifier } from '../../functions/adapters/log-notifier';
import { InlineNotificationQueue, LambdaNotificationQueue } from '../../functions/adapters/notification-queue';
import { SlackApi, SlackNotifier } from '../../functions/adapters/slack';
import { slackDeps } from '../../functions/slack-wiring';
import { compose, composition, deps, inComposition, settings } from '../../functions/wiring';

const tables = { SESSIONS_TABLE: 'sessions', EVENTS_TABLE: 'events', RESULTS_TABLE: 'results' };
const pause = () => new Promise((resolve) => setTimeout(resolve, 1));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('compositions', () => {
  it('give each invocation its own settings and dependencies, even when invocations interleave', async () => {
    const first = compose({ ...tables, WEB_URL: 'http://127.0.0.1:40001' });
    const second = compose({ ...tables, WEB_URL: 'http://127.0.0.1:40002' });
    expect(first.deps).not.toBe(second.deps);
    expect(first.clients.dynamo).not.toBe(second.clients.dynamo);

    const handler = async (label: string) => {
      const before = { url: settings().WEB_URL, deps: deps() };
      await pause();
      return { label, ...before, after: settings().WEB_URL, sameDeps: deps() === before.deps };
    };
    const [a, b] = await Promise.all([inComposition(first, handler)('a', undefined), inComposition(Promise.resolve(second), handler)('b', undefined)]);
    expect(a).toMatchObject({ url: 'http://127.0.0.1:40001', after: 'http://127.0.0.1:40001', deps: first.deps, sameDeps: true });
    expect(b).toMatchObject({ url: 'http://127.0.0.1:40002', after: 'http://127.0.0.1:40002', deps: second.deps, sameDeps: true });
  });

  it('refuse settings that are wrong, naming the variable', () => {
    expect(() => compose({ EVENTS_TABLE: 'events', RESULTS_TABLE: 'results' })).toThrow(/SESSIONS_TABLE/);
    expect(() => compose({ ...tables, SLACK_BOT_TOKEN_SECRET_ARN: 'arn:secret' })).toThrow(/SLACK_DEFAULT_CHANNEL/);
  });

  it('hand the evidence functions the stand-ins of their composition, built once per composition', async () => {
    const standIns = { objects: { name: 'folder' }, signer: { name: 'local key' }, snapshots: { name: 'scan' } } as unknown as EvidenceAdapters;
    const local = compose({ ...tables, DIGEST_SECONDS: '60' }, { evidenceAdapters: standIns });
    const other = compose({ ...tables, EVIDENCE_BUCKET: 'bucket' });
    const read = async () => {
      const evidence = evidenceDeps();
      return { evidence, again: evidenceDeps() };
    };
    const inLocal = await inComposition(local, read)(undefined, undefined);
    const inOther = await inComposition(other, read)(undefined, undefined);
    // Compared by identity: printing an evidence composition would build its adapters.
    expect(inLocal.again === inLocal.evidence).toBe(true);
    expect(inLocal.evidence.objects).toBe(standIns.objects);
    expect(inLocal.evidence.signer).toBe(standIns.signer);
    expect(inLocal.evidence.periodSeconds).toBe(60);
    expect(inLocal.evidence.sessions).toBe(local.deps.sessions);
    expect(inOther.evidence === inLocal.evidence).toBe(false);
    expect(inOther.evidence.objects).not.toBe(standIns.objects);
    expect(inOther.evidence.periodSeconds).toBe(3600);
  });

  it('leave Slack to the functions that talk to it, which add it on top of the same composition', async () => {
    const slack = { SLACK_BOT_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:bot', SLACK_DEFAULT_CHANNEL: 'C0123456789' };
    const queued = compose({ ...tables, ...slack, NOTIFY_FUNCTION_NAME: 'accessgate-notify' });
    const inline = compose({ ...tables, ...slack });
    const withSlack = async () => ({ first: slackDeps(), again: slackDeps() });

    // Every other function posts nothing itself: it hands jobs to the notify function, or logs them.
    expect(queued.deps.chat).toBeUndefined();
    expect(queued.deps.notifier).toBeInstanceOf(LogNotifier);
    const onQueue = await inComposition(queued, withSlack)(undefined, undefined);
    expect(onQueue.again === onQueue.first).toBe(true);
    expect(onQueue.first.chat).toBeInstanceOf(SlackApi);
    expect(onQueue.first.notifier).toBeInstanceOf(SlackNotifier);
    expect(onQueue.first.notifications).toBe(queued.deps.notifications);
    expect(onQueue.first.notifications).toBeInstanceOf(LambdaNotificationQueue);
    expect(onQueue.first.sessions).toBe(queued.deps.sessions);

    // The notify function itself (no queue to hand jobs to) runs them through Slack in its own process.
    const onInline = await inComposition(inline, withSlack)(undefined, undefined);
    expect(onInline.first.notifications).toBeInstanceOf(InlineNotificationQueue);
    expect(onInline.first.notifier).toBeInstanceOf(SlackNotifier);

    // Without a bot token there is no Slack to add.
    const plain = compose(tables);
    expect(await inComposition(plain, async () => slackDeps() === plain.deps)(undefined, undefined)).toBe(true);
  });

  it('outside any, build the function its own once, from its environment', () => {
    for (const [name, value] of Object.entries({ ...tables, WEB_URL: 'https://accessgate.example.com' })) vi.stubEnv(name, value);
    const own = composition();
    expect(settings().WEB_URL).toBe('https://accessgate.example.com');
    vi.stubEnv('WEB_URL', 'https://changed.example.com');
    expect(composition()).toBe(own);
    expect(deps()).toBe(own.deps);
  });
});
