/// <reference lib="dom" />
// Every chart's numbers as a table (SPEC section 11): a caption, column
// headers, the first column as row headers, numbers right-aligned, and the
// same rows as CSV.
import { downloadCsv, toCsv, type CsvValue } from '../core/csv';
import { el } from '../core/dom';

export interface Column<R> {
  readonly header: string;
  /** The raw value: what the CSV holds, and what is shown unless `render` says otherwise. */
  readonly value: (row: R) => CsvValue;
  /** What the cell shows (formatted text, a link, a button). */
  readonly render?: (row: R) => Node | string;
  readonly numeric?: boolean;
}

export interface TableSpec<R> {
  readonly caption: string;
  readonly columns: readonly Column<R>[];
  readonly rows: readonly R[];
  /** Shown instead of an empty table. */
  readonly empty?: string;
}

export function dataTable<R>(spec: TableSpec<R>): HTMLElement {
  if (spec.rows.length === 0) return el('p', { class: 'empty' }, spec.empty ?? 'Nothing to show for this date and currency.');
  const table = el(
    'table',
    {},
    el('caption', {}, spec.caption),
    el('thead', {}, el('tr', {}, spec.columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.header)))),
    el(
      'tbody',
      {},
      spec.rows.map((row) =>
        el(
          'tr',
          {},
          spec.columns.map((c, i) => {
            const content = c.render ? c.render(row) : display(c.value(row));
            return i === 0 ? el('th', { scope: 'row', class: c.numeric ? 'num' : undefined }, content) : el('td', { class: c.numeric ? 'num' : undefined }, content);
          }),
        ),
      ),
    ),
  );
  // Scrollable region: focusable so keyboard users can scroll a wide table.
  return el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': spec.caption }, table);
}

export function tableCsv<R>(spec: TableSpec<R>): string {
  return toCsv(
    spec.columns.map((c) => c.header),
    spec.rows.map((row) => spec.columns.map((c) => c.value(row))),
  );
}

export function csvButton<R>(spec: TableSpec<R>, filename: string): HTMLButtonElement {
  return el('button', { type: 'button', class: 'secondary csv', onclick: () => downloadCsv(filename, tableCsv(spec)) }, `Download CSV`);
}

function display(value: CsvValue): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 4 }) : String(value);
}
