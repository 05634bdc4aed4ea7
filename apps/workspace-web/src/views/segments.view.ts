/// <reference lib="dom" />
// Segments: the RFM grid (SPEC section 6) as a heat map of customers per
// R × FM cell; a cell, from the chart or its button in the table, opens its
// customers, the highest spend first.
import { el } from '../core/dom';
import { formatCount, formatDecimal, formatMoney } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewContext, ViewDefinition } from '../app/view';
import { HEAT } from '../ui/chart';
import { figurePanel } from '../ui/figure-panel';
import { attempt, keyFigures, mount, viewHeading } from '../ui/view-parts';
import type { Page, RfmGrid, RfmRow } from './api-types';
import { showCustomerList } from './customer-list';

const SCORES = [1, 2, 3, 4, 5];

export const segmentsView: ViewDefinition = {
  id: 'segments',
  title: 'Segments',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render(context) {
    const { api, scope, root, signal } = context;
    root.append(viewHeading('Segments', `RFM as of ${scope.asOfDate}, spend in ${scope.currency}. Choose a cell to list its customers.`));
    const grid = await attempt(root, 'RFM grid', () => api.get<RfmGrid>('/v1/analytics/rfm/grid', { asOf: scope.asOf, currency: scope.currency }, signal));
    if (!grid || signal.aborted) return;
    const cellBox = el('div', { class: 'cell-customers', 'aria-live': 'polite' });
    const cell = (r: number, fm: number) => grid.cells.find((c) => c.r === r && c.fm === fm)!;
    const open = (r: number, fm: number) => void openCell(context, cellBox, r, fm, cell(r, fm).segment);
    const max = Math.max(1, ...grid.cells.map((c) => c.customers));
    const segments = [...new Set(grid.cells.map((c) => c.segment))].map((segment) => {
      const cells = grid.cells.filter((c) => c.segment === segment);
      return { segment, customers: cells.reduce((n, c) => n + c.customers, 0), value: cells.reduce((n, c) => n + c.value, 0) };
    });
    mount(
      root,
      keyFigures([
        { id: 'rfm-customers', label: `Customers with a purchase in ${scope.currency}`, value: formatCount(grid.customers) },
        { id: 'rfm-value', label: 'Their spend', value: formatMoney(grid.value, scope.currency) },
      ]),
      figurePanel({
        title: 'RFM grid: customers per cell',
        description: 'Rows are the recency score R (5 = bought most recently), columns the combined frequency and monetary score FM (5 = most and biggest orders).',
        chart: {
          label: `Heat map of ${formatCount(grid.customers)} customers over 25 RFM cells; the table below lists every cell`,
          height: 380,
          onClick: (params) => {
            const [fmIndex, rIndex] = params.value as [number, number, number];
            open(SCORES[rIndex]!, SCORES[fmIndex]!);
          },
          option: {
            grid: { left: 70, right: 30, top: 10, bottom: 80 },
            xAxis: { type: 'category', name: 'FM', nameLocation: 'middle', nameGap: 28, data: SCORES.map(String), splitArea: { show: true } },
            yAxis: { type: 'category', name: 'R', nameLocation: 'middle', nameGap: 40, data: SCORES.map(String), splitArea: { show: true } },
            visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 200, inRange: { color: HEAT } },
            series: [
              {
                type: 'heatmap',
                name: 'Customers',
                data: grid.cells.map((c) => [c.fm - 1, c.r - 1, c.customers]),
                label: { show: true, formatter: (p: { value: unknown }) => `${cell(((p.value as number[])[1] ?? 0) + 1, ((p.value as number[])[0] ?? 0) + 1).segment.replaceAll('_', ' ')}\n${formatCount((p.value as number[])[2] ?? 0)}`, fontSize: 12, lineHeight: 17, color: '#0f172a', textBorderColor: '#fff', textBorderWidth: 3 },
                emphasis: { itemStyle: { borderColor: '#0f172a', borderWidth: 2 } },
              },
            ],
          },
        },
        table: {
          caption: 'Customers per RFM cell: R by row, FM by column; each count opens the cell',
          rows: [...SCORES].reverse(),
          columns: [
            { header: 'R \\ FM', value: (r) => `R ${r}` },
            ...SCORES.map((fm) => ({
              header: `FM ${fm}`,
              numeric: true,
              value: (r: number) => cell(r, fm).customers,
              render: (r: number) => {
                const c = cell(r, fm);
                return el(
                  'button',
                  { type: 'button', class: 'link', 'data-cell': `${r}-${fm}`, 'aria-label': `R ${r}, FM ${fm}, ${c.segment.replaceAll('_', ' ')}: ${c.customers} customers, ${formatMoney(c.value, scope.currency)}`, onclick: () => open(r, fm) },
                  formatCount(c.customers),
                );
              },
            })),
          ],
        },
        csv: `rfm-grid-counts-${scope.currency}-${scope.asOfDate}`,
        extra: cellBox,
      }),
      figurePanel({
        title: 'RFM cells in detail',
        table: {
          caption: `Every cell: its segment, customers, spend (${scope.currency}) and means`,
          rows: grid.cells,
          columns: [
            { header: 'Cell', value: (c) => `R${c.r} FM${c.fm}` },
            { header: 'R', value: (c) => c.r, numeric: true },
            { header: 'FM', value: (c) => c.fm, numeric: true },
            { header: 'Segment', value: (c) => c.segment },
            { header: 'Customers', value: (c) => c.customers, render: (c) => formatCount(c.customers), numeric: true },
            { header: `Spend (${scope.currency}, minor units)`, value: (c) => c.value, render: (c) => formatMoney(c.value, scope.currency), numeric: true },
            { header: 'Mean days since last purchase', value: (c) => c.meanRecencyDays, render: (c) => formatDecimal(c.meanRecencyDays, 1), numeric: true },
            { header: 'Mean purchase-days', value: (c) => c.meanFrequency, render: (c) => formatDecimal(c.meanFrequency, 2), numeric: true },
          ],
        },
        csv: `rfm-cells-${scope.currency}-${scope.asOfDate}`,
      }),
      figurePanel({
        title: 'Segments',
        chart: {
          label: `Customers per segment: ${segments.map((s) => `${s.segment} ${s.customers}`).join(', ')}`,
          height: 260,
          option: {
            grid: { left: 130, right: 30, top: 10, bottom: 30 },
            xAxis: { type: 'value' },
            yAxis: { type: 'category', data: segments.map((s) => s.segment.replaceAll('_', ' ')) },
            series: [{ type: 'bar', name: 'Customers', data: segments.map((s) => s.customers) }],
          },
        },
        table: {
          caption: 'Customers and spend per segment (the cells of each segment added up)',
          rows: segments,
          columns: [
            { header: 'Segment', value: (s) => s.segment },
            { header: 'Customers', value: (s) => s.customers, render: (s) => formatCount(s.customers), numeric: true },
            { header: `Spend (${scope.currency}, minor units)`, value: (s) => s.value, render: (s) => formatMoney(s.value, scope.currency), numeric: true },
          ],
        },
        csv: `rfm-segments-${scope.currency}-${scope.asOfDate}`,
      }),
    );
    const asked = context.query.get('cell');
    if (asked && /^[1-5]-[1-5]$/.test(asked)) {
      const [r, fm] = asked.split('-').map(Number) as [number, number];
      open(r, fm);
    }
  },
};

