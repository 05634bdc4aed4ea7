/// <reference lib="dom" />
// A few lines instead of a framework: elements built with properties and
// children, text always set as text (never parsed as HTML).

type Child = Node | string | number | null | undefined | false;
type Props = Partial<Record<string, string | number | boolean | EventListener | undefined>>;

/** `el('button', { type: 'button', onclick: go }, 'Open')`: `on*` props are listeners, `class` and `aria-*`/`data-*` are attributes, the rest set as attributes too. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  append(node, children.flat());
  return node;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces everything inside `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A unique id for label/aria wiring. */
let counter = 0;
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
