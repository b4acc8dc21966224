/**
 * The web UI's entry point and shell: reads /config.json, signs the user in (or shows the sign-in page),
 * then renders the header (who is signed in, with their groups, always visible) and routes between
 * pages on the URL's hash (`#/terminal`, `#/reviews`, `#/rules`, `#/sessions`, `#/sessions/<session id>`).
 *
 * Hash routes keep every page at `/`, so the static host needs no rewrites and no page path can collide
 * with an API path (the local runtime serves both from one origin). Plain TypeScript over a small
 * element helper (dom.ts) instead of a framework: four pages do not need a virtual DOM, the bundle
 * stays small, and the one place that creates DOM is the one place that guarantees text stays text.
 */
import { Api, isAbort } from './api';
import { Auth } from './auth';
import { loadConfig, type WebConfig } from './config';
import { h, render } from './dom';
import { groupChips } from './format';
import type { Page, PageContext } from './page';
import { sessionsPage } from './pages/sessions';
import { reviewsPage } from './pages/reviews';
import { rulesPage } from './pages/rules';
import { signInPage } from './pages/signin';
import { terminalPage } from './pages/terminal';
import type { Me, ResourceView } from './types';

type PageBuilder = (ctx: PageContext) => Promise<Page>;

interface NavItem {
  readonly name: string;
  readonly label: string;
  readonly build: PageBuilder;
}

const root = document.getElementById('app')!;

async function boot(): Promise<void> {
  let config: WebConfig;
  try {
    config = await loadConfig();
  } catch (error) {
    render(root, h('main', { class: 'signin', id: 'main' }, h('h1', {}, 'accessgate'), h('p', { class: 'form-error', role: 'alert' }, (error as Error).message)));
    return;
  }
  const auth = new Auth(config);
  const api = new Api(config.apiBase, auth.bearer, () => auth.expired());
  let current: AbortController | undefined;

  const showSignIn = (message?: string) => {
    current?.abort();
    render(root, signInPage(config, auth, () => void enter(), message));
    document.title = 'Sign in — accessgate';
  };
  auth.onExpired(() => showSignIn('Your session ended; please sign in again.'));

  async function enter(): Promise<void> {
    let me: Me;
    let resources: ResourceView[];
    try {
      [me, { resources }] = await Promise.all([api.get<Me>('/me'), api.get<{ resources: ResourceView[] }>('/resources')]);
    } catch (error) {
      showSignIn((error as Error).message);
      return;
    }
    api.socketUrl = me.socketUrl;
    const nav: NavItem[] = [
      ...(resources.length ? [{ name: 'terminal', label: 'Terminal', build: terminalPage }] : []),
      { name: 'reviews', label: 'Reviews', build: reviewsPage },
      ...(me.isAdmin || me.isAuditor ? [{ name: 'rules', label: 'Rules', build: rulesPage }] : []),
      { name: 'sessions', label: 'Sessions log', build: sessionsPage },
    ];
    const home = resources.length ? 'terminal' : me.isAdmin ? 'rules' : me.isAuditor ? 'sessions' : 'reviews';
    const main = h('main', { id: 'main', tabindex: -1 });
    const links = new Map(nav.map((item) => [item.name, h('a', { href: `#/${item.name}` }, item.label)]));

    const switcher =
      config.mode === 'local'
        ? h('select', {
            'aria-label': 'Switch demo user',
            onchange: async (event: Event) => {
              const email = (event.target as HTMLSelectElement).value;
              try {
                await auth.signInAs(email);
                await enter();
              } catch (error) {
                showSignIn((error as Error).message);
              }
            },
          }, config.users.map((user) => h('option', { value: user.email, selected: user.email === me.email }, `${user.name} (${user.groups.join(', ')})`)))
        : null;

    render(root,
      h('a', { class: 'skip-link', href: '#main', onclick: (event: Event) => {
        event.preventDefault();
        main.focus();
      } }, 'Skip to content'),
      h('header', { class: 'topbar' },
        h('a', { class: 'brand', href: `#/${home}` }, 'accessgate'),
        h('nav', { 'aria-label': 'Main' }, h('ul', {}, [...links.values()].map((link) => h('li', {}, link)))),
        h('div', { class: 'who', 'aria-label': 'Signed in as' },
          h('span', { class: 'who-name', 'data-testid': 'current-user' }, me.name),
          h('span', { class: 'who-email' }, me.email),
          groupChips(me.groups),
          switcher,
          h('button', { type: 'button', onclick: () => auth.signOut().then(() => showSignIn()) }, 'Sign out'))),
      main);

    let firstRoute = true;
    async function route(): Promise<void> {
      const [pathPart, queryPart = ''] = location.hash.replace(/^#\/?/, '').split('?');
      const [name = '', ...rest] = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
      const item = nav.find((candidate) => candidate.name === name);
      if (!item) {
        history.replaceState(null, '', `#/${home}`);
        return route();
      }
      current?.abort();
      const controller = new AbortController();
      current = controller;
      for (const [key, link] of links) {
        if (key === item.name) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
      render(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
      try {
        const page = await item.build({
          api,
          me,
          path: rest,
          params: new URLSearchParams(queryPart),
          signal: controller.signal,
          navigate: (hash) => {
            if (location.hash === hash) void route();
            else location.hash = hash;
          },
        });
        if (controller.signal.aborted) return;
        render(main, page.element);
        document.title = `${page.title} — accessgate`;
        // After a navigation, move focus to the new page's heading so screen readers announce it.
        if (!firstRoute) page.element.querySelector<HTMLElement>('h1')?.setAttribute('tabindex', '-1');
        if (!firstRoute) page.element.querySelector<HTMLElement>('h1')?.focus();
      } catch (error) {
        if (isAbort(error) || controller.signal.aborted) return;
        render(main, h('section', { class: 'page' }, h('h1', {}, item.label),
          h('p', { class: 'form-error', role: 'alert' }, (error as Error).message),
          h('button', { type: 'button', onclick: () => void route() }, 'Try again')));
      }
      firstRoute = false;
    }
    window.onhashchange = () => void route();
    await route();
  }

  try {
    if (await auth.restore()) await enter();
    else showSignIn();
  } catch (error) {
    showSignIn((error as Error).message);
  }
}

void boot();
