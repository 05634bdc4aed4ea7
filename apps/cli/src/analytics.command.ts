// `rapport analytics <view>`: the analytics of SPEC section 6 on the embedded
// read models, as tables an analyst can read; with --json, the raw result (the
// same bodies as GET /v1/analytics/..., plus fit times). Imports only append to
// the log, so the read models are first caught up with it, through the same
// ProjectionRunner the server runs.
import type { Command } from 'commander';
import {
  AnswerTooLargeError,
  GRANULARITIES,
  grouped,
  MAX_REVENUE_PERIODS,
  RFM_GRID,
  RFM_SEGMENTS,
  type BgNbdFit,
  type BgNbdParams,
  type FunnelResult,
  type GammaGammaFit,
  type GammaGammaParams,
  type Granularity,
  type RevenuePeriod,
  type RfmScore,
  type RfmSegment,
} from '@rapport/analytics';
import { AnalyticsService, CUSTOMER_PROJECTION, ModelNotFittedError, type RankedCustomer } from '@rapport/application';
import type { EventStore } from '@rapport/event-store';
import type { ReadStore } from '@rapport/read-store';
import type { CliContext, GlobalOptions } from './cli-context';
import { EXIT_FAILED, UserError } from './cli-errors';
import { instantOption } from './instant-option';
import { catchUpProjections, type ProjectionSummary } from './projections.command';
import type { Progress } from './progress.reporter';
import {
  formatCount,
  formatDuration,
  formatFixed,
  formatMoney,
  formatParam,
  formatPercent,
  minorUnitDigits,
  minorUnitName,
  renderTable,
  type Align,
} from './text-table';

export const ANALYTICS_VIEWS = ['rfm', 'models', 'at-risk', 'value', 'funnel', 'revenue'] as const;
export type AnalyticsView = (typeof ANALYTICS_VIEWS)[number];

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 1_000;
export const DEFAULT_HORIZON_WEEKS = 52;
export const MAX_HORIZON_WEEKS = 520;

// ---------------------------------------------------------------------------
// Options

/** The options as commander hands them over: strings, checked by parseAnalyticsOptions. */
export interface RawAnalyticsOptions {
  readonly asOf?: string;
  readonly currency?: string;
  readonly limit?: string;
  readonly horizonWeeks?: string;
  readonly interval?: string;
  readonly from?: string;
  readonly to?: string;
}

