/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against the local runtime,
 * started in-process: the product's three acts done by people clicking. Dana (admin) raises rule
 * dba-by-command to two approvals; Alice submits in the web terminal and sees it pending; Bob approves
 * from his inbox; Grace approves (with a bulk approval that also reports a refusal); Alice's page shows
 * the rows without a reload; Erin finds the session in the sessions log with both approvers and times.
 * Along the way: user-typed `<script>` stays text, every control has an accessible name, the terminal is
 * keyboard reachable, a narrow window does not scroll sideways, and no page reports a CSP violation.
 * A screenshot of every page lands in test-output/screenshots/.
 *
 * Code that runs in the page is passed as a string: the root project type-checks Node code without the
 * DOM library, and this file is part of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack';
import { ApiClient } from '../e2e/client';
import { controlsOf, focusedDescription, problems, shot, signIn, startWebUi, type WebUi } from './browser';

let web: WebUi | undefined;
let stack: LocalStack;
let browser: Browser;
const page: Record<string, Page> = {};
let alice: ApiClient;

/** The session this story follows, and one Alice withdraws while Grace has it selected. */
let sessionId = '';
let withdrawnId = '';
const COMMAND = 'select id, name, country from customers order by id limit 3';
const XSS_COMMAND = `select '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">' as payload`;
const XSS_REASON = '<b>urgent</b><script>window.__xss = 3</script>';

beforeAll(async () => {
  ({ stack, browser } = web = await startWebUi('web'));
  alice = await ApiClient.as(stack, 'alice@example.com');
  // Building the UI, starting the stack and Chromium take about 10 s alone, several times that on a busy machine.
}, 180_000);

afterAll(async () => {
  await web?.stop();
});

async function unnamedControls(p: Page): Promise<string[]> {
  const controls = await controlsOf(p);
  expect(controls.length).toBeGreaterThan(0);
  return controls.filter((control) => !control.name).map((control) => control.role);
}

