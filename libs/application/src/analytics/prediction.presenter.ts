// Predictions as both edges show them: one customer's, the rankings by value
// at risk or CLV, and the offer-response propensities.
import type { BetaPrior, FitResult, OfferPropensity, OfferResponseResult, RepeatSummary } from '@rapport/analytics';
import type { CustomerPrediction, RankedCustomer } from '../analytics.service';
import type { AnalyticsScope } from './analytics-scope';

/** The model inputs named for people: x, t_x and T of the papers are frequency, recency and age. */
export interface PresentedSummary {
  /** Repeat purchase-days. */
  readonly frequency: number;
  readonly recencyWeeks: number;
  readonly ageWeeks: number;
  /** Mean repeat purchase-day amount, minor units. */
  readonly monetary: number;
}

export type PredictionReport = Omit<CustomerPrediction, 'summary'> & { readonly summary: PresentedSummary | null };

export interface RankingReport extends AnalyticsScope {
  readonly horizonWeeks: number;
  readonly items: readonly RankedCustomer[];
}

export interface OfferResponseRequest {
  readonly asOf: string;
  readonly campaignId?: string;
  readonly offerId?: string;
  readonly limit: number;
}

export interface OfferResponseReport {
  readonly asOf: string;
  readonly campaignId?: string;
  readonly offerId?: string;
  /** As fitted, search diagnostics included: it says why there are no propensities. */
  readonly prior: FitResult<BetaPrior>;
  readonly pooledRate: number;
  /** Customers with a decided offer; `items` is the top `limit` of them. */
  readonly customers: number;
  readonly items: readonly OfferPropensity[];
}

export function presentSummary(summary: RepeatSummary | null): PresentedSummary | null {
  return summary === null ? null : { frequency: summary.x, recencyWeeks: summary.tx, ageWeeks: summary.T, monetary: summary.monetary };
}

export function presentPrediction(prediction: CustomerPrediction): PredictionReport {
  return { ...prediction, summary: presentSummary(prediction.summary) };
}

export function presentRanking({ asOf, currency }: AnalyticsScope, horizonWeeks: number, items: readonly RankedCustomer[]): RankingReport {
  return { asOf, currency, horizonWeeks, items };
}

/** Customers by propensity (those without one last), then responses, then customerId; the top `limit`. */
export function presentOfferResponse({ asOf, campaignId, offerId, limit }: OfferResponseRequest, result: OfferResponseResult): OfferResponseReport {
  const ranked = [...result.customers].sort(
    (a, b) => (b.propensity ?? -1) - (a.propensity ?? -1) || b.responses - a.responses || a.customerId.localeCompare(b.customerId),
  );
  return {
    asOf,
    ...(campaignId !== undefined ? { campaignId } : {}),
    ...(offerId !== undefined ? { offerId } : {}),
    prior: result.prior,
    pooledRate: result.pooledRate,
    customers: result.customers.length,
    items: ranked.slice(0, limit),
  };
}
