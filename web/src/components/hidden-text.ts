/**
 * Text a reviewer reads (a command, a reason), shown with every hidden character written as its code
 * point (<U+202E>) and a warning beside it, by the one rule every surface uses (functions/domain/hidden-text.ts).
 */
import { HIDDEN_TEXT_WARNING, revealHidden } from '../../../functions/domain/hidden-text';
import { h } from '../dom';

/** A command in a <pre>, followed by the warning when it hides characters. */
export function commandView(command: string, props: Record<string, string> = {}): HTMLElement[] {
  const { text, hidden } = revealHidden(command);
  return [h('pre', { class: 'command', ...props }, text), ...(hidden ? [h('p', { class: 'warning hidden-text', role: 'alert' }, HIDDEN_TEXT_WARNING)] : [])];
}

/** A reason as a quotation, with the warning when it hides characters. */
export function reasonView(reason: string): HTMLElement[] {
  const { text, hidden } = revealHidden(reason);
  return [h('q', { class: 'reason' }, text), ...(hidden ? [h('span', { class: 'warning hidden-text', role: 'alert' }, ` ${HIDDEN_TEXT_WARNING}`)] : [])];
}
