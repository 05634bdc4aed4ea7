// Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting Your
// Customers: Who Are They and What Will They Do Next?", Management Science
// 33(1), 1–24; the likelihood, P(alive) and conditional expectation as in
// Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related
// Expressions" (eqs. 22, 24 and 26 of the note). While alive a customer buys
// as a Poisson process with rate λ ~ Gamma(r, α); her lifetime is exponential
// with rate μ ~ Gamma(s, β), so she may leave at any moment, not only after a
// purchase. Time is in weeks; a customer is (x, t_x, T).
import { logHyp2f1APlus1 } from './hypergeometric';
import { maximizeLikelihood, type FitOptions, type FitResult } from './mle';
import { checkHorizon, groupCustomers, logistic, validateCustomer, weeksPerRepeat, type PurchaseModelCustomer } from './repeat-customers';
import { gammaln } from './special';
import { logAddExp } from './stats';

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { expm1, log, log1p } = Math;
const NEGATIVE_INFINITY = -Infinity;

export interface ParetoNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

export type ParetoNbdFit = FitResult<ParetoNbdParams>;

const NAMES = ['r', 'alpha', 's', 'beta'] as const;

/**
 * log A₀ of the note (eq. 22 and the two cases below it):
 *   A₀ = ₂F₁(r+s+x, b; r+s+x+1; z(t_x)) / (M+t_x)^{r+s+x} − ₂F₁(r+s+x, b; r+s+x+1; z(T)) / (M+T)^{r+s+x}
 * with M = max(α, β), z(t) = |α−β|/(M+t), and b = s+1 when α ≥ β, r+x when
 * α < β: of the note's two equivalent forms, the one whose argument lies in
 * [0, 1). 1 − z(t) = (min(α, β)+t)/(M+t) is passed exactly, so z near 1 (one
 * of α, β much larger than the other) keeps its digits.
 */
function logA0(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const first = logA0Half(params, x, tx);
  const second = logA0Half(params, x, T);
  // A₀ ≥ 0, and 0 when t_x = T (nothing can have happened between them).
  return second < first ? first + log(-expm1(second - first)) : NEGATIVE_INFINITY;
}

/** log of ₂F₁(r+s+x, b; r+s+x+1; z(t)) / (M+t)^{r+s+x}, one of A₀'s two terms. */
function logA0Half(params: ParetoNbdParams, x: number, t: number): number {
  const { r, alpha, s, beta } = params;
  const a = r + s + x;
  const big = alpha >= beta ? alpha : beta;
  const small = alpha >= beta ? beta : alpha;
  const b = alpha >= beta ? s + 1 : r + x;
  // a + 1 − b exactly: r + x or s + 1, not the rounded difference when one of r, s dwarfs the other.
  const c = alpha >= beta ? r + x : s + 1;
  return logHyp2f1APlus1(a, b, (big - small) / (big + t), (small + t) / (big + t), c) - a * log(big + t);
}

/**
 * log L(r, α, s, β | x, t_x, T) (the note's eq. 22):
 *   lnΓ(r+x) − lnΓ(r) + r ln α + s ln β
 *   + log[ (α+T)^{−(r+x)} (β+T)^{−s} + s/(r+s+x) · A₀ ],
 * the first term the customer still alive at T, the second her leaving
 * between t_x and T.
 */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, c: PurchaseModelCustomer): number {
  const { r, alpha, s, beta } = params;
  const { x, tx, T } = c;
  const head = gammaln(r + x) - gammaln(r) + r * log(alpha) + s * log(beta);
  return head + logAddExp(-(r + x) * log(alpha + T) - s * log(beta + T), log(s) - log(r + s + x) + logA0(params, x, tx, T));
}

/** Sum of the log-likelihood over customers. */
export function paretoNbdTotalLogLikelihood(params: ParetoNbdParams, customers: readonly PurchaseModelCustomer[]): number {
  return groupedLogLikelihood(params, paretoGroups(customers));
}

/** The summed log-likelihood as a function of the parameters, the customers grouped once (for the fit's curvature). */
export function paretoNbdLogLikelihoodOf(customers: readonly PurchaseModelCustomer[]): (params: ParetoNbdParams) => number {
  const groups = paretoGroups(customers);
  return (params) => groupedLogLikelihood(params, groups);
}

/**
 * The customers as the optimiser sums them: distinct (x, t_x, T) with their
 * counts, and the distinct (x, t) among their (x, t_x) and (x, T). Each half of
 * A₀ depends on the customer only through one such (x, t), so its ₂F₁ is
 * evaluated once per distinct (x, t): far fewer than the triples (235,700
 * resampled CDNOW customers are 30,423 triples but a fraction of that in pairs).
 */
interface ParetoGroups {
  readonly xs: readonly number[];
  /** Distinct (x, t): index of x in xs, and t. */
  readonly points: readonly { readonly xi: number; readonly t: number }[];
  /** Per distinct (x, t_x, T): x's index, the points of (x, t_x) and (x, T), and the count. */
  readonly groups: readonly { readonly xi: number; readonly recency: number; readonly age: number; readonly count: number }[];
}

