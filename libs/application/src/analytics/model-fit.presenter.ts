// A model fit as GET /v1/analytics/models/... and `rapport analytics models`
// show it: the estimate, or why there is none (never the stopped search's
// numbers, which are for diagnosis, nor the evaluation count).
import type { BgNbdFit, BgNbdParams, FitResult, GammaGammaFit, GammaGammaParams } from '@rapport/analytics';
import type { AnalyticsScope } from './analytics-scope';

export type PresentedFit<P> =
  | { readonly converged: true; readonly params: P; readonly logLikelihood: number; readonly iterations: number }
  | { readonly converged: false; readonly reason: string; readonly iterations: number };

/** A fit with the number of customers it was fitted on, as AnalyticsService answers it. */
export interface FittedModel<F> {
  readonly fit: F;
  readonly customers: number;
}

export type BgNbdFitView = { readonly timeUnit: 'week'; readonly customers: number } & PresentedFit<BgNbdParams>;
export type BgNbdReport = { readonly asOf: string } & BgNbdFitView;

/** v and the log-likelihood are in minor units of `currency` (cents for USD). */
export type GammaGammaFitView = { readonly currency: string; readonly customers: number } & PresentedFit<GammaGammaParams>;
export type GammaGammaReport = { readonly asOf: string } & GammaGammaFitView;

/** A fit that did not converge says so and gives no numbers. */
export function presentFit<P>(fit: FitResult<P>): PresentedFit<P> {
  return fit.converged
    ? { converged: true, params: fit.params, logLikelihood: fit.logLikelihood, iterations: fit.iterations }
    : { converged: false, reason: fit.reason, iterations: fit.iterations };
}

export function presentBgNbdFit({ fit, customers }: FittedModel<BgNbdFit>): BgNbdFitView {
  return { timeUnit: 'week', customers, ...presentFit(fit) };
}

export function presentBgNbd(asOf: string, model: FittedModel<BgNbdFit>): BgNbdReport {
  return { asOf, ...presentBgNbdFit(model) };
}

export function presentGammaGammaFit(currency: string, { fit, customers }: FittedModel<GammaGammaFit>): GammaGammaFitView {
  return { currency, customers, ...presentFit(fit) };
}

export function presentGammaGamma({ asOf, currency }: AnalyticsScope, model: FittedModel<GammaGammaFit>): GammaGammaReport {
  return { asOf, ...presentGammaGammaFit(currency, model) };
}

/** BG/NBD, Pareto/NBD and MBG/NBD as /models/{model} shows them: one shape for the three. */
export type PurchaseModelFitView<P> = { readonly timeUnit: 'week'; readonly customers: number } & PresentedFit<P>;
export type PurchaseModelReport<P> = { readonly asOf: string } & PurchaseModelFitView<P>;

export function presentPurchaseModelFit<P>({ fit, customers }: FittedModel<FitResult<P>>): PurchaseModelFitView<P> {
  return { timeUnit: 'week', customers, ...presentFit(fit) };
}

export function presentPurchaseModel<P>(asOf: string, model: FittedModel<FitResult<P>>): PurchaseModelReport<P> {
  return { asOf, ...presentPurchaseModelFit(model) };
}
