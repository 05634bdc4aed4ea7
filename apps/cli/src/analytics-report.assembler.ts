// The reports of `rapport analytics <view>`: the API's bodies (one definition,
// the presenters of @rapport/application), tagged with their view. `models`
// is the CLI's own: the fits side by side, with how long each took, and with
// --validate their holdout validation and ranking.
import {
  AnswerTooLargeError,
  type Granularity,
  type MbgNbdParams,
  type ParetoNbdParams,
  type PurchaseModelName,
  type PurchaseModelParams,
} from '@rapport/analytics';
import {
  presentBgNbdFit,
  presentFunnel,
  presentGammaGammaFit,
  presentHoldoutValidation,
  presentModelComparison,
  presentPurchaseModelFit,
  presentRanking,
  presentRevenue,
  presentRfm,
  type AnalyticsScope,
  type AnalyticsService,
  type AnalyticsWindow,
  type BgNbdFitView,
  type FunnelReport,
  type GammaGammaFitView,
  type HoldoutValidationReport,
  type ModelComparisonReport,
  type PredictionIntervals,
  type PurchaseModelFitView,
  type RankedCustomer,
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
/** A ranked customer with the 90 % intervals of the predictions route (BG/NBD, as the ranking); null when they cannot be computed. */
export type RankedWithIntervals = RankedCustomer & { readonly intervals: PredictionIntervals | null };
export type RankingView = Tagged<'at-risk' | 'value', Omit<RankingReport, 'items'> & { readonly items: readonly RankedWithIntervals[] }>;
export type FunnelView = Tagged<'funnel', FunnelReport>;
export type RevenueView = Tagged<'revenue', RevenueReport>;
/** --validate: each model fitted at asOf judged on (asOf, holdoutEnd] (null when it has no fit), and the ranking. */
export interface ModelsValidation {
  readonly comparison: ModelComparisonReport;
  readonly models: { readonly [M in PurchaseModelName]: HoldoutValidationReport<PurchaseModelParams[M]> | null };
}

export type ModelsView = Tagged<
  'models',
  AnalyticsScope & {
    readonly bgnbd: Timed<BgNbdFitView>;
    readonly paretoNbd: Timed<PurchaseModelFitView<ParetoNbdParams>>;
    readonly mbgNbd: Timed<PurchaseModelFitView<MbgNbdParams>>;
    /** minorUnitDigits: the decimals of `currency` that v and the log-likelihood are scaled by. */
    readonly gammaGamma: Timed<{ readonly minorUnitDigits: number } & GammaGammaFitView>;
    readonly validation?: ModelsValidation;
  }
>;
export type AnalyticsReport = RfmView | ModelsView | RankingView | FunnelView | RevenueView;

export async function rfmView(analytics: AnalyticsService, scope: AnalyticsScope): Promise<RfmView> {
  return { view: 'rfm', ...presentRfm(scope, await analytics.rfm(scope.asOf, scope.currency)) };
}

/**
 * Fits BG/NBD, Pareto/NBD, MBG/NBD (every customer with a purchase) and
 * Gamma-Gamma (in `currency`), timing each service call: the first one of a
 * process also reads the read models and prepares the purchase-days. With
 * holdoutEnd, validates the three purchase models on (asOf, holdoutEnd].
 */
export async function modelsView(
  analytics: AnalyticsService,
  { asOf, currency, holdoutEnd }: AnalyticsScope & { readonly holdoutEnd?: string },
): Promise<ModelsView> {
  const timed = async <T>(compute: () => Promise<T>): Promise<{ value: T; durationMs: number }> => {
    const started = performance.now();
    const value = await compute();
    return { value, durationMs: Math.round(performance.now() - started) };
  };
  const bgnbd = await timed(() => analytics.bgnbd(asOf));
  const paretoNbd = await timed(() => analytics.purchaseModel('pareto-nbd', asOf));
  const mbgNbd = await timed(() => analytics.purchaseModel('mbg-nbd', asOf));
  const gammaGamma = await timed(() => analytics.gammaGamma(asOf, currency));
  return {
    view: 'models',
    asOf,
    currency,
    bgnbd: { ...presentBgNbdFit(bgnbd.value), durationMs: bgnbd.durationMs },
    paretoNbd: { ...presentPurchaseModelFit(paretoNbd.value), durationMs: paretoNbd.durationMs },
    mbgNbd: { ...presentPurchaseModelFit(mbgNbd.value), durationMs: mbgNbd.durationMs },
    gammaGamma: { ...withMinorUnitDigits(presentGammaGammaFit(currency, gammaGamma.value)), durationMs: gammaGamma.durationMs },
    ...(holdoutEnd !== undefined ? { validation: await validation(analytics, { calibrationEnd: asOf, holdoutEnd }) } : {}),
  };
}

async function validation(analytics: AnalyticsService, scope: { readonly calibrationEnd: string; readonly holdoutEnd: string }): Promise<ModelsValidation> {
  const comparison = presentModelComparison(scope, await analytics.compareModels(scope.calibrationEnd, scope.holdoutEnd));
  const validated = async <M extends PurchaseModelName>(model: M) => {
    const ranked = comparison.models.find((m) => m.model === model);
    // compareModels validated every model it could fit: the service has the answer cached.
    return ranked?.converged ? presentHoldoutValidation(scope, model, await analytics.holdoutValidation(model, scope.calibrationEnd, scope.holdoutEnd)) : null;
  };
  return { comparison, models: { bgnbd: await validated('bgnbd'), 'pareto-nbd': await validated('pareto-nbd'), 'mbg-nbd': await validated('mbg-nbd') } };
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
  const ranked = view === 'at-risk' ? await analytics.atRisk(asOf, currency, limit, horizonWeeks) : await analytics.value(asOf, currency, limit, horizonWeeks);
  // Each printed customer's intervals, from the same (cached) BG/NBD and Gamma-Gamma fits and their covariances.
  const items: RankedWithIntervals[] = [];
  for (const c of ranked) items.push({ ...c, intervals: (await analytics.predict(c.customerId, asOf, currency, horizonWeeks))?.intervals ?? null });
  return { view, ...presentRanking({ asOf, currency }, horizonWeeks, items), items };
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
  return report.view !== 'models' || (report.bgnbd.converged && report.paretoNbd.converged && report.mbgNbd.converged && report.gammaGamma.converged);
}
