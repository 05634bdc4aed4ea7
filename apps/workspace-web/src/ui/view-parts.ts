/// <reference lib="dom" />
// Pieces every view uses: its heading, key figures, errors, and drawing the
// panels once they are in the document.
import { ApiError } from '../core/api-client';
import { el } from '../core/dom';

/** The view's h1, focusable so that navigation can move focus to it. */
export function viewHeading(title: string, subtitle?: string): HTMLElement {
  return el('header', { class: 'view-head' }, el('h1', { tabindex: -1 }, title), subtitle ? el('p', { class: 'hint' }, subtitle) : undefined);
}

export interface Figure {
  readonly label: string;
  readonly value: string;
  /** A stable handle for tests and styling. */
  readonly id: string;
}

export function keyFigures(figures: readonly Figure[]): HTMLElement {
  return el(
    'dl',
    { class: 'figures' },
    figures.map((f) => el('div', { class: 'figure', 'data-figure': f.id }, el('dt', {}, f.label), el('dd', {}, f.value))),
  );
}

/** What went wrong, in the API's words. */
export function errorBox(error: unknown, what: string): HTMLElement {
  const message = error instanceof ApiError ? `${error.problem.title ?? 'Error'} (${error.status}${error.problem.code ? ` ${error.problem.code}` : ''}): ${error.message}` : error instanceof Error ? error.message : String(error);
  return el('div', { class: 'error', role: 'alert' }, el('strong', {}, `${what}: `), message);
}

/** Appends panels to `root` and then draws their charts (ECharts needs them laid out first). */
export function mount(root: HTMLElement, ...parts: ({ panel: HTMLElement; draw: () => void } | HTMLElement | undefined)[]): void {
  const draws: (() => void)[] = [];
  for (const part of parts) {
    if (!part) continue;
    if (part instanceof HTMLElement) root.appendChild(part);
    else {
      root.appendChild(part.panel);
      draws.push(part.draw);
    }
  }
  for (const draw of draws) draw();
}

/** The answer, or an error box in `root` and undefined: one failed panel does not blank the view. */
export async function attempt<T>(root: HTMLElement, what: string, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return undefined;
    root.appendChild(errorBox(error, what));
    return undefined;
  }
}
