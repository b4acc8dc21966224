/**
 * What every page receives from the shell: the API client, the signed-in user, the route's parameters,
 * and an AbortSignal that fires when the user leaves the page, which ends its long-polls and timers.
 */
import type { Api } from './api';
import type { Me } from './types';

export interface PageContext {
  readonly api: Api;
  readonly me: Me;
  /** Path segments after the page name: `#/sessions/<id>` gives ['<id>']. */
  readonly path: readonly string[];
  readonly params: URLSearchParams;
  readonly signal: AbortSignal;
  navigate(hash: string): void;
}

export interface Page {
  readonly title: string;
  readonly element: HTMLElement;
}

/** A child AbortController that also aborts when the page does. */
export function childController(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}
