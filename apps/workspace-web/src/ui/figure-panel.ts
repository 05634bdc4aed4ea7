/// <reference lib="dom" />
// A panel of one figure: its heading, the chart, the same numbers as a table,
// and a CSV download of them.
import { el, uid } from '../core/dom';
import { drawChart, type ChartOption } from './chart';
import { csvButton, dataTable, type TableSpec } from './data-table';

export interface FigureSpec<R> {
  readonly title: string;
  readonly description?: string | Node;
  readonly chart?: {
    readonly option: ChartOption;
    /** The chart's accessible name: what it shows, in a sentence. */
    readonly label: string;
    readonly onClick?: (params: { data: unknown; dataIndex: number; value: unknown }) => void;
    readonly height?: number;
  };
  readonly table: TableSpec<R>;
  /** Base of the CSV file's name. */
  readonly csv: string;
  /** Anything after the table (e.g. a list opened from the chart). */
  readonly extra?: Node;
}

/** Attach the returned panel to the document before the chart draws: ECharts measures its container. */
export function figurePanel<R>(spec: FigureSpec<R>): { panel: HTMLElement; draw: () => void } {
  const headingId = uid('figure');
  const chartBox = spec.chart ? el('div', { class: 'chart', style: undefined }) : undefined;
  if (chartBox && spec.chart?.height) chartBox.style.height = `${spec.chart.height}px`;
  const panel = el(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    el('div', { class: 'panel-head' }, el('h2', { id: headingId }, spec.title), csvButton(spec.table, `${spec.csv}.csv`)),
    spec.description ? el('p', { class: 'hint' }, spec.description) : undefined,
    chartBox,
    dataTable(spec.table),
    spec.extra,
  );
  return {
    panel,
    draw: () => {
      if (chartBox && spec.chart && spec.table.rows.length > 0) drawChart(chartBox, spec.chart.option, spec.chart.label, spec.chart.onClick);
      else chartBox?.remove();
    },
  };
}
