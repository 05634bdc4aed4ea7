// Predictions as both edges show them: one customer's, the rankings by value
// at risk or CLV, and the offer-response propensities.
import type { BetaPrior, FitResult, OfferPropensity, OfferResponseResult, RepeatSummary } from '@rapport/analytics';
import type { CustomerPrediction, RankedCustomer } from '../analytics.service';
import type { AnalyticsScope } from './analytics-scope';
import { minorUnits, minorUnitsOrNull, presentIntervals } from './money.presenter';

/** The model inputs named for people: x, t_x and T of the papers are frequency, recency and age. */
export interface PresentedSummary {
  /** Repeat purchase-days. */
  readonly frequency: number;
  readonly recencyWeeks: number;
  readonly ageWeeks: number;
  /** Mean repeat purchase-day amount in the report's currency, whole minor units; null without a purchase in it. */
  readonly monetary: number | null;
}

export type PredictionReport = Omit<CustomerPrediction, 'summary' | 'monetary'> & { readonly summary: PresentedSummary | null };

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

/** Frequency, recency and age over every currency (what the purchase model saw); monetary in the report's currency only. */
export function presentSummary(summary: RepeatSummary | null, monetary: number | null): PresentedSummary | null {
  return summary === null ? null : { frequency: summary.x, recencyWeeks: summary.tx, ageWeeks: summary.T, monetary: minorUnitsOrNull(monetary) };
}

export function presentPrediction({ customerId, asOf, currency, horizonWeeks, summary, monetary, ...prediction }: CustomerPrediction): PredictionReport {
  // The service's order, the summary in its place; a key set again below keeps its place.
  return {
    customerId,
    asOf,
    currency,
    horizonWeeks,
    summary: presentSummary(summary, monetary),
    ...prediction,
    expectedSpend: minorUnitsOrNull(prediction.expectedSpend),
    clv: minorUnitsOrNull(prediction.clv),
    intervals: presentIntervals(prediction.intervals),
  };
}

/** One ranked customer as every route shows it: money in whole minor units. */
export function presentRankedCustomer(customer: RankedCustomer): RankedCustomer {
  return {
    ...customer,
    expectedSpend: minorUnitsOrNull(customer.expectedSpend),
    clv: minorUnitsOrNull(customer.clv),
    valueAtRisk: minorUnits(customer.valueAtRisk),
  };
}

export function presentRanking({ asOf, currency }: AnalyticsScope, horizonWeeks: number, items: readonly RankedCustomer[]): RankingReport {
  return { asOf, currency, horizonWeeks, items: items.map(presentRankedCustomer) };
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
