// Who will respond to an offer: per customer, offers made (n) and responses (k);
// a Beta(α, β) prior on the response probability fitted across customers by
// maximising the Beta-Binomial marginal likelihood (empirical Bayes), and the
// posterior mean (α + k) / (α + β + n) as the customer's propensity.
import type { ContactOutcome, Direction } from '@rapport/domain';
import { maximizeLikelihood, type FitOptions, type FitResult } from './mle';
import { betaln, gammaln } from './special';
import { groupCounts, ratio } from './stats';
import { instant, MS_PER_DAY } from './time';

/** A purchase counts as a response to an offer within this many days after it. */
export const RESPONSE_WINDOW_DAYS = 14;
const RESPONSE_OUTCOMES: readonly ContactOutcome[] = ['responded', 'interested'];

/** A `contacted` event (the customer-facts ContactFact fits this). */
export interface OfferContactInput {
  readonly occurredAt: string;
  readonly direction: Direction;
  readonly campaignId?: string;
  readonly offerId?: string;
  readonly outcome?: ContactOutcome;
}

/** A `purchased` event, with the campaign or offer it cites (the PurchaseFact fits this). */
export interface OfferPurchaseInput {
  readonly occurredAt: string;
  readonly campaignId?: string;
  readonly offerId?: string;
}

export interface CustomerOfferHistory {
  readonly customerId: string;
  readonly contacts: readonly OfferContactInput[];
  readonly purchases: readonly OfferPurchaseInput[];
}

export interface OfferCounts {
  readonly customerId: string;
  /** Decided offers: responded, or made at least RESPONSE_WINDOW_DAYS before asOf. */
  readonly offers: number;
  /** Offers that got a response by asOf. */
  readonly responses: number;
  /** Offers still inside their response window at asOf without a response: not counted yet. */
  readonly pending: number;
}

export interface BetaPrior {
  readonly alpha: number;
  readonly beta: number;
}

export interface OfferPropensity extends OfferCounts {
  /** Posterior mean (α + k)/(α + β + n); absent when the prior could not be fitted. */
  readonly propensity?: number;
}

export interface OfferResponseResult {
  /**
   * The fitted prior; `converged: false` says why there is none, and then no
   * customer has a propensity. Typical causes: no response at all, or no
   * over-dispersion (every customer alike: the MLE puts α + β at ∞ and every
   * propensity at the pooled rate).
   */
  readonly prior: FitResult<BetaPrior>;
  /** Σk / Σn over all customers: the baseline a propensity shrinks towards. */
  readonly pooledRate: number;
  readonly customers: readonly OfferPropensity[];
}

interface Dated {
  readonly at: number;
  readonly campaignId?: string;
  readonly offerId?: string;
}

function cites(offer: Dated, event: Dated): boolean {
  return (
    (offer.offerId !== undefined && event.offerId === offer.offerId) || (offer.campaignId !== undefined && event.campaignId === offer.campaignId)
  );
}

/**
 * Offers and responses of one customer as of `asOf`.
 *
 * - An offer is an outbound `contacted` with an offerId or campaignId.
 * - It is answered when its own outcome is responded or interested, or when,
 *   within RESPONSE_WINDOW_DAYS after it, a purchase or an inbound contact with
 *   outcome responded/interested cites the same offerId or campaignId. Such an
 *   event answers one offer: the latest matching one before it (last touch).
 * - An offer still inside its window and unanswered at asOf is pending: it
 *   counts neither way yet, so a backtest is not biased by offers that have had
 *   no time to be answered.
 */
export function countOffers(history: CustomerOfferHistory, asOf: string): OfferCounts {
  return count(history, instant(asOf, 'asOf'));
}

