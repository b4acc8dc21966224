/**
 * Links the local runtime hands out lead back to the port it listens on: the review message in Slack
 * and the CLI's waiting notice both name the session's page at the stack's own URL, whatever port was
 * picked, and following either one opens the web UI there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient as CliApiClient } from '../../cli/lib/api';
import type { RecordedMessage } from '../../infra/local/slack/stand-in';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { ApiClient } from './client';

let stack: LocalStack;
let webDir: string;

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), 'accessgate-links-web-'));
  stack = await startLocalStack({ port: 0, web: { outDir: webDir } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(webDir, { recursive: true, force: true });
});

async function reviewMessage(sessionId: string): Promise<RecordedMessage> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const messages = (await (await fetch(`${stack.url}/local/slack/messages`)).json()) as RecordedMessage[];
    const message = messages.find((m) => !m.user && JSON.stringify(m.blocks).includes(sessionId));
    if (message) return message;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no review message for ${sessionId}`);
}

/** Opens a link as a browser would: the fragment stays in the browser, the page comes from the origin. */
async function follow(link: string): Promise<{ status: number; type: string | null }> {
  const response = await fetch(link.split('#')[0]!);
  await response.arrayBuffer();
  return { status: response.status, type: response.headers.get('content-type') };
}

describe('links on a port picked at start', () => {
  it('sends Slack and CLI users to the port the stack listens on', async () => {
    expect(new URL(stack.url).port).not.toBe('8787');
    const alice = await ApiClient.as(stack, 'alice@example.com');
    const { body } = await alice.post('/sessions', { resource: 'postgres-demo', command: 'select id from customers order by id limit 1' });
    const id = body.session.id as string;
    expect(body.session.status).toBe('pending_review');

    const blocks = JSON.stringify((await reviewMessage(id)).blocks);
    const slackLink = new RegExp(`(https?://[^"|>\\s]+)/#/sessions/${id}`).exec(blocks);
    expect(slackLink?.[1]).toBe(stack.url);
    expect(await follow(slackLink![0])).toEqual({ status: 200, type: expect.stringContaining('text/html') });

    const cliLink = new CliApiClient(stack.url, await stack.token('alice@example.com')).link(id);
    expect(cliLink).toBe(`${stack.url}/#/sessions/${id}`);
    expect(await follow(cliLink)).toEqual({ status: 200, type: expect.stringContaining('text/html') });
  });
});
