/// <reference lib="dom" />
// Overview: customers by stage, the loop funnel, revenue by month, open complaints.
import { formatCount, formatMoney, formatPercent, toMajor } from '../core/format';
import type { ViewDefinition } from '../app/view';
import { hasAnyRole } from '../app/session';
import { figurePanel } from '../ui/figure-panel';
import { attempt, keyFigures, mount, viewHeading } from '../ui/view-parts';
import { STAGES, type ComplaintsReport, type FunnelReport, type RevenueReport, type Stage } from './api-types';

/** The loop in the order customers move through it. */
const FUNNEL_STAGES: readonly Stage[] = ['prospect', 'qualified', 'customer', 'repeat'];

export const overviewView: ViewDefinition = {
  id: 'overview',
  title: 'Overview',
  scoped: true,
  allowed: (session) => hasAnyRole(session, 'analyst'),
  async render({ api, scope, root, signal }) {
    root.append(viewHeading('Overview', `As of ${scope.asOfDate}, money in ${scope.currency}`));
    const [funnel, revenue, complaints] = await Promise.all([
      attempt(root, 'Funnel', () => api.get<FunnelReport>('/v1/analytics/funnel', { asOf: scope.asOf }, signal)),
      attempt(root, 'Revenue', () => api.get<RevenueReport>('/v1/analytics/revenue', { asOf: scope.asOf, currency: scope.currency, interval: 'month' }, signal)),
      attempt(root, 'Complaints', () => api.get<ComplaintsReport>('/v1/analytics/complaints', { asOf: scope.asOf }, signal)),
    ]);
    if (signal.aborted) return;
    const totalRevenue = revenue?.periods.reduce((sum, p) => sum + p.revenue, 0);
    const orders = revenue?.periods.reduce((sum, p) => sum + p.orders, 0);
    mount(
      root,
      keyFigures([
        { id: 'customers', label: 'Customers', value: funnel ? formatCount(funnel.customers) : '—' },
        { id: 'repeat', label: 'Repeat customers', value: funnel ? formatCount(funnel.byStage.repeat) : '—' },
        { id: 'revenue', label: `Revenue (${scope.currency})`, value: totalRevenue !== undefined ? formatMoney(totalRevenue, scope.currency) : '—' },
        { id: 'orders', label: 'Orders', value: orders !== undefined ? formatCount(orders) : '—' },
        { id: 'open-complaints', label: 'Open complaints', value: complaints ? formatCount(complaints.open) : '—' },
      ]),
      funnel &&
        figurePanel({
          title: 'The loop funnel',
          description: 'Customers who ever reached each stage of the loop, and the conversion between stages.',
          chart: {
            label: `Funnel: ${FUNNEL_STAGES.map((s) => `${s} ${funnel.reached[s]}`).join(', ')}`,
            option: {
              series: [
                {
                  type: 'funnel',
                  sort: 'none',
                  left: '10%',
                  width: '80%',
                  minSize: '8%',
                  label: { show: true, position: 'inside', formatter: '{b}: {c}', color: '#fff', textBorderColor: '#1e293b', textBorderWidth: 2 },
                  data: FUNNEL_STAGES.map((stage) => ({ name: stage, value: funnel.reached[stage] })),
                },
              ],
            },
          },
          table: {
            caption: 'Customers who reached each stage, and who are in it now',
            rows: STAGES,
            columns: [
              { header: 'Stage', value: (s) => s },
              { header: 'Reached', value: (s) => funnel.reached[s], render: (s) => formatCount(funnel.reached[s]), numeric: true },
              { header: 'In stage now', value: (s) => funnel.byStage[s], render: (s) => formatCount(funnel.byStage[s]), numeric: true },
            ],
          },
          csv: `funnel-${scope.asOfDate}`,
        }),
      funnel &&
        figurePanel({
          title: 'Conversion between stages',
          table: {
            caption: 'Conversions of the loop: entered, converted and rate',
            rows: funnel.conversions,
            columns: [
              { header: 'Phase', value: (c) => c.phase },
              { header: 'From', value: (c) => c.from },
              { header: 'To', value: (c) => c.to.join(' or ') },
              { header: 'Entered', value: (c) => c.entered, render: (c) => formatCount(c.entered), numeric: true },
              { header: 'Converted', value: (c) => c.converted, render: (c) => formatCount(c.converted), numeric: true },
              { header: 'Rate', value: (c) => c.rate, render: (c) => formatPercent(c.rate), numeric: true },
            ],
          },
          csv: `conversions-${scope.asOfDate}`,
        }),
      funnel &&
        figurePanel({
          title: 'Customers by stage',
          chart: {
            label: `Customers by stage now: ${STAGES.map((s) => `${s} ${funnel.byStage[s]}`).join(', ')}`,
            option: {
              grid: { left: 60, right: 20, top: 20, bottom: 30 },
              xAxis: { type: 'category', data: [...STAGES] },
              yAxis: { type: 'value' },
              series: [{ type: 'bar', data: STAGES.map((s) => funnel.byStage[s]) }],
            },
            height: 240,
          },
          table: {
            caption: 'Customers in each stage as of the date',
            rows: STAGES,
            columns: [
              { header: 'Stage', value: (s) => s },
              { header: 'Customers', value: (s) => funnel.byStage[s], render: (s) => formatCount(funnel.byStage[s]), numeric: true },
            ],
          },
          csv: `stages-${scope.asOfDate}`,
        }),
      revenue &&
        figurePanel({
          title: `Revenue by month (${scope.currency})`,
          chart: {
            label: `Revenue by month in ${scope.currency}, ${revenue.periods.length} months`,
            option: {
              grid: { left: 80, right: 20, top: 20, bottom: 40 },
              xAxis: { type: 'category', data: revenue.periods.map((p) => p.period) },
              yAxis: { type: 'value', name: scope.currency },
              series: [{ type: 'bar', name: 'Revenue', data: revenue.periods.map((p) => toMajor(p.revenue, scope.currency)) }],
            },
            height: 260,
          },
          table: {
            caption: `Revenue, orders and buying customers per month, in ${scope.currency}`,
            rows: revenue.periods,
            empty: `No purchase in ${scope.currency} by ${scope.asOfDate}.`,
            columns: [
              { header: 'Month', value: (p) => p.period },
              { header: `Revenue (${scope.currency}, minor units)`, value: (p) => p.revenue, render: (p) => formatMoney(p.revenue, scope.currency), numeric: true },
              { header: 'Orders', value: (p) => p.orders, render: (p) => formatCount(p.orders), numeric: true },
              { header: 'Customers', value: (p) => p.customers, render: (p) => formatCount(p.customers), numeric: true },
            ],
          },
          csv: `revenue-${scope.currency}-${scope.asOfDate}`,
        }),
      complaints &&
        figurePanel({
          title: 'Complaints',
          table: {
            caption: 'Complaints opened, still open and resolved, by severity',
            rows: complaints.bySeverity,
            columns: [
              { header: 'Severity', value: (c) => c.severity },
              { header: 'Opened', value: (c) => c.opened, render: (c) => formatCount(c.opened), numeric: true },
              { header: 'Open', value: (c) => c.open, render: (c) => formatCount(c.open), numeric: true },
              { header: 'Resolved', value: (c) => c.resolved, render: (c) => formatCount(c.resolved), numeric: true },
            ],
          },
          csv: `complaints-${scope.asOfDate}`,
        }),
    );
  },
};