function count(history: CustomerOfferHistory, cutoff: number): OfferCounts {
  const windowMs = RESPONSE_WINDOW_DAYS * MS_PER_DAY;
  const offers: (Dated & { answered: boolean })[] = [];
  const answers: Dated[] = [];
  for (const c of history.contacts) {
    const at = instant(c.occurredAt, 'occurredAt');
    if (at > cutoff) continue;
    const cited = c.offerId !== undefined || c.campaignId !== undefined;
    const positive = c.outcome !== undefined && RESPONSE_OUTCOMES.includes(c.outcome);
    if (c.direction === 'outbound' && cited) offers.push({ at, campaignId: c.campaignId, offerId: c.offerId, answered: positive });
    else if (c.direction === 'inbound' && cited && positive) answers.push({ at, campaignId: c.campaignId, offerId: c.offerId });
  }
  for (const p of history.purchases) {
    const at = instant(p.occurredAt, 'occurredAt');
    if (at <= cutoff && (p.offerId !== undefined || p.campaignId !== undefined)) answers.push({ at, campaignId: p.campaignId, offerId: p.offerId });
  }
  offers.sort((x, y) => x.at - y.at);
  for (const answer of answers) {
    for (let i = offers.length - 1; i >= 0; i--) {
      const offer = offers[i];
      if (offer.at <= answer.at && answer.at - offer.at <= windowMs && cites(offer, answer)) {
        offer.answered = true;
        break;
      }
    }
  }
  let decided = 0;
  let responses = 0;
  for (const o of offers) {
    if (o.answered) responses += 1;
    if (o.answered || o.at + windowMs <= cutoff) decided += 1;
  }
  return { customerId: history.customerId, offers: decided, responses, pending: offers.length - decided };
}

/** log P(k | n, α, β) under the Beta-Binomial: ln C(n, k) + ln B(k+α, n−k+β) − ln B(α, β). */
export function betaBinomialLogLikelihood(prior: BetaPrior, n: number, k: number): number {
  const logChoose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);
  return logChoose + betaln(k + prior.alpha, n - k + prior.beta) - betaln(prior.alpha, prior.beta);
}

/**
 * MLE of the Beta prior over customers with at least one decided offer
 * (customers without offers carry no information about it). Starts from the
 * uniform prior α = β = 1. All-zero or all-one response rates, or no
 * over-dispersion (a plain binomial), put the maximum on the boundary: the
 * result then says so.
 */
export function fitBetaPrior(counts: readonly { offers: number; responses: number }[], options: FitOptions<BetaPrior> = {}): FitResult<BetaPrior> {
  const informative = counts.filter((c) => c.offers > 0);
  if (informative.length === 0) return { converged: false, reason: 'no customer has a decided offer', iterations: 0 };
  const groups = groupCounts(informative, (c) => `${c.offers}|${c.responses}`);
  return maximizeLikelihood(
    ['alpha', 'beta'] as const,
    (prior) => {
      let sum = 0;
      for (const { item, count } of groups) sum += count * betaBinomialLogLikelihood(prior, item.offers, item.responses);
      return sum;
    },
    { alpha: 1, beta: 1, ...options.start },
    options,
  );
}

/** Offer counts, the fitted prior, and each customer's propensity as of `asOf`. */
export function offerResponse(histories: readonly CustomerOfferHistory[], asOf: string, options: FitOptions<BetaPrior> = {}): OfferResponseResult {
  const cutoff = instant(asOf, 'asOf');
  const counts = histories.map((h) => count(h, cutoff));
  const prior = fitBetaPrior(counts, options);
  const pooledRate = pooledResponseRate(counts);
  if (!prior.converged) return { prior, pooledRate, customers: counts };
  const { alpha, beta } = prior.params;
  return {
    prior,
    pooledRate,
    customers: counts.map((c) => ({ ...c, propensity: (alpha + c.responses) / (alpha + beta + c.offers) })),
  };
}

/** Pooled response rate Σk / Σn: what to compare propensities with. */
export function pooledResponseRate(counts: readonly OfferCounts[]): number {
  let n = 0;
  let k = 0;
  for (const c of counts) {
    n += c.offers;
    k += c.responses;
  }
  return ratio(k, n);
}
