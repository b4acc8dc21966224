/**
 * Sign-in. Locally: one button per demo user (the local runtime's POST /dev/token issues the token).
 * On AWS: one button that starts the OIDC authorization code + PKCE redirect to the configured provider.
 */
import type { Auth } from '../auth';
import type { WebConfig } from '../config';
import { h } from '../dom';

export function signInPage(config: WebConfig, auth: Auth, onSignedIn: () => void, message?: string): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert' }, message ?? '');
  const fail = (reason: unknown) => {
    error.textContent = (reason as Error).message;
  };
  const body =
    config.mode === 'local'
      ? [
          h('p', {}, 'Local runtime: choose a demo user. Each has the groups shown; switch at any time from the header.'),
          h('ul', { class: 'user-picker' }, config.users.map((user) =>
            h('li', {},
              h('button', {
                type: 'button',
                class: 'user-button',
                'aria-label': `Sign in as ${user.name} (${user.groups.join(', ')})`,
                'data-email': user.email,
                onclick: () => auth.signInAs(user.email).then(onSignedIn, fail),
              },
                h('span', { class: 'user-name' }, user.name),
                h('span', { class: 'user-email' }, user.email),
                h('span', { class: 'user-groups' }, user.groups.join(', ')))))),
        ]
      : [
          h('p', {}, 'Sign in with your organisation account. You will come back here afterwards.'),
          h('button', { type: 'button', class: 'primary', onclick: () => auth.startSignIn(location.hash).catch(fail) }, 'Sign in'),
        ];
  return h('main', { class: 'signin', id: 'main' },
    h('h1', {}, 'accessgate'),
    h('p', { class: 'tagline' }, 'Just-in-time, approval-gated access to production databases.'),
    ...body,
    error);
}
