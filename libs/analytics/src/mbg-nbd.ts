// MBG/NBD: Batislam, Denizel & Filiztekin (2007), "Empirical validation and
// comparison of models for customer base analysis", International Journal of
// Research in Marketing 24(3), 201–209. BG/NBD's story with one change: a
// customer may drop out after every purchase, the first one included (with
// probability p ~ Beta(a, b)), so a customer who never came back is not
// certainly alive. Expressions as BTYDplus codes them (mbgcnbd with k = 1).
// Time is in weeks; a customer is (x, t_x, T).
import { maximizeLikelihood, type FitOptions, type FitResult } from './mle';
import { checkHorizon, groupCustomers, logistic, validateCustomer, weeksPerRepeat, type GroupedCustomers, type PurchaseModelCustomer } from './repeat-customers';
import { betaln, gammaln, hyp2f1 } from './special';
import { logAddExp } from './stats';

// Bound once: inside Jest's VM sandbox a global lookup on a fit's hot path costs ~20× a local one.
const { abs, expm1, log } = Math;

export interface MbgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export type MbgNbdFit = FitResult<MbgNbdParams>;

const NAMES = ['r', 'alpha', 'a', 'b'] as const;

/**
 * log L(r, α, a, b | x, t_x, T) =
 *   lnΓ(r+x) − lnΓ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b)
 *   + log[ (α+T)^{−(r+x)} + a/(b+x) · (α+t_x)^{−(r+x)} ]:
 * alive after all x+1 purchases ((1−p)^{x+1}), or gone right after the last
 * one (p(1−p)^x, and B(a+1, b+x)/B(a, b+x+1) = a/(b+x)).
 */
export function mbgnbdLogLikelihood(params: MbgNbdParams, c: PurchaseModelCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = c;
  const head = gammaln(r + x) - gammaln(r) + r * log(alpha) + betaln(a, b + x + 1) - betaln(a, b);
  return head + logAddExp(-(r + x) * log(alpha + T), log(a) - log(b + x) - (r + x) * log(alpha + tx));
}

/** Sum of the log-likelihood over customers. */
export function mbgnbdTotalLogLikelihood(params: MbgNbdParams, customers: readonly PurchaseModelCustomer[]): number {
  return groupedLogLikelihood(params, groupCustomers(customers));
}

/** The summed log-likelihood as a function of the parameters, the customers grouped once (for the fit's curvature). */
export function mbgnbdLogLikelihoodOf(customers: readonly PurchaseModelCustomer[]): (params: MbgNbdParams) => number {
  const groups = groupCustomers(customers);
  return (params) => groupedLogLikelihood(params, groups);
}

function groupedLogLikelihood(params: MbgNbdParams, data: GroupedCustomers): number {
  const { r, alpha, a, b } = params;
  const base = r * log(alpha) - gammaln(r) - betaln(a, b);
  const byX = data.xs.map((x) => base + gammaln(r + x) + betaln(a, b + x + 1));
  // Logarithms of one value each, computed once per distinct value (the same bits).
  const logBx = data.xs.map((x) => log(b + x));
  const logAlphaT = data.Ts.map((T) => log(alpha + T));
  const logAlphaTx = data.txs.map((tx) => log(alpha + tx));
  const logA = log(a);
  let sum = 0;
  for (const g of data.groups) {
    const tail = logAddExp(-(r + g.x) * logAlphaT[g.Ti]!, logA - logBx[g.xi]! - (r + g.x) * logAlphaTx[g.txi]!);
    sum += g.count * (byX[g.xi]! + tail);
  }
  return sum;
}

/** Starting values as BG/NBD's: r = 1, α matching the mean repeat rate, a = b = 1. */
function defaultStart(customers: readonly PurchaseModelCustomer[]): MbgNbdParams {
  return { r: 1, alpha: weeksPerRepeat(customers), a: 1, b: 1 };
}

/** Maximum-likelihood fit of r, α, a, b; customers with equal (x, t_x, T) are summed once. */
export function fitMbgNbd(customers: readonly PurchaseModelCustomer[], options: FitOptions<MbgNbdParams> = {}): MbgNbdFit {
  if (customers.length === 0) return { converged: false, reason: 'no customers to fit', iterations: 0 };
  customers.forEach(validateCustomer);
  const groups = groupCustomers(customers);
  const start = { ...defaultStart(customers), ...options.start };
  return maximizeLikelihood(NAMES, (p) => groupedLogLikelihood(p, groups), start, options);
}

/** P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^{r+x}), for x = 0 too. */
export function mbgnbdProbabilityAlive(params: MbgNbdParams, c: PurchaseModelCustomer): number {
  const { r, alpha, a, b } = params;
  const logOdds = log(a) - log(b + c.x) + (r + c.x) * (log(alpha + c.T) - log(alpha + c.tx));
  return logistic(-logOdds);
}

/**
 * Unconditional E[X(t)] of a customer just after her first purchase:
 *   b/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b+1; a+b; t/(α+t))],
 * the conditional expectation below at x = t_x = T = 0.
 */
export function mbgnbdExpectedPurchases(params: MbgNbdParams, t: number): number {
  return mbgnbdConditionalExpectedPurchases(params, { x: 0, tx: 0, T: 0 }, t);
}

/**
 * E[Y(t) | x, t_x, T] = (a+b+x)/(a−1) ·
 *   [1 − ((α+T)/(α+T+t))^{r+x} · ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))] · P(alive):
 * BG/NBD's eq. 10 for an alive customer whose dropout probability has the
 * posterior Beta(a, b+x+1). Power and ₂F₁ are multiplied in log space and
 * 1 − G is −expm1(log G), as in bgnbd.ts; a = 1 is a removable singularity.
 */
export function mbgnbdConditionalExpectedPurchases(params: MbgNbdParams, c: PurchaseModelCustomer, t: number): number {
  checkHorizon(t);
  if (t === 0) return 0;
  return mbgnbdProbabilityAlive(params, c) * mbgnbdExpectedPurchasesIfAlive(params, c, t);
}

/** The bracket above: E[Y(t)] of a customer known to be alive at T after x repeat purchase-days. */
export function mbgnbdExpectedPurchasesIfAlive(params: MbgNbdParams, c: { readonly x: number; readonly T: number }, t: number): number {
  checkHorizon(t);
  if (t === 0) return 0;
  const { r, alpha, b } = params;
  const { x, T } = c;
  const at = (a: number) => {
    const logG = (r + x) * log((alpha + T) / (alpha + T + t)) + log(hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t)));
    return ((a + b + x) / (a - 1)) * -expm1(logG);
  };
  // Within 1e-6 of a = 1, the mean of the two sides (error O(1e-12)).
  const h = 1e-6;
  return abs(params.a - 1) >= h ? at(params.a) : (at(1 - h) + at(1 + h)) / 2;
}