export interface AnalyticsOptions {
  readonly asOf: string;
  /** Undefined: the configured reporting currency. */
  readonly currency?: string;
  readonly limit: number;
  readonly horizonWeeks: number;
  readonly interval: Granularity;
  /** RFC 3339 bounds on occurredAt for revenue; undefined: the data's own. */
  readonly from?: string;
  readonly to?: string;
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isInteger(value) || value < min || value > max) {
    throw new UserError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Checks the options; a bad one is a UserError (exit code 2, one line). */
export function parseAnalyticsOptions(raw: RawAnalyticsOptions, now: () => Date = () => new Date()): AnalyticsOptions {
  if (raw.asOf !== undefined) instantOption('as-of', raw.asOf);
  let currency: string | undefined;
  if (raw.currency !== undefined) {
    currency = raw.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) throw new UserError(`--currency must be an ISO 4217 code such as USD, got ${JSON.stringify(raw.currency)}`);
  }
  const interval = raw.interval ?? 'month';
  if (!(GRANULARITIES as readonly string[]).includes(interval)) {
    throw new UserError(`--interval must be one of ${GRANULARITIES.join(', ')}, got ${JSON.stringify(raw.interval)}`);
  }
  const from = raw.from === undefined ? undefined : instantOption('from', raw.from);
  const to = raw.to === undefined ? undefined : instantOption('to', raw.to);
  if (from !== undefined && to !== undefined && Date.parse(from) > Date.parse(to)) throw new UserError('--from must not be after --to');
  return {
    asOf: raw.asOf ?? now().toISOString(),
    ...(currency !== undefined ? { currency } : {}),
    limit: integerOption('limit', raw.limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
    horizonWeeks: integerOption('horizon-weeks', raw.horizonWeeks, DEFAULT_HORIZON_WEEKS, 1, MAX_HORIZON_WEEKS),
    interval: interval as Granularity,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

// ---------------------------------------------------------------------------
// Read models

export interface ReadModelsState {
  /** Log position the read models reflect after the command's catch-up. */
  readonly position: number;
  /** The catch-up it took; undefined when the read models were already at the log's head. */
  readonly caughtUp?: ProjectionSummary & { readonly from: number; readonly head: number };
}

/** Brings the read models up to the log's head when they are behind it (after an import, say). */
export async function ensureReadModels(eventStore: EventStore, readStore: ReadStore, progress?: Progress): Promise<ReadModelsState> {
  const head = await eventStore.headPosition();
  const from = await readStore.getCheckpoint(CUSTOMER_PROJECTION);
  if (from >= head) return { position: from };
  const summary = await catchUpProjections({ eventStore, readStore, ...(progress ? { progress } : {}) });
  return { position: summary.position, caughtUp: { ...summary, from, head } };
}

// ---------------------------------------------------------------------------
// Views: the numbers

export interface Scope {
  readonly asOf: string;
  readonly currency: string;
}

export interface RfmReport {
  readonly view: 'rfm';
  readonly asOf: string;
  readonly currency: string;
  /** Customers with a purchase in `currency` by asOf. */
  readonly customers: number;
  /** Customers per segment, every segment (zeros included). */
  readonly segments: Readonly<Record<RfmSegment, number>>;
}

export async function rfmView(analytics: AnalyticsService, { asOf, currency }: Scope): Promise<RfmReport> {
  const result = await analytics.rfm(asOf, currency);
  return { view: 'rfm', asOf, currency, customers: result.customers.length, segments: result.segments };
}

/** A fit as GET /v1/analytics/models/... renders it, plus how long the service call took. */
export type RenderedFit<P> =
  | { readonly converged: true; readonly params: P; readonly logLikelihood: number; readonly iterations: number; readonly durationMs: number }
  | { readonly converged: false; readonly reason: string; readonly iterations: number; readonly durationMs: number };

export interface ModelsReport {
  readonly view: 'models';
  readonly asOf: string;
  readonly currency: string;
  readonly bgnbd: { readonly timeUnit: 'week'; readonly customers: number } & RenderedFit<BgNbdParams>;
  /** v and the log-likelihood are in minor units of `currency` (cents for USD). */
  readonly gammaGamma: { readonly currency: string; readonly minorUnitDigits: number; readonly customers: number } & RenderedFit<GammaGammaParams>;
}

function renderFit<P>(fit: BgNbdFit | GammaGammaFit, durationMs: number): RenderedFit<P> {
  const rounded = Math.round(durationMs);
  return fit.converged
    ? { converged: true, params: fit.params as P, logLikelihood: fit.logLikelihood, iterations: fit.iterations, durationMs: rounded }
    : { converged: false, reason: fit.reason, iterations: fit.iterations, durationMs: rounded };
}

/**
 * Fits BG/NBD (every customer with a purchase) and Gamma-Gamma (in `currency`),
 * timing each service call: the first one of a process also reads the read
 * models and prepares the purchase-days.
 */
export async function modelsView(analytics: AnalyticsService, { asOf, currency }: Scope): Promise<ModelsReport> {
  let started = performance.now();
  const bgnbd = await analytics.bgnbd(asOf);
  const bgnbdMs = performance.now() - started;
  started = performance.now();
  const gammaGamma = await analytics.gammaGamma(asOf, currency);
  const gammaGammaMs = performance.now() - started;
  return {
    view: 'models',
    asOf,
    currency,
    bgnbd: { timeUnit: 'week', customers: bgnbd.customers, ...renderFit<BgNbdParams>(bgnbd.fit, bgnbdMs) },
    gammaGamma: { currency, minorUnitDigits: minorUnitDigits(currency), customers: gammaGamma.customers, ...renderFit<GammaGammaParams>(gammaGamma.fit, gammaGammaMs) },
  };
}

export interface RankingReport {
  readonly view: 'at-risk' | 'value';
  readonly asOf: string;
  readonly currency: string;
  readonly horizonWeeks: number;
  readonly items: readonly RankedCustomer[];
}

/** at-risk: by past value × (1 − P(alive)); value: by CLV over the horizon. Throws ModelNotFittedError when BG/NBD cannot be fitted. */
export async function rankingView(
  analytics: AnalyticsService,
  view: 'at-risk' | 'value',
  { asOf, currency, limit, horizonWeeks }: Scope & { readonly limit: number; readonly horizonWeeks: number },
): Promise<RankingReport> {
  const items = view === 'at-risk' ? await analytics.atRisk(asOf, currency, limit, horizonWeeks) : await analytics.value(asOf, currency, limit, horizonWeeks);
  return { view, asOf, currency, horizonWeeks, items };
}

export interface FunnelReport extends FunnelResult {
  readonly view: 'funnel';
  readonly asOf: string;
}

export async function funnelView(analytics: AnalyticsService, { asOf }: { readonly asOf: string }): Promise<FunnelReport> {
  return { view: 'funnel', asOf, ...(await analytics.funnel(asOf)) };
}

export interface RevenueReport {
  readonly view: 'revenue';
  readonly asOf: string;
  readonly currency: string;
  readonly interval: Granularity;
  readonly from?: string;
  readonly to?: string;
  readonly periods: readonly RevenuePeriod[];
}

/** Throws UserError (exit code 2) when the answer would be over the cap, asking for a narrower --from/--to. */
export async function revenueView(
  analytics: AnalyticsService,
  { asOf, currency, interval, from, to }: Scope & { readonly interval: Granularity; readonly from?: string; readonly to?: string },
): Promise<RevenueReport> {
  const window = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  try {
    return { view: 'revenue', asOf, currency, interval, ...window, periods: await analytics.revenue(asOf, currency, interval, window) };
  } catch (error) {
    if (error instanceof AnswerTooLargeError) throw new UserError(`${error.message}: narrow --from/--to`);
    throw error;
  }
}

export type AnalyticsReport = RfmReport | ModelsReport | RankingReport | FunnelReport | RevenueReport;

/** Computes one view over the read models (which must be caught up already). */
export function runAnalyticsView(
  analytics: AnalyticsService,
  view: AnalyticsView,
  options: Omit<AnalyticsOptions, 'currency'> & { readonly currency: string },
): Promise<AnalyticsReport> {
  switch (view) {
    case 'rfm':
      return rfmView(analytics, options);
    case 'models':
      return modelsView(analytics, options);
    case 'at-risk':
    case 'value':
      return rankingView(analytics, view, options);
    case 'funnel':
      return funnelView(analytics, options);
    case 'revenue':
      return revenueView(analytics, options);
  }
}

/** A report whose numbers are not all there: a model that did not converge. */
export function reportOk(report: AnalyticsReport): boolean {
  return report.view !== 'models' || (report.bgnbd.converged && report.gammaGamma.converged);
}

// ---------------------------------------------------------------------------
// Views: the tables

/** `2,357 customers`, `1 customer`. */
function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}

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

export function formatRfm(report: RfmReport): string[] {
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

function fitRows(fit: RenderedFit<unknown>): string[][] {
  return fit.converged
    ? [['converged', `yes (${fit.iterations} iterations)`, 'interior maximum, confirmed by a restart']]
    : [['converged', 'NO', fit.reason]];
}

export function formatModels(report: ModelsReport): string[] {
  const { bgnbd, gammaGamma: gg, currency } = report;
  const lines = [`Models as of ${report.asOf}`, ''];

  lines.push('BG/NBD (Fader, Hardie & Lee 2005): who is likely to defect; time in weeks, every currency');
  const bgRows: string[][] = [];
  if (bgnbd.converged) {
    const p = bgnbd.params;
    bgRows.push(
      ['r', formatParam(p.r), 'purchase rate while alive ~ Gamma(r, α): shape'],
      ['α (alpha)', formatParam(p.alpha), 'purchase rate: scale, in weeks'],
      ['a', formatParam(p.a), 'dropout probability after a purchase ~ Beta(a, b)'],
      ['b', formatParam(p.b), 'dropout probability: second shape'],
      ['log-likelihood', formatFixed(bgnbd.logLikelihood, 2), ''],
    );
  }
  bgRows.push(['customers', formatCount(bgnbd.customers), 'with a purchase by asOf'], ...fitRows(bgnbd), ['fit time', formatDuration(bgnbd.durationMs), '']);
  lines.push(renderTable(['', 'value', 'meaning'], bgRows, [L, R, L]), '');

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
  return lines;
}

export function formatRanking(report: RankingReport): string[] {
  const { currency, horizonWeeks } = report;
  const money = (minor: number | null) => (minor === null ? '-' : formatMoney(minor, currency));
  const title =
    report.view === 'at-risk'
      ? `Top ${countOf(report.items.length, 'customer')} by value at risk = past value × (1 − P(alive))`
      : `Top ${countOf(report.items.length, 'customer')} by CLV over ${horizonWeeks} weeks`;
  const rows = report.items.map((c, i) => [
    String(i + 1),
    c.customerId,
    c.pAlive.toFixed(3),
    c.expectedPurchases.toFixed(2),
    money(c.expectedSpend),
    money(c.clv),
    money(c.pastValue),
    money(c.valueAtRisk),
  ]);
  return [
    `${title}, as of ${report.asOf}, ${currency}`,
    renderTable(
      ['#', 'customer', 'P(alive)', `purchases ${horizonWeeks}w`, `spend/purchase (${currency})`, `CLV ${horizonWeeks}w (${currency})`, `past value (${currency})`, `value at risk (${currency})`],
      rows,
      [R, L, R, R, R, R, R, R],
    ),
    `purchases ${horizonWeeks}w: expected purchase-days in the next ${horizonWeeks} weeks (BG/NBD); spend/purchase: expected spend per purchase-day (Gamma-Gamma);` +
      ' CLV discounted 1 % a month; - : no Gamma-Gamma estimate.',
  ];
}

export function formatFunnel(report: FunnelReport): string[] {
  const stages = Object.keys(report.byStage) as (keyof FunnelResult['byStage'])[];
  const stageRows = stages.map((s) => [s, formatCount(report.byStage[s]), formatCount(report.reached[s])]);
  const conversionRows = report.conversions.map((c) => [c.phase, c.from, c.to.join(' | '), formatCount(c.entered), formatCount(c.converted), formatPercent(c.rate)]);
  return [
    `Funnel as of ${report.asOf}: ${countOf(report.customers, 'customer')} in the loop`,
    renderTable(['stage', 'now', 'ever reached'], stageRows, [L, R, R]),
    renderTable(['phase', 'from', 'to', 'entered', 'converted', 'rate'], conversionRows, [L, L, L, R, R, R]),
  ];
}

export function formatRevenue(report: RevenueReport): string[] {
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

// ---------------------------------------------------------------------------
// Commander

interface ViewSpec {
  readonly view: AnalyticsView;
  readonly description: string;
  readonly currency: boolean;
  readonly ranking: boolean;
  readonly interval: boolean;
}

const VIEWS: readonly ViewSpec[] = [
  { view: 'rfm', description: 'customers per RFM segment (every segment of the SPEC grid)', currency: true, ranking: false, interval: false },
  { view: 'models', description: 'the BG/NBD and Gamma-Gamma fits: parameters, log-likelihood, customers, convergence, fit time', currency: true, ranking: false, interval: false },
  { view: 'at-risk', description: 'top customers by value at risk: past value × (1 − P(alive))', currency: true, ranking: true, interval: false },
  { view: 'value', description: 'top customers by predicted CLV over the horizon', currency: true, ranking: true, interval: false },
  { view: 'funnel', description: 'customers per loop stage and the conversions between stages', currency: false, ranking: false, interval: false },
  { view: 'revenue', description: 'revenue, orders and customers per day, ISO week or month', currency: true, ranking: false, interval: true },
];

export function registerAnalytics(program: Command, context: CliContext): void {
  const analytics = program
    .command('analytics')
    .description('analytics of the read models as tables (SPEC section 6); the read models are caught up with the log first')
    .addHelpText('after', '\nExamples:\n  rapport analytics models --as-of 1997-09-30T23:59:59Z\n  rapport analytics at-risk --limit 20 --json');

  for (const spec of VIEWS) {
    const command = analytics
      .command(spec.view)
      .description(spec.description)
      .option('--as-of <instant>', 'RFC 3339: only events that occurred by then count (default now)');
    if (spec.currency) command.option('--currency <code>', 'ISO 4217 code (default RAPPORT_REPORTING_CURRENCY, else USD)');
    if (spec.ranking) {
      command
        .option('--limit <n>', `customers listed, 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT})`)
        .option('--horizon-weeks <n>', `prediction horizon in weeks, 1-${MAX_HORIZON_WEEKS} (default ${DEFAULT_HORIZON_WEEKS})`);
    }
    if (spec.interval) {
      command
        .option('--interval <interval>', `${GRANULARITIES.join(', ')} (default month)`)
        .option('--from <instant>', 'RFC 3339: only purchases at or after it count (default the first purchase)')
        .option('--to <instant>', `RFC 3339: only purchases at or before it and --as-of count; at most ${grouped(MAX_REVENUE_PERIODS)} periods`);
    }
    command.action(async (raw: RawAnalyticsOptions, self: Command) => {
      const globals = self.optsWithGlobals<GlobalOptions>();
      const options = parseAnalyticsOptions(raw);
      await context.withStores(globals, 'existing', async ({ config, eventStore, readStore }) => {
        const state = await ensureReadModels(eventStore, readStore, context.progress(globals));
        if (state.caughtUp) {
          const c = state.caughtUp;
          context.io.stderr.write(
            `read models were behind the log (position ${c.from} of ${c.head}): caught up ${countOf(c.events, 'event')} in ${formatDuration(c.durationMs)} first\n`,
          );
        }
        const service = new AnalyticsService(readStore);
        let report: AnalyticsReport;
        try {
          report = await runAnalyticsView(service, spec.view, { ...options, currency: options.currency ?? config.reportingCurrency });
        } catch (error) {
          if (!(error instanceof ModelNotFittedError)) throw error;
          // The analysis has no answer on these data: say why, no made-up numbers.
          context.io.stderr.write(`rapport: ${error.message}\n`);
          context.exitCode = EXIT_FAILED;
          return;
        }
        if (globals.json) context.io.stdout.write(`${JSON.stringify(report)}\n`);
        else context.io.stdout.write(`${formatAnalyticsReport(report).join('\n')}\n`);
        if (!reportOk(report)) context.exitCode = EXIT_FAILED;
      });
    });
  }
}
