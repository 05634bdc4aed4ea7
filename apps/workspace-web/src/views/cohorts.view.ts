/// <reference lib="dom" />
// Cohorts: retention by first-purchase month as a heat map (SPEC section 6).
import { formatCount, formatPercent } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewDefinition } from '../app/view';
import { HEAT } from '../ui/chart';
import { figurePanel } from '../ui/figure-panel';
import { attempt, mount, viewHeading } from '../ui/view-parts';
import type { CohortsReport } from './api-types';

export const cohortsView: ViewDefinition = {
  id: 'cohorts',
  title: 'Cohorts',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render({ api, scope, root, signal }) {
    root.append(viewHeading('Cohorts', `Share of each first-purchase month’s customers who bought again, month by month, as of ${scope.asOfDate} (${scope.currency})`));
    const report = await attempt(root, 'Cohorts', () => api.get<CohortsReport>('/v1/analytics/cohorts', { asOf: scope.asOf, currency: scope.currency }, signal));
    if (!report || signal.aborted) return;
    const offsets = Math.max(0, ...report.cohorts.map((c) => c.months.length));
    const columns = Array.from({ length: offsets }, (_, i) => i);
    mount(
      root,
      figurePanel({
        title: 'Retention by first-purchase month',
        description: 'Month 0 is the month of the first purchase (100 %); a month not yet over by the as-of date is marked partial.',
        chart: {
          label: `Heat map of retention for ${report.cohorts.length} monthly cohorts over ${offsets} months`,
          height: Math.max(260, 26 * report.cohorts.length + 110),
          option: {
            grid: { left: 70, right: 20, top: 10, bottom: 80 },
            xAxis: { type: 'category', name: 'months since first purchase', nameLocation: 'middle', nameGap: 28, data: columns.map(String) },
            yAxis: { type: 'category', inverse: true, data: report.cohorts.map((c) => c.cohort) },
            visualMap: { min: 0, max: 0.3, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 200, inRange: { color: HEAT }, formatter: (v: unknown) => formatPercent(Number(v), 0) },
            series: [
              {
                type: 'heatmap',
                name: 'Retention',
                data: report.cohorts.flatMap((c, row) => c.months.filter((m) => m.offset > 0).map((m) => [m.offset, row, Number(m.share.toFixed(4))])),
                label: { show: offsets <= 18, fontSize: 9, color: '#0f172a', formatter: (p: { value: unknown }) => formatPercent((p.value as number[])[2] ?? 0, 0) },
              },
            ],
          },
        },
        table: {
          caption: `Cohort sizes and the share active each month since (${scope.currency} purchases)`,
          rows: report.cohorts,
          empty: `No purchase in ${scope.currency} by ${scope.asOfDate}.`,
          columns: [
            { header: 'Cohort', value: (c) => c.cohort },
            { header: 'Customers', value: (c) => c.customers, render: (c) => formatCount(c.customers), numeric: true },
            ...columns.map((offset) => ({
              header: `Month ${offset}`,
              numeric: true,
              value: (c: CohortsReport['cohorts'][number]) => c.months[offset]?.share ?? null,
              render: (c: CohortsReport['cohorts'][number]) => {
                const m = c.months[offset];
                return m ? `${formatPercent(m.share)}${m.complete ? '' : ' (partial)'}` : '—';
              },
            })),
          ],
        },
        csv: `cohorts-${scope.currency}-${scope.asOfDate}`,
      }),
    );
  },
};