describe('the web UI, end to end in Chromium', () => {
  it('serves the page with its security headers and the local config', async () => {
    const response = await fetch(`${stack.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const config = await (await fetch(`${stack.url}/config.json`)).json();
    expect(config).toMatchObject({ mode: 'local', users: expect.arrayContaining([expect.objectContaining({ email: 'dana@example.com' })]) });
    expect((await fetch(`${stack.url}/assets/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it('act 1: dana sets dba-by-command to two approvals in the Rules page, with errors beside the field', async () => {
    page.dana = await signIn(browser, stack.url, 'Dana Diaz', {
      beforeSignIn: async (signInPage) => {
        await shot(signInPage, '00-sign-in');
        expect(await unnamedControls(signInPage)).toEqual([]);
      },
    });
    const dana = page.dana;
    await shot(dana, '01-rules');
    await dana.getByRole('button', { name: 'Edit rule dba-by-command' }).click();
    const groups = dana.getByLabel('Approval groups', { exact: true });
    await groups.fill('');
    await dana.getByLabel(/^Approvals required/).fill('2');
    await dana.getByRole('button', { name: 'Save rule' }).click();
    await expect.poll(() => groups.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await groups.getAttribute('aria-describedby'))!.split(' ').pop()!;
    expect(await dana.locator(`[id="${errorId}"]`).textContent()).toMatch(/approval group/);
    await shot(dana, '02-rules-validation');
    expect(await unnamedControls(dana)).toEqual([]);

    await groups.fill('dba-approvers');
    await dana.getByRole('button', { name: 'Save rule' }).click();
    await dana.getByText('Rule dba-by-command saved.').waitFor();
    expect(await dana.locator('tr[data-rule="dba-by-command"] [data-field="approvals"]').textContent()).toBe('2 from dba-approvers');
    expect((await alice.get('/resources')).body.resources.find((r: { id: string }) => r.id === 'postgres-demo').rule.approvalsRequired).toBe(2);
  });

  const alicesSockets: string[] = [];
  const alicesLongPolls: string[] = [];

  it('act 2: alice submits in the web terminal and sees it pending, with who can approve and when it expires', async () => {
    page.alice = await signIn(browser, stack.url, 'Alice Anders');
    const a = page.alice;
    // Her page waits through the WebSocket API: it opens the socket and holds no long-poll at the API.
    a.on('websocket', (socket) => alicesSockets.push(socket.url()));
    a.on('request', (request) => {
      if (/\/sessions\/[0-9a-f-]{36}\?.*wait=/.test(request.url())) alicesLongPolls.push(request.url());
    });
    await a.getByLabel(/Orders \(production\)/).check();
    await a.getByRole('textbox', { name: 'SQL command' }).click();
    await a.keyboard.type(COMMAND);
    await a.getByLabel(/^Reason/).fill('support ticket 1234');
    await a.getByRole('button', { name: 'Submit for review' }).click();
    const summary = a.locator('.session-panel .session-summary');
    await summary.and(a.locator('[data-status="pending_review"]')).waitFor();
    sessionId = (await summary.getAttribute('data-session-id'))!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const text = await summary.textContent();
    expect(text).toContain('0 of 2 approvals from dba-approvers');
    expect(text).toMatch(/Expires .*\(in (59 min|1 h)\)/);
    expect(await summary.locator('time[datetime]').count()).toBeGreaterThan(0);
    await shot(a, '03-terminal-pending');
    expect(await unnamedControls(a)).toEqual([]);

    // From here on, any navigation of Alice's page would defeat the point: the rows must arrive in place.
    await a.evaluate('window.__sameDocument = true');
  });

  it('act 2: bob approves from his inbox; one approval of two keeps it waiting', async () => {
    page.bob = await signIn(browser, stack.url, 'Bob Brown');
    const bob = page.bob;
    const card = bob.locator(`.review-card[data-session-id="${sessionId}"]`);
    await card.waitFor();
    const facts = await card.textContent();
    expect(facts).toContain('alice@example.com');
    expect(facts).toContain('dba');
    expect(facts).toContain('postgres-demo (postgres)');
    expect(facts).toContain('support ticket 1234');
    expect(await card.locator('pre.command').textContent()).toBe(COMMAND);
    await shot(bob, '04-reviews');
    expect(await unnamedControls(bob)).toEqual([]);
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await bob.locator(`.outcomes li.ok[data-session-id="${sessionId}"]`).filter({ hasText: '1 of 2' }).waitFor();
    await card.getByText('You approved this').waitFor();
    expect(await alice.get(`/sessions/${sessionId}`).then((reply) => reply.body.session.status)).toBe('pending_review');
  });

  it('act 2: grace approves several at once and is told which were refused and why; alice sees the rows without reloading', async () => {
    const second = await alice.post('/sessions', { resource: 'postgres-demo', command: 'select 2 as withdrawn' });
    withdrawnId = second.body.session.id;
    // Grace's inbox refresh is held still, so the withdrawn session stays selected until she clicks.
    page.grace = await signIn(browser, stack.url, 'Grace Green', { pausedTimers: true });
    const grace = page.grace;
    for (const id of [sessionId, withdrawnId]) await grace.locator(`.review-card[data-session-id="${id}"] input[type="checkbox"]`).check();
    expect((await alice.post(`/sessions/${withdrawnId}/cancel`)).status).toBe(200);
    await grace.getByRole('button', { name: 'Approve selected (2)' }).click();
    const outcomes = grace.locator('.outcomes');
    await outcomes.getByRole('heading', { name: '1 of 2 decided; 1 refused' }).waitFor();
    expect(await outcomes.locator(`li.ok[data-session-id="${sessionId}"]`).textContent()).toContain('2 of 2');
    expect(await outcomes.locator(`li.refused[data-session-id="${withdrawnId}"]`).textContent()).toMatch(/cancelled; its review is closed/);
    await shot(grace, '05-reviews-bulk');

    const a = page.alice;
    const rows = a.locator(`.session-panel [data-session-id="${sessionId}"] table.data tbody tr`);
    await rows.nth(2).waitFor({ timeout: 15_000 });
    expect(await rows.count()).toBe(3);
    expect(alicesSockets).toEqual([expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/socket\?token=/)]);
    expect(alicesLongPolls).toEqual([]);
    expect(await a.evaluate('window.__sameDocument')).toBe(true);
    const panel = await a.locator('.session-panel').textContent();
    expect(panel).toMatch(/Bob Brown/);
    expect(panel).toMatch(/Grace Green/);
    expect(panel).toMatch(/3 rows · in \d+/);
    expect(await a.locator('.session-panel table.data thead .col-name').allTextContents()).toEqual(['id', 'name', 'country']);
    const types = await a.locator('.session-panel table.data thead .col-type').allTextContents();
    expect(types).toHaveLength(3);
    expect(types.every((type) => type.length > 0)).toBe(true);
    await shot(a, '06-terminal-done');

    const [download] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('id,name,country');
    expect(csv.trim().split('\r\n')).toHaveLength(4);
  });

  it('act 3: erin finds the session in the sessions log with both approvers and their times, and opens its timeline', async () => {
    page.erin = await signIn(browser, stack.url, 'Erin Evans');
    const erin = page.erin;
    await erin.getByRole('link', { name: 'Sessions log' }).click();
    await erin.getByLabel('Requester (email)').fill('alice@example.com');
    await erin.getByLabel('Approver (email)').fill('grace@example.com');
    await erin.getByRole('button', { name: 'Apply filters' }).click();
    // The unfiltered list already holds this session and Alice's withdrawn one: wait for the filtered
    // list to replace it, which is when the count line says one.
    await erin.locator('section.log p.status-line').filter({ hasText: /^1 session shown\.$/ }).waitFor();
    expect(erin.url()).toContain('approver=grace%40example.com');
    const row = erin.locator(`tr[data-session-id="${sessionId}"]`);
    expect(await erin.locator('tbody tr[data-session-id]').count()).toBe(1);
    expect(await row.count()).toBe(1);
    for (const email of ['bob@example.com', 'grace@example.com']) {
      const approval = row.locator(`li[data-approver="${email}"]`);
      expect(Date.parse((await approval.locator('time').getAttribute('datetime'))!)).not.toBeNaN();
    }
    expect(await row.locator('[data-status]').first().getAttribute('data-status')).toBe('done');
    // Dana's edit in act 1 shows up as a rule-change event, with who made it.
    const change = erin.locator('section.config-changes tr[data-event-type="rule.updated"]').first();
    await change.waitFor();
    expect(await change.textContent()).toContain('dana@example.com');
    expect(await change.textContent()).toContain('dba-by-command');
    await shot(erin, '07-sessions-log');
    expect(await unnamedControls(erin)).toEqual([]);

    const [download] = await Promise.all([erin.waitForEvent('download'), erin.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain(sessionId);
    expect(csv[1]).toMatch(/Bob Brown <bob@example.com> at .*; Grace Green <grace@example.com> at /);

    await row.getByRole('link', { name: `Timeline of session ${sessionId}` }).click();
    const timeline = erin.locator('ol.timeline');
    await timeline.locator('[data-event-type="session.done"]').waitFor();
    const types = await timeline.locator('li.event').evaluateAll((items) => items.map((item) => item.getAttribute('data-event-type')));
    expect(types).toEqual(['session.requested', 'session.previewed', 'review.requested', 'review.approved', 'review.approved', 'session.approved', 'session.running', 'session.done']);
    expect(await timeline.locator('[data-event-type="session.requested"]').textContent()).toContain('Alice Anders');
    expect(await timeline.locator('[data-event-type="review.approved"]').nth(0).textContent()).toMatch(/Bob Brown.*via web \(1 of 2\)/);
    expect(await timeline.locator('[data-event-type="review.approved"]').nth(1).textContent()).toMatch(/Grace Green.*via web \(2 of 2\)/);
    expect(await timeline.locator('[data-event-type="session.done"]').textContent()).toMatch(/3 rows in \d+/);
    await shot(erin, '08-timeline');
    expect(await unnamedControls(erin)).toEqual([]);
  });

  it('shows the preview: the reviewer sees each statement, the rows, the ceiling and an expandable plan; the requester the same counts', async () => {
    const script = "update customers set name = name where id <= 2 and name <> 'preview-web'; select count(*) from orders";
    const submitted = await alice.post('/sessions', { resource: 'postgres-demo', command: script });
    const id = submitted.body.session.id as string;

    const bob = page.bob;
    await bob.evaluate(`location.hash = '#/reviews'`);
    // The preview is stored after submission, before the review request: the inbox shows it once it is there.
    const preview = bob.locator(`.review-card[data-session-id="${id}"] section.preview`);
    await preview.waitFor({ timeout: 30_000 });
    expect(await preview.locator('.preview-line').textContent()).toBe('Preview: write · customers · 2 rows; read · orders · ~1 row (estimate) · 2 rows in all (ceiling 3)');
    const rows = preview.locator('table.preview-statements tbody tr');
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual(['1', 'write', 'customers', '—', '2 rows changed']);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual(['2', 'read', 'orders', '—', '~1 row (estimate)']);
    expect(await preview.locator('[data-field="rowsAffected"]').textContent()).toBe('2');
    expect(await preview.locator('[data-field="rowLimit"]').textContent()).toBe('3 rows at most; more rolls the command back');
    // The plan is there, folded: a reviewer opens it.
    const plan = preview.locator('details.plan pre.plan-tree');
    expect(await plan.isVisible()).toBe(false);
    await preview.getByText('Plan of statement 2').click();
    await plan.waitFor();
    expect(await plan.textContent()).toMatch(/^Aggregate \(~1 row\)\n {2}.*on orders/);
    await shot(bob, '08b-review-preview');
    expect(await unnamedControls(bob)).toEqual([]);

    const a = page.alice;
    await a.evaluate(`location.hash = '#/sessions/${id}'`);
    const mine = a.locator(`.session-summary[data-session-id="${id}"] section.preview`);
    await mine.waitFor();
    expect(await mine.locator('.preview-line').textContent()).toContain('write · customers · 2 rows');
    expect(await mine.locator('[data-field="rowLimit"]').textContent()).toBe('3 rows at most; more rolls the command back');
    await shot(a, '08c-session-preview');
    expect((await alice.post(`/sessions/${id}/cancel`)).status).toBe(200);
    await a.evaluate(`location.hash = '#/terminal'`);
    await a.locator('main h1').filter({ hasText: /^Terminal$/ }).waitFor();
  });

  it('shows a command and a reason containing <script> as text, in the inbox, the terminal and the log', async () => {
    const governed = await alice.post('/sessions', { resource: 'postgres-demo', command: XSS_COMMAND, reason: XSS_REASON });
    const id = governed.body.session.id as string;

    const bob = page.bob;
    await bob.getByRole('button', { name: 'Refresh' }).click();
    const card = bob.locator(`.review-card[data-session-id="${id}"]`);
    await card.waitFor();
    expect(await card.locator('pre.command').textContent()).toBe(XSS_COMMAND);
    expect(await card.locator('q.reason').textContent()).toBe(XSS_REASON);
    expect(await card.locator('script, img, b').count()).toBe(0);

    // Bound parameters are what runs as much as the command is: the reviewer sees them, as text.
    const withParameter = await alice.post('/sessions', {
      resource: 'postgres-demo',
      command: 'select :note as note',
      parameters: [{ name: 'note', value: { stringValue: '<script>window.__xss = 5</script>' } }],
    });
    expect(withParameter.status).toBe(202);
    await bob.getByRole('button', { name: 'Refresh' }).click();
    const parameterRow = bob.locator(`.review-card[data-session-id="${withParameter.body.session.id}"] table.parameters tbody tr`);
    await parameterRow.waitFor();
    expect(await parameterRow.locator('td').allTextContents()).toEqual([':note', '<script>window.__xss = 5</script>', 'string']);
    await shot(bob, '09-xss-inbox');

    // On a resource with no rule it runs at once: the value comes back from the database as text too.
    const a = page.alice;
    await a.getByLabel(/Orders \(staging\)/).check();
    await a.getByRole('textbox', { name: 'SQL command' }).click();
    // Clear, then type: typing straight over a multi-line selection makes Chromium's own editing engine
    // try to carry the old text's styling over as a style attribute, which the CSP blocks (harmlessly:
    // CodeMirror redraws from its own state) and which the last test would report as a violation.
    await a.keyboard.press('Control+A');
    await a.keyboard.press('Backspace');
    await a.keyboard.type(XSS_COMMAND);
    await a.getByRole('button', { name: 'Run' }).click();
    const cell = a.locator('.session-panel table.data tbody td').filter({ hasText: 'window.__xss' });
    await cell.waitFor();
    expect(await cell.textContent()).toBe('<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">');
    const inHistory = a.locator('.history pre.command').filter({ hasText: '<script>' }).first();
    await inHistory.waitFor();
    expect(await inHistory.textContent()).toBe(XSS_COMMAND);
    expect(await a.locator('main script, main img').count()).toBe(0);
    await shot(a, '10-xss-terminal');

    const erin = page.erin;
    await erin.goto(`${stack.url}/#/sessions/${id}`);
    // Erin is on another session's timeline, with a command of its own: wait for this session's page.
    await erin.getByRole('heading', { name: `Session ${id}` }).waitFor();
    expect(await erin.locator('[data-event-type="session.requested"] pre.command').textContent()).toBe(XSS_COMMAND);

    // The link Slack and the CLI print opens the session with the decision card: Bob denies, with a reason
    // that is markup too, and the timeline beneath shows the denial in place, as text.
    const denial = '<img src=x onerror="window.__xss = 4">not on production';
    await bob.goto(`${stack.url}/#/sessions/${id}`);
    const decision = bob.locator(`section.decision .review-card[data-session-id="${id}"]`);
    await decision.getByRole('button', { name: 'Deny…' }).click();
    await decision.getByLabel('Reason for denying').fill(denial);
    await decision.getByRole('button', { name: 'Confirm deny' }).click();
    await bob.locator('section.decision .outcomes li.ok').filter({ hasText: 'denied' }).waitFor();
    const denied = bob.locator('[data-event-type="review.denied"] q.reason');
    await denied.waitFor();
    expect(await denied.textContent()).toBe(denial);
    expect(await bob.locator('main img').count()).toBe(0);
    await shot(bob, '12-session-denied');
    expect(await unnamedControls(bob)).toEqual([]);

    for (const p of [bob, a, erin]) expect(await p.evaluate('window.__xss')).toBeUndefined();
  });

  it('reaches every part of the terminal by keyboard, in order, and leaves the SQL editor with Tab', async () => {
    const a = page.alice;
    // A governed resource, so the reason field is there too; then start where a keyboard user starts.
    await a.getByLabel(/Orders \(production\)/).check();
    await a.locator('.skip-link').focus();
    const seen: string[] = [await focusedDescription(a)];
    for (let i = 0; i < 20; i++) {
      await a.keyboard.press('Tab');
      seen.push(await focusedDescription(a));
    }
    const at = (pattern: RegExp) => seen.findIndex((entry) => pattern.test(entry));
    const order = [/^a:Skip to content/, /^a:Terminal/, /^a:Reviews/, /^a:Sessions log/, /^select:Switch demo user/, /^button:Sign out/, /^input:.*Orders/, /^div:SQL command/, /^textarea:/, /^button:Submit for review/];
    const positions = order.map(at);
    expect(positions.every((position) => position >= 0), `focus order was: ${seen.join(' | ')}`).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  it('asks for an access window from the terminal once a rule allows one, and shows it pending review with its length', async () => {
    // Prepare: dana lets dba-by-command grant windows of up to an hour.
    const dana = await ApiClient.as(stack, 'dana@example.com');
    const { rule } = (await dana.get('/rules/dba-by-command')).body;
    expect((await dana.call('PUT', '/rules/dba-by-command', { ...rule, maxWindowSeconds: 3600 })).status).toBe(200);
    const a = page.alice;
    await a.evaluate(`location.hash = '#/sessions'`);
    await a.locator('main h1').filter({ hasText: /^Sessions log$/ }).waitFor();
    await a.evaluate(`location.hash = '#/terminal'`);
    await a.locator('main h1').filter({ hasText: /^Terminal$/ }).waitFor();
    // Act
    await a.getByLabel(/Orders \(production\)/).check();
    await a.getByLabel('Window length (minutes)').fill('30');
    await a.getByLabel(/^Reason/).fill('incident 77');
    await a.getByRole('button', { name: 'Request access window' }).click();
    // Assess: the panel follows the new window, and the API holds it as asked.
    const summary = a.locator('.session-panel .session-summary');
    await summary.and(a.locator('[data-status="pending_review"]')).locator('.window-kind').waitFor();
    expect(await summary.locator('.window-kind').textContent()).toBe('access window, 30 min');
    const windowId = (await summary.getAttribute('data-session-id'))!;
    expect([sessionId, withdrawnId]).not.toContain(windowId);
    const { session } = (await alice.get(`/sessions/${windowId}`)).body;
    expect(session).toMatchObject({ kind: 'window', durationSeconds: 1800, status: 'pending_review', reason: 'incident 77' });
    await shot(a, '10-terminal-window');
  });

  it('fits a narrow window without sideways scrolling', async () => {
    const pages = [['alice', page.alice, '#/terminal', 'Terminal'], ['bob', page.bob, '#/reviews', 'Reviews'], ['erin', page.erin, '#/sessions', 'Sessions log']] as const;
    for (const [name, p, hash, title] of pages) {
      await p.setViewportSize({ width: 390, height: 844 });
      await p.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      // The page it leaves has an h1 too: wait for this page's own.
      await p.locator('main h1').filter({ hasText: new RegExp(`^${title}$`) }).waitFor();
      const overflow = await p.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow, `${name}'s ${hash} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      await shot(p, `11-narrow-${hash.slice(2)}`);
    }
  });

  it('let no page report a CSP violation, a console error or an uncaught exception', () => {
    expect(problems).toEqual([]);
  });
});
