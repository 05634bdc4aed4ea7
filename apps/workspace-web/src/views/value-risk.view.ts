/// <reference lib="dom" />
// Value and risk: the CLV distribution, the customers with the most value at
// risk, and P(alive) against past value (SPEC section 6 models, section 11).
import { el } from '../core/dom';
import { formatCount, formatDecimal, formatMoney, formatPercent, toMajor } from '../core/format';
import { hasAnyRole } from '../app/session';
import type { ViewDefinition } from '../app/view';
import { HEAT } from '../ui/chart';
import { figurePanel } from '../ui/figure-panel';
import { attempt, keyFigures, mount, viewHeading } from '../ui/view-parts';
import type { ClvHistogram, PAliveByValue, RankedCustomer } from './api-types';

/** The horizon CLV and expected purchases look ahead, in weeks (the API's default). */
const HORIZON_WEEKS = 52;
const AT_RISK_ROWS = 20;

export const valueRiskView: ViewDefinition = {
  id: 'value',
  title: 'Value and risk',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render({ api, scope, root, signal, href }) {
    root.append(viewHeading('Value and risk', `BG/NBD and Gamma-Gamma as of ${scope.asOfDate}; CLV over ${HORIZON_WEEKS} weeks in ${scope.currency}`));
    const query = { asOf: scope.asOf, currency: scope.currency, horizonWeeks: HORIZON_WEEKS };
    const [histogram, atRisk, matrix] = await Promise.all([
      attempt(root, 'CLV distribution', () => api.get<ClvHistogram>('/v1/analytics/clv/histogram', query, signal)),
      attempt(root, 'At-risk customers', () => api.get<{ items: RankedCustomer[] }>('/v1/analytics/at-risk', { ...query, limit: AT_RISK_ROWS }, signal)),
      attempt(root, 'P(alive) by value', () => api.get<PAliveByValue>('/v1/analytics/p-alive/by-value', query, signal)),
    ]);
    if (signal.aborted) return;
    const money = (minor: number | null) => formatMoney(minor, scope.currency);
    const binLabel = (b: ClvHistogram['bins'][number]) => (b.upper === null ? `≥ ${money(b.lower)}` : `${money(b.lower)} – ${money(b.upper)}`);
    const bandLabel = (b: PAliveByValue['valueBands'][number]) => (b.upper === null ? `≥ ${money(b.lower)}` : `${money(b.lower)} – ${money(b.upper)}`);
    const totalAtRisk = matrix?.cells.reduce((sum, c) => sum + c.valueAtRisk, 0);
    mount(
      root,
      keyFigures([
        { id: 'clv-customers', label: 'Customers with a CLV', value: histogram ? formatCount(histogram.customers) : '—' },
        { id: 'clv-total', label: `Total CLV, ${HORIZON_WEEKS} weeks`, value: histogram ? money(histogram.totalClv) : '—' },
        { id: 'value-at-risk', label: 'Value at risk', value: totalAtRisk !== undefined ? money(totalAtRisk) : '—' },
      ]),
      histogram &&
        figurePanel({
          title: 'CLV distribution',
          description: `Customers by predicted value over ${HORIZON_WEEKS} weeks; the last bar holds the top 1 % tail.${histogram.withoutClv > 0 ? ` ${formatCount(histogram.withoutClv)} customers have no CLV: the spend model could not be fitted.` : ''}`,
          chart: {
            label: `Histogram of CLV for ${formatCount(histogram.customers)} customers in ${histogram.bins.length} bins`,
            height: 280,
            option: {
              grid: { left: 70, right: 20, top: 20, bottom: 80 },
              xAxis: { type: 'category', data: histogram.bins.map(binLabel), axisLabel: { rotate: 40, fontSize: 10 } },
              yAxis: { type: 'value', name: 'customers' },
              series: [{ type: 'bar', name: 'Customers', data: histogram.bins.map((b) => b.customers) }],
            },
          },
          table: {
            caption: `Customers and CLV per bin (${scope.currency})`,
            rows: histogram.bins,
            empty: 'No customer has a CLV: too few repeat purchases to fit the spend model.',
            columns: [
              { header: 'CLV bin', value: binLabel },
              { header: 'Lower (minor units)', value: (b) => b.lower, render: (b) => money(b.lower), numeric: true },
              { header: 'Upper (minor units)', value: (b) => b.upper, render: (b) => (b.upper === null ? 'open' : money(b.upper)), numeric: true },
              { header: 'Customers', value: (b) => b.customers, render: (b) => formatCount(b.customers), numeric: true },
              { header: 'CLV (minor units)', value: (b) => Math.round(b.clv), render: (b) => money(b.clv), numeric: true },
            ],
          },
          csv: `clv-histogram-${scope.currency}-${scope.asOfDate}`,
        }),
      atRisk &&
        figurePanel({
          title: 'At risk: most value likely to be lost',
          description: 'Past spend × (1 − P(alive)), highest first.',
          chart: {
            label: `Bar chart of value at risk for the top ${atRisk.items.length} customers`,
            height: 280,
            option: {
              grid: { left: 80, right: 20, top: 20, bottom: 40 },
              xAxis: { type: 'category', data: atRisk.items.map((c) => c.customerId) },
              yAxis: { type: 'value', name: scope.currency },
              series: [{ type: 'bar', name: 'Value at risk', data: atRisk.items.map((c) => toMajor(c.valueAtRisk, scope.currency)) }],
            },
          },
          table: {
            caption: `The ${atRisk.items.length} customers with the most value at risk`,
            rows: atRisk.items,
            columns: [
              { header: 'Customer', value: (c) => c.customerId, render: (c) => el('a', { href: href(['customer', c.customerId]) }, c.customerId) },
              { header: 'P(alive)', value: (c) => c.pAlive, render: (c) => formatPercent(c.pAlive), numeric: true },
              { header: 'Past spend (minor units)', value: (c) => c.pastValue, render: (c) => money(c.pastValue), numeric: true },
              { header: 'Value at risk (minor units)', value: (c) => Math.round(c.valueAtRisk), render: (c) => money(c.valueAtRisk), numeric: true },
              { header: 'Expected purchases', value: (c) => c.expectedPurchases, render: (c) => formatDecimal(c.expectedPurchases), numeric: true },
              { header: 'CLV (minor units)', value: (c) => (c.clv === null ? null : Math.round(c.clv)), render: (c) => money(c.clv), numeric: true },
            ],
          },
          csv: `at-risk-${scope.currency}-${scope.asOfDate}`,
        }),
      matrix &&
        figurePanel({
          title: 'P(alive) against past value',
          description: 'Customers per band of P(alive) (columns) and band of past spend (rows, at its quantiles): the top left holds valuable customers who are slipping away.',
          chart: {
            label: `Heat map of ${formatCount(matrix.customers)} customers by P(alive) band and past-value band`,
            height: 320,
            option: {
              grid: { left: 160, right: 20, top: 10, bottom: 90 },
              xAxis: { type: 'category', name: 'P(alive)', nameLocation: 'middle', nameGap: 30, data: matrix.pAliveBands.map((b) => `${Math.round(b.lower * 100)}–${Math.round(b.upper * 100)} %`), axisLabel: { fontSize: 10 } },
              yAxis: { type: 'category', data: matrix.valueBands.map(bandLabel), axisLabel: { fontSize: 10 } },
              visualMap: { min: 0, max: Math.max(1, ...matrix.cells.map((c) => c.customers)), orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 200, inRange: { color: HEAT } },
              series: [{ type: 'heatmap', name: 'Customers', data: matrix.cells.map((c) => [c.pAliveBand, c.valueBand, c.customers]), label: { show: true, fontSize: 10, color: '#0f172a', textBorderColor: '#fff', textBorderWidth: 2 } }],
            },
          },
          table: {
            caption: 'Customers, past spend and value at risk per P(alive) band and past-value band',
            rows: matrix.cells.filter((c) => c.customers > 0),
            columns: [
              { header: 'Past value band', value: (c) => bandLabel(matrix.valueBands[c.valueBand]!) },
              { header: 'P(alive) band', value: (c) => `${formatPercent(matrix.pAliveBands[c.pAliveBand]!.lower, 0)} – ${formatPercent(matrix.pAliveBands[c.pAliveBand]!.upper, 0)}` },
              { header: 'Customers', value: (c) => c.customers, render: (c) => formatCount(c.customers), numeric: true },
              { header: 'Past spend (minor units)', value: (c) => c.pastValue, render: (c) => money(c.pastValue), numeric: true },
              { header: 'Value at risk (minor units)', value: (c) => Math.round(c.valueAtRisk), render: (c) => money(c.valueAtRisk), numeric: true },
            ],
          },
          csv: `p-alive-by-value-${scope.currency}-${scope.asOfDate}`,
        }),
    );
  },
};
