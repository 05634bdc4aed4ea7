/// <reference lib="dom" />
// A paged list of customers opened from a chart (an RFM cell): a table, a
// "more" button while the API has more, and a CSV of what is loaded.
import { el } from '../core/dom';
import { csvButton, dataTable, type Column } from '../ui/data-table';
import type { Page } from './api-types';

export interface CustomerListSpec<R> {
  readonly title: string;
  readonly caption: string;
  readonly columns: readonly Column<R>[];
  readonly csv: string;
  load(cursor: string | null): Promise<Page<R>>;
}

/** Draws into `box` (emptied first), moving focus to the list's heading so keyboard users land on it. */
export async function showCustomerList<R>(box: HTMLElement, spec: CustomerListSpec<R>): Promise<void> {
  const rows: R[] = [];
  let cursor: string | null = null;
  const heading = el('h3', { tabindex: -1 }, spec.title);
  const body = el('div', {});
  const more = el('button', { type: 'button', class: 'secondary' }, 'Load more');
  const redraw = () => {
    const table = { caption: spec.caption, columns: spec.columns, rows, empty: 'No customer here.' };
    body.replaceChildren(dataTable(table), el('div', { class: 'form-row' }, csvButton(table, `${spec.csv}.csv`), cursor ? more : undefined));
  };
  const next = async () => {
    more.disabled = true;
    const page = await spec.load(cursor);
    rows.push(...page.items);
    cursor = page.nextCursor;
    more.disabled = false;
    redraw();
  };
  more.addEventListener('click', () => void next().then(() => more.focus()));
  box.replaceChildren(heading, body);
  await next();
  heading.focus();
}
