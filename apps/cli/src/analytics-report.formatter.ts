// `rapport analytics <view>` as tables an analyst can read: what each number
// is, in major units of the currency, with the model's notation explained.
import {
  PURCHASE_MODELS,
  RFM_GRID,
  RFM_SEGMENTS,
  type FunnelResult,
  type PurchaseModelName,
  type PurchaseModelParams,
  type RfmScore,
  type RfmSegment,
} from '@rapport/analytics';
import type { PresentedFit, PurchaseModelFitView } from '@rapport/application';
import type { AnalyticsReport, FunnelView, ModelsValidation, ModelsView, RankingView, RevenueView, RfmView } from './analytics-report.assembler';
import {
  countOf,
  formatCount,
  formatDuration,
  formatFixed,
  formatMoney,
  formatParam,
  formatPercent,
  minorUnitName,
  renderTable,
  type Align,
} from './text-table';

const R = 'right' as const;
const L = 'left' as const;

/** The grid cells of each segment, e.g. champions → `R5 FM4-5, R4 FM5`. */
function segmentCells(segment: RfmSegment): string {
  const cells: string[] = [];
  for (const r of [5, 4, 3, 2, 1] as const satisfies readonly RfmScore[]) {
    const fms = RFM_GRID[r].flatMap((s, i) => (s === segment ? [i + 1] : []));
    if (fms.length === 0) continue;
    const first = fms[0]!;
    const last = fms[fms.length - 1]!;
    cells.push(`R${r} FM${first === last ? first : `${first}-${last}`}`);
  }
  return cells.join(', ');
}

export function formatRfm(report: RfmView): string[] {
  const total = report.customers;
  const rows = RFM_SEGMENTS.map((segment) => {
    const n = report.segments[segment];
    return [segment, formatCount(n), formatPercent(total > 0 ? n / total : 0), segmentCells(segment)];
  });
  rows.push(['total', formatCount(total), formatPercent(total > 0 ? 1 : 0), '']);
  return [
    `RFM segments as of ${report.asOf}, ${report.currency}: ${countOf(total, 'customer')} with a purchase`,
    renderTable(['segment', 'customers', 'share', 'grid cells (R score, FM score)'], rows, [L, R, R, L]),
  ];
}

function fitRows(fit: PresentedFit<unknown>): string[][] {
  return fit.converged
    ? [['converged', `yes (${fit.iterations} iterations)`, 'interior maximum, confirmed by a restart']]
    : [['converged', 'NO', fit.reason]];
}

/** Each purchase model's parameters, in the order and notation of its paper. */
const PURCHASE_MODEL_ROWS: { readonly [M in PurchaseModelName]: readonly (readonly [keyof PurchaseModelParams[M] & string, string, string])[] } = {
  bgnbd: [
    ['r', 'r', 'purchase rate while alive ~ Gamma(r, α): shape'],
    ['alpha', 'α (alpha)', 'purchase rate: scale, in weeks'],
    ['a', 'a', 'dropout probability after a purchase ~ Beta(a, b)'],
    ['b', 'b', 'dropout probability: second shape'],
  ],
  'pareto-nbd': [
    ['r', 'r', 'purchase rate while alive ~ Gamma(r, α): shape'],
    ['alpha', 'α (alpha)', 'purchase rate: scale, in weeks'],
    ['s', 's', 'dropout rate (lifetime exponential) ~ Gamma(s, β): shape'],
    ['beta', 'β (beta)', 'dropout rate: scale, in weeks'],
  ],
  'mbg-nbd': [
    ['r', 'r', 'purchase rate while alive ~ Gamma(r, α): shape'],
    ['alpha', 'α (alpha)', 'purchase rate: scale, in weeks'],
    ['a', 'a', 'dropout probability at each purchase, the first included ~ Beta(a, b)'],
    ['b', 'b', 'dropout probability: second shape'],
  ],
};

const PURCHASE_MODEL_TITLE: { readonly [M in PurchaseModelName]: string } = {
  bgnbd: 'BG/NBD (Fader, Hardie & Lee 2005): who is likely to defect; time in weeks, every currency',
  'pareto-nbd': 'Pareto/NBD (Schmittlein, Morrison & Colombo 1987): customers may leave at any time; time in weeks, every currency',
  'mbg-nbd': 'MBG/NBD (Batislam, Denizel & Filiztekin 2007): customers may leave after any purchase, the first included; time in weeks',
};

const LABEL: { readonly [M in PurchaseModelName]: string } = { bgnbd: 'BG/NBD', 'pareto-nbd': 'Pareto/NBD', 'mbg-nbd': 'MBG/NBD' };

