// A few lines instead of a UI library: build elements with their attributes and children in one call.
// Text is always set as text (never HTML), so nothing an answer holds can become markup.

/** Attributes of h(): strings and booleans become attributes, functions `on…` become listeners. */
export type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;
/** A child of h(): a node, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

/** Creates `<tag>` with its attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replaces everything inside `parent` with `children`. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren(
    ...children
      .flat()
      .filter(
        (child): child is Node | string | number => child !== null && child !== undefined && child !== false,
      )
      .map((child) => (child instanceof Node ? child : String(child))),
  );
}

/** The live region every screen reports into ("3 items kept"), read out by screen readers. */
export function announce(message: string): void {
  const region = document.getElementById('status');
  if (region) region.textContent = message;
}

/** A date as the reader's locale writes it, or a dash. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
