/**
 * Shared by the browser tests: launches Chromium through playwright-core (a system Chromium when there
 * is one, else the build inside the npm package @sparticuz/chromium), signs demo users in through the
 * real sign-in page, records anything the page reports (CSP violations, uncaught errors), and checks
 * accessible names with Chromium's own accessibility tree.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packaged from '@sparticuz/chromium';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type LocalStack, startLocalStack } from '../../infra/local/stack';
import { buildWeb } from '../../web/build';

export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

const SYSTEM_CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/lib/chromium/chromium'];

/**
 * CHROMIUM_PATH, else Debian's Chromium when installed, else the npm package's headless build, which
 * unpacks into the OS temp folder the first time (about 2 s) and is reused from there.
 */
export async function chromiumPath(): Promise<string> {
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen && !existsSync(chosen)) throw new Error(`CHROMIUM_PATH is set to ${chosen}, which does not exist.`);
  return SYSTEM_CHROMIUM.find((path): path is string => !!path && existsSync(path)) ?? packaged.executablePath();
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: await chromiumPath(),
    // ACCESSGATE_HEADED=1 shows the window; that needs a display and a system Chromium (the npm build is headless only).
    headless: process.env.ACCESSGATE_HEADED !== '1',
    // Without the background-networking flags Chromium keeps dialling Google on a closed network.
    // playwright-core gives each launch a fresh, empty user-data-dir of its own (and removes it).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Problems a page reported: CSP violations, console errors, uncaught exceptions. */
export interface WebUi {
  readonly stack: LocalStack;
  readonly browser: Browser;
  /** Closes Chromium, stops the stack and removes the built UI. */
  stop(): Promise<void>;
}

/**
 * The web UI built into a temp folder named after `label`, served by a local stack on a free port, and
 * Chromium, the two started side by side. When either fails to start, the other is stopped again and
 * the folder removed before the error is thrown.
 */
export async function startWebUi(label: string): Promise<WebUi> {
  const outDir = mkdtempSync(join(tmpdir(), `accessgate-${label}-`));
  let started: PromiseSettledResult<LocalStack> | undefined;
  let launched: PromiseSettledResult<Browser> | undefined;
  const stop = async () => {
    if (launched?.status === 'fulfilled') await launched.value.close();
    if (started?.status === 'fulfilled') await started.value.stop();
    rmSync(outDir, { recursive: true, force: true });
  };
  try {
    await buildWeb(outDir);
    [started, launched] = await Promise.allSettled([startLocalStack({ port: 0, retryIntervalMs: 10, web: { outDir } }), launchChromium()]);
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    return { stack: started.value, browser: launched.value, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const problems: string[] = [];

export async function signIn(
  browser: Browser,
  baseUrl: string,
  name: string,
  options: { pausedTimers?: boolean; beforeSignIn?: (page: Page) => Promise<void> } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  // Well inside the test's own timeout, so a stuck step names its locator instead of just timing out,
  // and long enough for a busy two-core machine.
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  if (options.pausedTimers) {
    // Timers on this page (the inbox's refresh) then fire only when a test advances the clock.
    const now = Date.now();
    await page.clock.install({ time: now });
    await page.clock.pauseAt(now + 1000);
  }
  page.on('console', (message) => {
    // The browser logs every 4xx answer; the API's refusals (a 409 for a closed review) are expected.
    if (message.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) {
      const where = message.location();
      problems.push(`${name}: ${message.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`${name}: ${error.message}`));
  await page.goto(baseUrl);
  const button = page.getByRole('button', { name: new RegExp(`^Sign in as ${name}`) });
  await button.waitFor();
  await options.beforeSignIn?.(page);
  await button.click();
  await page.getByTestId('current-user').filter({ hasText: name }).waitFor();
  return page;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

const CONTROL_ROLES = new Set(['button', 'textbox', 'searchbox', 'combobox', 'checkbox', 'radio', 'spinbutton', 'listbox', 'link', 'switch', 'slider']);

interface AxNode {
  readonly ignored?: boolean;
  readonly role?: { readonly value?: string };
  readonly name?: { readonly value?: string };
  readonly backendDOMNodeId?: number;
}

/**
 * Every control Chromium exposes to assistive technology, with the accessible name Chromium computed
 * (labels, aria-label, aria-labelledby, content), shadow roots included.
 */
export async function controlsOf(page: Page): Promise<{ role: string; name: string }[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AxNode[] };
    return nodes
      .filter((node) => !node.ignored && CONTROL_ROLES.has(node.role?.value ?? ''))
      .map((node) => ({ role: node.role!.value!, name: String(node.name?.value ?? '').trim() }));
  } finally {
    await cdp.detach();
  }
}

/** The element that has focus, looking inside shadow roots (the SQL editor lives in one), as "tag:name". */
const FOCUSED = `(() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) element = element.shadowRoot.activeElement;
  if (!element) return '';
  const label = element.getAttribute('aria-label') || (element.labels && element.labels[0] && element.labels[0].textContent) || element.textContent || '';
  return element.tagName.toLowerCase() + ':' + label.trim().slice(0, 60);
})()`;

export const focusedDescription = (page: Page) => page.evaluate<string>(FOCUSED);
