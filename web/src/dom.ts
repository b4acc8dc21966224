/**
 * The only way the UI builds DOM: `h(tag, props, ...children)`, where every string child becomes a text
 * node and every attribute is set on its own. Nothing in web/ assigns innerHTML (or outerHTML, srcdoc,
 * insertAdjacentHTML), so a command, a reason or a database value can never turn into markup: escaping
 * is a property of the one building block rather than something each page must remember.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Listener = (event: never) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Listener | readonly (string | false | null | undefined)[]>;

/** Properties that would parse HTML, or attributes that would run code, are refused outright. */
const FORBIDDEN = new Set(['innerhtml', 'outerhtml', 'srcdoc', 'style']);

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const item of child as readonly Child[]) append(parent, item);
  } else if (child instanceof Node) {
    parent.appendChild(child);
  } else {
    parent.appendChild(document.createTextNode(String(child)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    const lower = name.toLowerCase();
    // `style` attributes are blocked by the CSP (no 'unsafe-inline'); layout lives in styles.css.
    if (FORBIDDEN.has(lower)) throw new Error(`h(): "${name}" is not allowed`);
    if (typeof value === 'function') {
      if (!lower.startsWith('on')) throw new Error(`h(): listener "${name}" must be named on<event>`);
      element.addEventListener(lower.slice(2), value as EventListener);
      continue;
    }
    if (lower.startsWith('on')) throw new Error(`h(): "${name}" must be a function, never a string of code`);
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class' && Array.isArray(value)) {
      const classes = value.filter((item): item is string => typeof item === 'string' && item !== '');
      if (classes.length) element.setAttribute('class', classes.join(' '));
      continue;
    }
    // Form state must be set as properties: the attributes only hold the initial value.
    if ((name === 'value' || name === 'checked' || name === 'disabled' || name === 'selected') && name in element) {
      (element as unknown as Record<string, unknown>)[name] = name === 'value' ? String(value) : value === true || value === 'true';
      if (name !== 'value' && value === true) element.setAttribute(name, '');
      continue;
    }
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Replaces an element's children (the text-only counterpart of assigning innerHTML). */
export function render(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let nextId = 0;
/** A document-unique id, for label/aria-describedby pairs. */
export const uid = (prefix: string): string => `${prefix}-${++nextId}`;

/** A labelled form field: the label names the control for screen readers and for tests alike. */
export function field(label: string, control: HTMLElement, options: { hint?: string; error?: HTMLElement } = {}): HTMLDivElement {
  const id = control.id || uid('field');
  control.id = id;
  const hint = options.hint ? h('p', { class: 'hint', id: `${id}-hint` }, options.hint) : null;
  const described = [hint?.id, options.error?.id].filter(Boolean).join(' ');
  if (described) control.setAttribute('aria-describedby', described);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint, options.error);
}
