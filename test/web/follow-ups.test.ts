/**
 * The Reviews page's Follow-ups view in Chromium against the local runtime: Carol force-approves
 * Alice's command (break-glass); Bob, another approver of the rule, finds its open follow-up with who
 * forced it and why, writes a note and acknowledges it; the follow-up is then closed in the session
 * record and its chain holds one follow_up.closed, and the view no longer lists it. Every control has
 * an accessible name.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack';
import { ApiClient } from '../e2e/client';
import { eventually } from '../e2e/eventually';
import { controlsOf, problems, shot, signIn, startWebUi, type WebUi } from './browser';

let stack: LocalStack;
let browser: Browser;
let web: WebUi | undefined;

beforeAll(async () => {
  ({ stack, browser } = web = await startWebUi('web-follow-ups'));
}, 180_000);

afterAll(async () => {
  await web?.stop();
});

describe('the Follow-ups view', () => {
  it('lets another approver acknowledge a forced approval with a note', async () => {
    const alice = await ApiClient.as(stack, 'alice@example.com');
    const carol = await ApiClient.as(stack, 'carol@example.com');
    const submitted = await alice.post('/sessions', { resource: 'postgres-demo', command: "select 'follow-up-web' as marker" });
    const id = submitted.body.session.id as string;
    await eventually(async () => ((await carol.post(`/sessions/${id}/review`, { decision: 'approve', force: true, reason: 'INC-77 outage' })).status === 200 ? true : undefined), 'the forced approval');

    const bob = await signIn(browser, stack.url, 'Bob Brown');
    await bob.evaluate(`location.hash = '#/reviews'`);
    const card = bob.locator(`.follow-ups .follow-up-card[data-session-id="${id}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.textContent()).toContain('INC-77 outage');
    expect(await card.textContent()).toContain('Carol');
    expect(await card.textContent()).toContain('follow-up-web');
    await card.getByLabel('Follow-up note').fill('matches INC-77');
    await shot(bob, '20-follow-ups');
    expect((await controlsOf(bob)).filter((control) => !control.name)).toEqual([]);
    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await card.waitFor({ state: 'detached' });
    expect(await bob.locator('.follow-ups [role="status"]').textContent()).toContain('acknowledged');

    const dana = await ApiClient.as(stack, 'dana@example.com');
    const { session, events } = (await dana.get(`/sessions/${id}`)).body;
    expect(session.followUp).toMatchObject({ status: 'acknowledged', closedBy: { email: 'bob@example.com' }, note: 'matches INC-77' });
    expect(events.filter((event: { type: string }) => event.type === 'follow_up.closed')).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
