// Gamma-Gamma spend model: Fader, Hardie & Lee (2005), "RFM and CLV: Using
// Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research
// 42(4), 415–430, and Fader & Hardie (2013), "The Gamma-Gamma Model of
// Monetary Value" (note). A customer's purchase-day amounts are Gamma(p, ν)
// with ν ~ Gamma(q, v) across customers; the data are x repeat purchase-days
// and their mean amount m̄, as lifetimes' GammaGammaFitter takes them.
//
// Units: amounts stay in the currency's minor units (cents for USD), like all
// money in Rapport. p and q do not depend on the unit; v scales with it, so on
// CDNOW v = 1544.35 cents, the published 15.4435 dollars.
import { maximizeLikelihood, type FitOptions, type FitResult } from './mle';
import { gammaln } from './special';
import { groupCounts } from './stats';

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { log } = Math;

export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  /** Scale, in the minor units of the amounts fitted. */
  readonly v: number;
}

/** x repeat purchase-days with mean amount `monetary` (minor units). */
export interface GammaGammaCustomer {
  readonly x: number;
  readonly monetary: number;
}

export type GammaGammaFit = FitResult<GammaGammaParams>;

const NAMES = ['p', 'q', 'v'] as const;

/** The model applies to customers with a repeat purchase-day and a positive mean amount. */
export function isGammaGammaCustomer(c: GammaGammaCustomer): boolean {
  return c.x > 0 && c.monetary > 0;
}

/**
 * log L(p, q, v | x, m̄) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v
 *   + (px−1) ln m̄ + px ln x − (px+q) ln(x m̄ + v)
 * (the density of the mean of x Gamma(p, ν) amounts, ν integrated out).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, c: GammaGammaCustomer): number {
  const { p, q, v } = params;
  const { x, monetary: m } = c;
  const px = p * x;
  return gammaln(px + q) - gammaln(px) - gammaln(q) + q * log(v) + (px - 1) * log(m) + px * log(x) - (px + q) * log(x * m + v);
}

/**
 * Maximum-likelihood fit of p, q, v on the customers with x > 0 and a positive
 * mean amount (the others are skipped). Internally amounts are divided by their
 * mean so the search works near 1 whatever the currency's unit; v is scaled
 * back and the log-likelihood reported in the caller's units.
 */
export function fitGammaGamma(customers: readonly GammaGammaCustomer[], options: FitOptions<GammaGammaParams> = {}): GammaGammaFit {
  const eligible = customers.filter(isGammaGammaCustomer);
  if (eligible.length === 0) return { converged: false, reason: 'no customer with a repeat purchase and a positive amount', iterations: 0 };
  const scale = eligible.reduce((s, c) => s + c.monetary, 0) / eligible.length;
  const groups = groupCounts(eligible, (c) => `${c.x}|${c.monetary}`).map(({ item, count }) => ({ x: item.x, monetary: item.monetary / scale, count }));
  const start = { p: 1, q: 2, v: 1, ...scaleDown(options.start, scale) };
  const fit = maximizeLikelihood(
    NAMES,
    (params) => {
      let sum = 0;
      for (const g of groups) sum += g.count * gammaGammaLogLikelihood(params, g);
      return sum;
    },
    start,
    options,
  );
  // m = scale·m' changes each customer's log-likelihood by −ln(scale).
  const shift = -eligible.length * log(scale);
  if (fit.converged) return { ...fit, params: { ...fit.params, v: fit.params.v * scale }, logLikelihood: fit.logLikelihood + shift };
  return {
    ...fit,
    ...(fit.lastParams ? { lastParams: { ...fit.lastParams, v: fit.lastParams.v * scale } } : {}),
    ...(fit.lastLogLikelihood !== undefined ? { lastLogLikelihood: fit.lastLogLikelihood + shift } : {}),
  };
}

function scaleDown(start: Partial<GammaGammaParams> | undefined, scale: number): Partial<GammaGammaParams> {
  if (!start) return {};
  return { ...start, ...(start.v !== undefined ? { v: start.v / scale } : {}) };
}

/**
 * E[M | p, q, v, x, m̄] = p (v + x m̄) / (p x + q − 1): a weighted mean of the
 * population mean p v/(q−1) and the customer's own mean m̄. With x = 0 it is the
 * population mean. Infinite when p x + q ≤ 1 (the mean does not exist).
 */
export function gammaGammaExpectedSpend(params: GammaGammaParams, c: GammaGammaCustomer): number {
  const { p, q, v } = params;
  const x = c.x > 0 ? c.x : 0;
  const m = c.x > 0 ? c.monetary : 0;
  const denominator = p * x + q - 1;
  return denominator > 0 ? (p * (v + x * m)) / denominator : Infinity;
}