function purchaseModelTable<M extends PurchaseModelName>(model: M, fit: PurchaseModelFitView<PurchaseModelParams[M]> & { readonly durationMs: number }): string[] {
  const rows: string[][] = [];
  if (fit.converged) {
    for (const [key, name, meaning] of PURCHASE_MODEL_ROWS[model]) rows.push([name, formatParam(fit.params[key] as number), meaning]);
    rows.push(['log-likelihood', formatFixed(fit.logLikelihood, 2), '']);
  }
  rows.push(['customers', formatCount(fit.customers), 'with a purchase by asOf'], ...fitRows(fit), ['fit time', formatDuration(fit.durationMs), '']);
  return [PURCHASE_MODEL_TITLE[model], renderTable(['', 'value', 'meaning'], rows, [L, R, L]), ''];
}

/** `r 0.5533, α 10.5777, s 0.6062, β 11.6687` */
function paramsInline<M extends PurchaseModelName>(model: M, params: PurchaseModelParams[M]): string {
  return PURCHASE_MODEL_ROWS[model].map(([key, name]) => `${name.split(' ')[0]} ${formatParam(params[key] as number)}`).join(', ');
}

function formatValidation(validation: ModelsValidation): string[] {
  const { comparison, models } = validation;
  const lines = [
    `Holdout validation: fitted on purchases to ${comparison.calibrationEnd}, predictions against the repeat purchase-days of ` +
      `(${comparison.calibrationEnd}, ${comparison.holdoutEnd}]: ${formatFixed(comparison.holdoutWeeks, comparison.holdoutWeeks % 1 === 0 ? 0 : 2)} weeks, ${countOf(comparison.customers, 'customer')}`,
    '',
  ];
  const validated = PURCHASE_MODELS.filter((m) => models[m] !== null);
  const first = validated.length > 0 ? models[validated[0]!]! : undefined;
  if (first) {
    lines.push('Mean repeat purchase-days per customer in the holdout, by repeat purchase-days in the calibration');
    const rows = first.buckets.map((b, i) => [
      b.frequency,
      formatCount(b.customers),
      b.meanActual === null ? '-' : formatFixed(b.meanActual, 3),
      ...validated.map((m) => {
        const predicted = models[m]!.buckets[i]!.meanPredicted;
        return predicted === null ? '-' : formatFixed(predicted, 3);
      }),
    ]);
    lines.push(renderTable(['x', 'customers', 'actual', ...validated.map((m) => LABEL[m])], rows, [L, R, R, ...validated.map(() => R)]), '');
  }
  lines.push('Models ranked by the mean absolute percentage error of the weekly cumulative holdout tracking');
  const ranking = comparison.models.map((m) =>
    m.converged
      ? [String(m.rank), LABEL[m.model], m.mapePercent === null ? '-' : `${formatFixed(m.mapePercent, 2)} %`, formatFixed(m.logLikelihood, 2), paramsInline(m.model, m.params as never)]
      : ['-', LABEL[m.model], '-', '-', `not fitted: ${m.reason}`],
  );
  lines.push(renderTable(['rank', 'model', 'MAPE', 'log-likelihood', 'parameters'], ranking, [R, L, R, R, L]));
  return lines;
}

export function formatModels(report: ModelsView): string[] {
  const { bgnbd, gammaGamma: gg, currency } = report;
  const lines = [`Models as of ${report.asOf}`, ''];
  lines.push(...purchaseModelTable('bgnbd', bgnbd), ...purchaseModelTable('pareto-nbd', report.paretoNbd), ...purchaseModelTable('mbg-nbd', report.mbgNbd));

  const unit = minorUnitName(currency);
  lines.push(`Gamma-Gamma (Fader, Hardie & Lee 2005): spend per purchase-day; money in ${currency} ${unit} (minor units)`);
  const ggRows: string[][] = [];
  if (gg.converged) {
    const p = gg.params;
    const major = p.v / 10 ** gg.minorUnitDigits;
    ggRows.push(
      ['p', formatParam(p.p), "spend per purchase-day ~ Gamma(p, ν): shape"],
      ['q', formatParam(p.q), "customers' ν ~ Gamma(q, v): shape"],
      ['v', `${formatFixed(p.v, 2)} ${unit}`, `scale; = ${formatParam(major)} ${currency}`],
      ['log-likelihood', formatFixed(gg.logLikelihood, 2), `amounts in ${unit}`],
    );
    if (p.q > 1) ggRows.push(['mean spend', `${formatMoney((p.p * p.v) / (p.q - 1), currency)} ${currency}`, 'population mean per purchase-day, p·v / (q − 1)']);
  }
  ggRows.push(
    ['customers', formatCount(gg.customers), `with a repeat purchase-day and spend > 0 in ${currency}`],
    ...fitRows(gg),
    ['fit time', formatDuration(gg.durationMs), ''],
  );
  lines.push(renderTable(['', 'value', 'meaning'], ggRows, [L, R, L]));
  lines.push('Fit times are wall-clock in this process; the BG/NBD one includes reading the read models and preparing the purchase-days.');
  if (report.validation) lines.push('', ...formatValidation(report.validation));
  return lines;
}