function paretoGroups(customers: readonly PurchaseModelCustomer[]): ParetoGroups {
  const { xs, groups } = groupCustomers(customers);
  const points: { xi: number; t: number }[] = [];
  const index = new Map<string, number>();
  const point = (xi: number, t: number) => {
    const key = `${xi}|${t}`;
    let i = index.get(key);
    if (i === undefined) {
      i = points.length;
      points.push({ xi, t });
      index.set(key, i);
    }
    return i;
  };
  return { xs, points, groups: groups.map((g) => ({ xi: g.xi, recency: point(g.xi, g.tx), age: point(g.xi, g.T), count: g.count })) };
}

/** The same sum as paretoNbdLogLikelihood over every customer, each ₂F₁ once per distinct (x, t). */
function groupedLogLikelihood(params: ParetoNbdParams, data: ParetoGroups): number {
  const { r, alpha, s, beta } = params;
  const base = r * log(alpha) + s * log(beta) - gammaln(r);
  const logS = log(s);
  const { xs, points, groups } = data;
  const byX = new Array<number>(xs.length);
  const logWeight = new Array<number>(xs.length);
  for (let i = 0; i < xs.length; i++) {
    byX[i] = base + gammaln(r + xs[i]);
    logWeight[i] = logS - log(r + s + xs[i]);
  }
  // Per point: log of one half of A₀, and of the "still alive at t" term.
  const half = new Array<number>(points.length);
  const alive = new Array<number>(points.length);
  for (let i = 0; i < points.length; i++) {
    const { xi, t } = points[i];
    half[i] = logA0Half(params, xs[xi], t);
    alive[i] = -(r + xs[xi]) * log(alpha + t) - s * log(beta + t);
  }
  let sum = 0;
  for (const g of groups) {
    const first = half[g.recency];
    const second = half[g.age];
    const logA0 = second < first ? first + log(-expm1(second - first)) : NEGATIVE_INFINITY;
    sum += g.count * (byX[g.xi] + logAddExp(alive[g.age], logWeight[g.xi] + logA0));
  }
  return sum;
}

/**
 * Starting values: r = s = 1, α matching the mean repeat rate (E[λ] = r/α ≈
 * Σx / ΣT) and β = α (a mean lifetime of the order of the time between
 * purchases).
 */
function defaultStart(customers: readonly PurchaseModelCustomer[]): ParetoNbdParams {
  const alpha = weeksPerRepeat(customers);
  return { r: 1, alpha, s: 1, beta: alpha };
}

/**
 * Maximum-likelihood fit of r, α, s, β over the customers (Nelder–Mead on the
 * log-parameters, see mle.ts). Customers with equal (x, t_x, T) are summed once.
 */
export function fitParetoNbd(customers: readonly PurchaseModelCustomer[], options: FitOptions<ParetoNbdParams> = {}): ParetoNbdFit {
  if (customers.length === 0) return { converged: false, reason: 'no customers to fit', iterations: 0 };
  customers.forEach(validateCustomer);
  const groups = paretoGroups(customers);
  const start = { ...defaultStart(customers), ...options.start };
  return maximizeLikelihood(NAMES, (p) => groupedLogLikelihood(p, groups), start, options);
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^{r+x} (β+T)^s · A₀)
 * (the note's eq. 24): the "alive" share of the likelihood's bracket.
 */
export function paretoNbdProbabilityAlive(params: ParetoNbdParams, c: PurchaseModelCustomer): number {
  const { r, alpha, s, beta } = params;
  const { x, tx, T } = c;
  const logOdds = log(s) - log(r + s + x) + (r + x) * log(alpha + T) + s * log(beta + T) + logA0(params, x, tx, T);
  return logistic(-logOdds);
}

/**
 * (1 − (1+u)^{−(s−1)})/(s−1) = log1p(u) · expm1(v)/v with v = −(s−1) log1p(u),
 * continuous through s = 1 where it is log1p(u).
 */
function survivalIntegral(s: number, u: number): number {
  const l = log1p(u);
  const v = -(s - 1) * l;
  return v === 0 ? l : (expm1(v) / v) * l;
}

/**
 * Unconditional E[X(t)], the expected repeat purchases of a new customer in
 * her first t weeks: rβ/(α(s−1)) · [1 − (β/(β+t))^{s−1}].
 */
export function paretoNbdExpectedPurchases(params: ParetoNbdParams, t: number): number {
  checkHorizon(t);
  const { r, alpha, beta, s } = params;
  return ((r * beta) / alpha) * survivalIntegral(s, t / beta);
}

/**
 * E[Y(t) | x, t_x, T] (the note's eq. 26):
 *   (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^{s−1}] · P(alive).
 */
export function paretoNbdConditionalExpectedPurchases(params: ParetoNbdParams, c: PurchaseModelCustomer, t: number): number {
  checkHorizon(t);
  if (t === 0) return 0;
  return paretoNbdProbabilityAlive(params, c) * paretoNbdExpectedPurchasesIfAlive(params, c, t);
}

/** E[Y(t)] of a customer known to be alive at T after x repeat purchase-days: eq. 26 without P(alive). */
export function paretoNbdExpectedPurchasesIfAlive(params: ParetoNbdParams, c: { readonly x: number; readonly T: number }, t: number): number {
  checkHorizon(t);
  if (t === 0) return 0;
  const { r, alpha, s, beta } = params;
  const { x, T } = c;
  return (((r + x) * (beta + T)) / (alpha + T)) * survivalIntegral(s, t / (beta + T));
}
