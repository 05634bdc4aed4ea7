// The reports of `rapport analytics <view>`: the API's bodies (one definition,
// the presenters of @rapport/application), tagged with their view. `models`
// is the CLI's own: both fits side by side, with how long each took.
import { AnswerTooLargeError, type Granularity } from '@rapport/analytics';
import {
  presentBgNbdFit,
  presentFunnel,
  presentGammaGammaFit,
  presentRanking,
  presentRevenue,
  presentRfm,
  type AnalyticsScope,
  type AnalyticsService,
  type AnalyticsWindow,
  type BgNbdFitView,
  type FunnelReport,
  type GammaGammaFitView,
  type RankingReport,
  type RevenueReport,
  type RfmReport,
} from '@rapport/application';
import type { AnalyticsOptions, AnalyticsView } from './analytics.options';
import { UserError } from './cli-errors';
import { minorUnitDigits } from './text-table';

/** A report as --json prints it: the body of GET /v1/analytics/..., headed by its view. */
type Tagged<V extends AnalyticsView, R> = { readonly view: V } & R;

/** How long the service call took, first reads of the read models included. */
type Timed<R> = R & { readonly durationMs: number };

export type RfmView = Tagged<'rfm', RfmReport>;
export type RankingView = Tagged<'at-risk' | 'value', RankingReport>;
export type FunnelView = Tagged<'funnel', FunnelReport>;
export type RevenueView = Tagged<'revenue', RevenueReport>;
export type ModelsView = Tagged<
  'models',
  AnalyticsScope & {
    readonly bgnbd: Timed<BgNbdFitView>;
    /** minorUnitDigits: the decimals of `currency` that v and the log-likelihood are scaled by. */
    readonly gammaGamma: Timed<{ readonly minorUnitDigits: number } & GammaGammaFitView>;
  }
>;
export type AnalyticsReport = RfmView | ModelsView | RankingView | FunnelView | RevenueView;

export async function rfmView(analytics: AnalyticsService, scope: AnalyticsScope): Promise<RfmView> {
  return { view: 'rfm', ...presentRfm(scope, await analytics.rfm(scope.asOf, scope.currency)) };
}

/**
 * Fits BG/NBD (every customer with a purchase) and Gamma-Gamma (in `currency`),
 * timing each service call: the first one of a process also reads the read
 * models and prepares the purchase-days.
 */
export async function modelsView(analytics: AnalyticsService, { asOf, currency }: AnalyticsScope): Promise<ModelsView> {
  let started = performance.now();
  const bgnbd = await analytics.bgnbd(asOf);
  const bgnbdMs = Math.round(performance.now() - started);
  started = performance.now();
  const gammaGamma = await analytics.gammaGamma(asOf, currency);
  const gammaGammaMs = Math.round(performance.now() - started);
  return {
    view: 'models',
    asOf,
    currency,
    bgnbd: { ...presentBgNbdFit(bgnbd), durationMs: bgnbdMs },
    gammaGamma: { ...withMinorUnitDigits(presentGammaGammaFit(currency, gammaGamma)), durationMs: gammaGammaMs },
  };
}

/** The decimals its amounts are scaled by, right after the currency they belong to. */
function withMinorUnitDigits({ currency, ...fit }: GammaGammaFitView): { readonly minorUnitDigits: number } & GammaGammaFitView {
  return { currency, minorUnitDigits: minorUnitDigits(currency), ...fit };
}

/** at-risk: by past value × (1 − P(alive)); value: by CLV over the horizon. Throws ModelNotFittedError when BG/NBD cannot be fitted. */
export async function rankingView(
  analytics: AnalyticsService,
  view: 'at-risk' | 'value',
  { asOf, currency, limit, horizonWeeks }: AnalyticsScope & { readonly limit: number; readonly horizonWeeks: number },
): Promise<RankingView> {
  const items = view === 'at-risk' ? await analytics.atRisk(asOf, currency, limit, horizonWeeks) : await analytics.value(asOf, currency, limit, horizonWeeks);
  return { view, ...presentRanking({ asOf, currency }, horizonWeeks, items) };
}

export async function funnelView(analytics: AnalyticsService, { asOf }: { readonly asOf: string }): Promise<FunnelView> {
  return { view: 'funnel', ...presentFunnel(asOf, await analytics.funnel(asOf)) };
}

/** Throws UserError (exit code 2) when the answer would be over the cap, asking for a narrower --from/--to. */
export async function revenueView(
  analytics: AnalyticsService,
  { asOf, currency, interval, from, to }: AnalyticsScope & AnalyticsWindow & { readonly interval: Granularity },
): Promise<RevenueView> {
  const window = { from, to };
  try {
    return { view: 'revenue', ...presentRevenue({ asOf, currency }, interval, window, await analytics.revenue(asOf, currency, interval, window)) };
  } catch (error) {
    if (error instanceof AnswerTooLargeError) throw new UserError(`${error.message}: narrow --from/--to`);
    throw error;
  }
}

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
