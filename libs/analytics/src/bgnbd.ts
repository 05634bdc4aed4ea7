// BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers" the Easy Way:
// An Alternative to the Pareto/NBD Model, Marketing Science 24(2), 275–284.
// While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
// after each purchase she drops out with probability p ~ Beta(a, b).
// Time is in weeks; a customer is (x, t_x, T) from the purchase-day summary.
import { maximizeLikelihood, type FitOptions, type FitResult } from './mle';
import { checkHorizon, groupCustomers, logistic, validateCustomer, weeksPerRepeat, type GroupedCustomers, type PurchaseModelCustomer } from './repeat-customers';
import { betaln, gammaln, hyp2f1 } from './special';
import { logAddExp } from './stats';

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { abs, expm1, log } = Math;

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** One customer: x repeat purchase-days, recency t_x and age T in weeks. */
export type BgNbdCustomer = PurchaseModelCustomer;

export type BgNbdFit = FitResult<BgNbdParams>;

const NAMES = ['r', 'alpha', 'a', 'b'] as const;

/**
 * log L(r, α, a, b | x, t_x, T), the paper's eq. 6, as
 *   A₁ + A₂ + log(e^{A₃} + δ_{x>0} e^{A₄})
 * with A₁ = lnΓ(r+x) − lnΓ(r) + r ln α, A₂ = ln B(a, b+x) − ln B(a, b),
 * A₃ = −(r+x) ln(α+T), A₄ = ln a − ln(b+x−1) − (r+x) ln(α+t_x),
 * using B(a+1, b+x−1)/B(a, b+x) = a/(b+x−1). Log-gamma, log-beta and
 * log-sum-exp keep every term finite where the raw products overflow.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, c: BgNbdCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = c;
  const a1 = gammaln(r + x) - gammaln(r) + r * log(alpha);
  const a2 = betaln(a, b + x) - betaln(a, b);
  const a3 = -(r + x) * log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + tx);
  return a1 + a2 + logAddExp(a3, a4);
}

/** Sum of the log-likelihood over customers. */
export function bgnbdTotalLogLikelihood(params: BgNbdParams, customers: readonly BgNbdCustomer[]): number {
  return groupedLogLikelihood(params, groupCustomers(customers));
}

/** The summed log-likelihood as a function of the parameters, the customers grouped once (for the fit's curvature). */
export function bgnbdLogLikelihoodOf(customers: readonly BgNbdCustomer[]): (params: BgNbdParams) => number {
  const groups = groupCustomers(customers);
  return (params) => groupedLogLikelihood(params, groups);
}

/**
 * The same sum as bgnbdLogLikelihood over every customer, arranged for the
 * optimiser: A₁ + A₂ depends on the customer only through x, so it is
 * computed once per distinct x, and ln(α+T), ln(α+t_x) and ln(b+x−1) once per
 * distinct T, t_x and x (the same expressions, so the same bits), leaving
 * only the log-sum-exp per distinct customer.
 */
function groupedLogLikelihood(params: BgNbdParams, data: GroupedCustomers): number {
  const { r, alpha, a, b } = params;
  const base = r * log(alpha) - gammaln(r) - betaln(a, b);
  const byX = data.xs.map((x) => base + gammaln(r + x) + betaln(a, b + x));
  // ln(b+x−1) is used for x > 0 only (b < 1 makes it NaN at x = 0).
  const logBx = data.xs.map((x) => (x === 0 ? 0 : log(b + x - 1)));
  const logAlphaT = data.Ts.map((T) => log(alpha + T));
  const logAlphaTx = data.txs.map((tx) => log(alpha + tx));
  const logA = log(a);
  let sum = 0;
  for (const g of data.groups) {
    const a3 = -(r + g.x) * logAlphaT[g.Ti]!;
    const tail = g.x === 0 ? a3 : logAddExp(a3, logA - logBx[g.xi]! - (r + g.x) * logAlphaTx[g.txi]!);
    sum += g.count * (byX[g.xi]! + tail);
  }
  return sum;
}

/**
 * Starting values: r = 1 with α matching the mean repeat rate (E[λ] = r/α ≈
 * Σx / ΣT), and a = b = 1 (a uniform dropout probability).
 */
function defaultStart(customers: readonly BgNbdCustomer[]): BgNbdParams {
  return { r: 1, alpha: weeksPerRepeat(customers), a: 1, b: 1 };
}