async function openCell({ api, scope, href }: ViewContext, box: HTMLElement, r: number, fm: number, segment: string): Promise<void> {
  box.closest('section')?.querySelectorAll('.cell-selected').forEach((b) => b.classList.remove('cell-selected'));
  box.closest('section')?.querySelector(`[data-cell="${r}-${fm}"]`)?.classList.add('cell-selected');
  await showCustomerList<RfmRow>(box, {
    title: `Cell R ${r}, FM ${fm} (${segment.replaceAll('_', ' ')}): customers by spend`,
    caption: `Customers in RFM cell R ${r}, FM ${fm}, highest spend first`,
    csv: `rfm-cell-r${r}-fm${fm}-${scope.currency}-${scope.asOfDate}`,
    load: (cursor) =>
      api.get<Page<RfmRow>>('/v1/analytics/rfm/grid/customers', { asOf: scope.asOf, currency: scope.currency, r, fm, limit: 25, cursor }),
    columns: [
      { header: 'Customer', value: (c) => c.customerId, render: (c) => el('a', { href: href(['customer', c.customerId]) }, c.customerId) },
      { header: 'Days since last purchase', value: (c) => c.recencyDays, numeric: true },
      { header: 'Purchase-days', value: (c) => c.frequency, numeric: true },
      { header: `Spend (${scope.currency}, minor units)`, value: (c) => c.monetary, render: (c) => formatMoney(c.monetary, scope.currency), numeric: true },
      { header: 'R', value: (c) => c.r, numeric: true },
      { header: 'F', value: (c) => c.f, numeric: true },
      { header: 'M', value: (c) => c.m, numeric: true },
    ],
  });
}