export function formatRanking(report: RankingView): string[] {
  const { currency, horizonWeeks } = report;
  const money = (minor: number | null) => (minor === null ? '-' : formatMoney(minor, currency));
  const title =
    report.view === 'at-risk'
      ? `Top ${countOf(report.items.length, 'customer')} by value at risk = past value × (1 − P(alive))`
      : `Top ${countOf(report.items.length, 'customer')} by CLV over ${horizonWeeks} weeks`;
  const range = (interval: { low: number; high: number } | null | undefined, format: (v: number) => string) =>
    interval ? `${format(interval.low)}–${format(interval.high)}` : '-';
  const rows = report.items.map((c, i) => [
    String(i + 1),
    c.customerId,
    c.pAlive.toFixed(3),
    range(c.intervals?.pAlive, (v) => v.toFixed(3)),
    c.expectedPurchases.toFixed(2),
    money(c.expectedSpend),
    money(c.clv),
    range(c.intervals?.clv, (v) => formatMoney(v, currency)),
    money(c.pastValue),
    money(c.valueAtRisk),
  ]);
  return [
    `${title}, as of ${report.asOf}, ${currency}`,
    renderTable(
      [
        '#',
        'customer',
        'P(alive)',
        '90 %',
        `purchases ${horizonWeeks}w`,
        `spend/purchase (${currency})`,
        `CLV ${horizonWeeks}w (${currency})`,
        '90 %',
        `past value (${currency})`,
        `value at risk (${currency})`,
      ],
      rows,
      [R, L, R, R, R, R, R, R, R, R],
    ),
    `purchases ${horizonWeeks}w: expected purchase-days in the next ${horizonWeeks} weeks (BG/NBD); spend/purchase: expected spend per purchase-day (Gamma-Gamma);` +
      ' CLV discounted 1 % a month; - : no Gamma-Gamma estimate.',
    '90 %: interval from the fitted parameters’ uncertainty (delta method; CLV adds Gamma-Gamma’s), see docs/analytics.md.',
  ];
}

export function formatFunnel(report: FunnelView): string[] {
  const stages = Object.keys(report.byStage) as (keyof FunnelResult['byStage'])[];
  const stageRows = stages.map((s) => [s, formatCount(report.byStage[s]), formatCount(report.reached[s])]);
  const conversionRows = report.conversions.map((c) => [c.phase, c.from, c.to.join(' | '), formatCount(c.entered), formatCount(c.converted), formatPercent(c.rate)]);
  return [
    `Funnel as of ${report.asOf}: ${countOf(report.customers, 'customer')} in the loop`,
    renderTable(['stage', 'now', 'ever reached'], stageRows, [L, R, R]),
    renderTable(['phase', 'from', 'to', 'entered', 'converted', 'rate'], conversionRows, [L, L, L, R, R, R]),
  ];
}

export function formatRevenue(report: RevenueView): string[] {
  const { currency } = report;
  const rows = report.periods.map((p) => [p.period, p.start, formatMoney(p.revenue, currency), formatCount(p.orders), formatCount(p.customers)]);
  const revenue = report.periods.reduce((sum, p) => sum + p.revenue, 0);
  const orders = report.periods.reduce((sum, p) => sum + p.orders, 0);
  rows.push(['total', '', formatMoney(revenue, currency), formatCount(orders), '']);
  const align: Align[] = [L, L, R, R, R];
  return [
    `Revenue per ${report.interval}${report.from !== undefined ? ` from ${report.from}` : ''}${report.to !== undefined ? ` to ${report.to}` : ''} as of ${report.asOf}, ${currency}`,
    renderTable([report.interval, 'starts', `revenue (${currency})`, 'orders', 'customers'], rows, align),
  ];
}

export function formatAnalyticsReport(report: AnalyticsReport): string[] {
  switch (report.view) {
    case 'rfm':
      return formatRfm(report);
    case 'models':
      return formatModels(report);
    case 'at-risk':
    case 'value':
      return formatRanking(report);
    case 'funnel':
      return formatFunnel(report);
    case 'revenue':
      return formatRevenue(report);
  }
}