/**
 * Maximum-likelihood fit of r, α, a, b over the customers (Nelder–Mead on the
 * log-parameters, see mle.ts). Customers with equal (x, t_x, T) are summed once.
 */
export function fitBgNbd(customers: readonly BgNbdCustomer[], options: FitOptions<BgNbdParams> = {}): BgNbdFit {
  if (customers.length === 0) return { converged: false, reason: 'no customers to fit', iterations: 0 };
  customers.forEach(validateCustomer);
  const groups = groupCustomers(customers);
  const start = { ...defaultStart(customers), ...options.start };
  return maximizeLikelihood(NAMES, (p) => groupedLogLikelihood(p, groups), start, options);
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})
 * (Fader, Hardie & Lee 2008, note "Computing P(alive) Using the BG/NBD Model"),
 * evaluated through its logarithm so the power cannot overflow.
 */
export function bgnbdProbabilityAlive(params: BgNbdParams, c: BgNbdCustomer): number {
  if (c.x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = log(a) - log(b + c.x - 1) + (r + c.x) * (log(alpha + c.T) - log(alpha + c.tx));
  return logistic(-logOdds);
}

/**
 * Unconditional E[X(t)], the expected purchases of a new customer in her first
 * t weeks (eq. 9):
 *   (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))].
 */
export function bgnbdExpectedPurchases(params: BgNbdParams, t: number): number {
  checkHorizon(t);
  const { r, alpha, b } = params;
  return removableAtAEqualsOne(params, (a) => {
    const logG = r * log(alpha / (alpha + t)) + log(hyp2f1(r, b, a + b - 1, t / (alpha + t)));
    return ((a + b - 1) / (a - 1)) * -expm1(logG);
  });
}

/**
 * E[Y(t) | x, t_x, T], the expected purchases in the next t weeks of a customer
 * with that history (eq. 10):
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *   / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^{r+x}).
 * The denominator is 1/P(alive). The power and ₂F₁ are multiplied in log space
 * (₂F₁ grows like (1−z)^{a−1−r−x} as z → 1 while the power shrinks), and
 * 1 − G is taken as −expm1(log G) so short horizons keep their digits.
 */
export function bgnbdConditionalExpectedPurchases(params: BgNbdParams, c: BgNbdCustomer, t: number): number {
  checkHorizon(t);
  if (t === 0) return 0;
  return bgnbdProbabilityAlive(params, c) * bgnbdExpectedPurchasesIfAlive(params, c, t);
}

/**
 * The bracket of eq. 10: E[Y(t)] of a customer known to be alive at T after x
 * repeat purchase-days (t_x no longer matters then). Validation sums it once
 * per distinct (x, T) and weighs it by the customers' P(alive).
 */
export function bgnbdExpectedPurchasesIfAlive(params: BgNbdParams, c: { readonly x: number; readonly T: number }, t: number): number {
  checkHorizon(t);
  if (t === 0) return 0;
  const { r, alpha, b } = params;
  const { x, T } = c;
  return removableAtAEqualsOne(params, (a) => {
    const z = t / (alpha + T + t);
    const logG = (r + x) * log((alpha + T) / (alpha + T + t)) + log(hyp2f1(r + x, b + x, a + b + x - 1, z));
    return ((a + b + x - 1) / (a - 1)) * -expm1(logG);
  });
}

/**
 * Both expectations have (a − 1) in a denominator with a zero of the bracket at
 * a = 1: a removable singularity. Within 1e-6 of it, take the mean of the two
 * sides (error O(1e-12)).
 */
function removableAtAEqualsOne(params: BgNbdParams, evaluate: (a: number) => number): number {
  const h = 1e-6;
  if (abs(params.a - 1) >= h) return evaluate(params.a);
  return (evaluate(1 - h) + evaluate(1 + h)) / 2;
}

export interface BgNbdPrediction {
  readonly customerId: string;
  readonly probabilityAlive: number;
  /** Expected purchase-days in the next `horizonWeeks`. */
  readonly expectedPurchases: number;
}

/** P(alive) and expected purchases in the next `horizonWeeks` for each customer. */
export function bgnbdPredict(
  params: BgNbdParams,
  customers: readonly (BgNbdCustomer & { readonly customerId: string })[],
  horizonWeeks: number,
): BgNbdPrediction[] {
  checkHorizon(horizonWeeks);
  return customers.map((c) => ({
    customerId: c.customerId,
    probabilityAlive: bgnbdProbabilityAlive(params, c),
    expectedPurchases: bgnbdConditionalExpectedPurchases(params, c, horizonWeeks),
  }));
}
