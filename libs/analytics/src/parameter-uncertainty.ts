// How sure a fitted model is, and what that does to a customer's numbers
// (SPEC section 6: "per-customer predictions carry a 90% interval from the
// uncertainty of the fitted parameters"). The fits maximise over θ = log of
// the parameters; the asymptotic covariance of θ̂ is the inverse of the
// observed information −∂²ℓ/∂θ² at the maximum (numerical second differences
// of the summed log-likelihood), and a prediction g(θ) gets its standard error
// by the delta method, se² = ∇gᵀ Σ ∇g, on a scale where it is unbounded (logit
// for a probability, log for an expectation) so the interval stays in range
// and always contains the estimate.
import { lifetimeValueOf, type ClvOptions } from './clv';
import { gammaGammaExpectedSpend, gammaGammaLogLikelihood, isGammaGammaCustomer, type GammaGammaCustomer, type GammaGammaParams } from './gamma-gamma';
import type { PurchaseModelCustomer } from './repeat-customers';
import { groupCounts } from './stats';
import { PURCHASE_MODEL, type PurchaseModelName, type PurchaseModelParams } from './purchase-models';

// Bound once: inside Jest's VM sandbox a global lookup on a hot path costs ~20× a local one.
const { exp, log, sqrt } = Math;

/**
 * Step of the second differences in log-parameters: truncation error ~h², rounding ~ε|ℓ|/h². On CDNOW 1e-3
 * gives the covariance to 3e-5 of its scale (against mpmath); 3e-4 and 3e-3 are both worse.
 */
const HESSIAN_STEP = 1e-3;
/** Step of the first differences of a prediction in log-parameters. */
const GRADIENT_STEP = 1e-5;
/** z of a two-sided 90 % normal interval. */
export const Z_90 = 1.6448536269514722;

export type ParameterCovariance<K extends string> =
  | {
      readonly ok: true;
      readonly names: readonly K[];
      /** Covariance of θ = log(parameters): the inverse of the observed information in θ. */
      readonly logCovariance: readonly (readonly number[])[];
      /** Standard errors of the parameters themselves, by the delta method: se(p) = p · se(log p). */
      readonly standardErrors: Readonly<Record<K, number>>;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * The covariance of the log-parameters at a maximum `params` of
 * `logLikelihood`. Not ok when the observed information is not positive
 * definite (not a maximum, or a direction the data do not identify).
 */
export function parameterCovariance<K extends string>(
  names: readonly K[],
  logLikelihood: (params: Record<K, number>) => number,
  params: Readonly<Record<K, number>>,
): ParameterCovariance<K> {
  const n = names.length;
  const theta = names.map((k) => log(params[k]));
  const at = (shifts: readonly (readonly [number, number])[]) => {
    const p = {} as Record<K, number>;
    names.forEach((k, i) => (p[k] = exp(theta[i] + shifts.filter(([j]) => j === i).reduce((sum, [, d]) => sum + d, 0))));
    return logLikelihood(p);
  };
  const h = HESSIAN_STEP;
  const f0 = at([]);
  const information: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    information[i][i] = -(at([[i, h]]) - 2 * f0 + at([[i, -h]])) / (h * h);
    for (let j = 0; j < i; j++) {
      const v = -(at([[i, h], [j, h]]) - at([[i, h], [j, -h]]) - at([[i, -h], [j, h]]) + at([[i, -h], [j, -h]])) / (4 * h * h);
      information[i][j] = v;
      information[j][i] = v;
    }
  }
  if (!information.every((row) => row.every(Number.isFinite))) return { ok: false, reason: 'the log-likelihood is not finite around the estimate' };
  const inverse = invertPositiveDefinite(information);
  if (!inverse) return { ok: false, reason: 'the observed information is not positive definite: not a maximum, or the data do not identify every parameter' };
  const standardErrors = {} as Record<K, number>;
  names.forEach((k, i) => (standardErrors[k] = params[k] * sqrt(inverse[i][i])));
  return { ok: true, names, logCovariance: inverse, standardErrors };
}

/** The inverse by Cholesky, or undefined when the matrix is not (numerically) positive definite. */
function invertPositiveDefinite(a: readonly (readonly number[])[]): number[][] | undefined {
  const n = a.length;
  const l: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 1e-12 * Math.abs(a[i][i]))) return undefined;
        l[i][i] = sqrt(sum);
      } else l[i][j] = sum / l[j][j];
    }
  }
  // Solve L Lᵀ X = I column by column.
  const inverse: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let c = 0; c < n; c++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let sum = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
      y[i] = sum / l[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = y[i];
      for (let k = i + 1; k < n; k++) sum -= l[k][i] * inverse[k][c];
      inverse[i][c] = sum / l[i][i];
    }
  }
  return inverse;
}

export interface PredictionInterval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/** The scale the delta method works on: logit for a probability, log for a positive quantity. */
export type IntervalScale = 'logit' | 'log';

const forward = { logit: (v: number) => log(v) - log(1 - v), log: (v: number) => log(v) };
const backward = { logit: (u: number) => 1 / (1 + exp(-u)), log: (u: number) => exp(u) };

/**
 * A `level` interval (default 90 %) for g(parameters) by the delta method on
 * `scale`. A value on the edge of the scale's range (a P(alive) of exactly 1,
 * an expectation of 0) has no uncertainty from the parameters: the interval is
 * that point.
 */
export function deltaInterval<K extends string>(
  covariance: Extract<ParameterCovariance<K>, { ok: true }>,
  params: Readonly<Record<K, number>>,
  g: (params: Record<K, number>) => number,
  scale: IntervalScale,
  z: number = Z_90,
): PredictionInterval {
  const estimate = g({ ...params });
  const u = forward[scale](estimate);
  if (!Number.isFinite(u)) return { estimate, lower: estimate, upper: estimate };
  const se = sqrt(scaleVariance(covariance, params, g, scale));
  if (!Number.isFinite(se)) return { estimate, lower: estimate, upper: estimate };
  return { estimate, lower: Math.min(estimate, backward[scale](u - z * se)), upper: Math.max(estimate, backward[scale](u + z * se)) };
}

/** ∇hᵀ Σ ∇h for h = scale(g(θ)), the gradient by central differences in θ = log(parameters). */
function scaleVariance<K extends string>(
  covariance: Extract<ParameterCovariance<K>, { ok: true }>,
  params: Readonly<Record<K, number>>,
  g: (params: Record<K, number>) => number,
  scale: IntervalScale,
): number {
  const { names, logCovariance } = covariance;
  const theta = names.map((k) => log(params[k]));
  const shifted = (i: number, d: number) => {
    const p = {} as Record<K, number>;
    names.forEach((k, j) => (p[k] = exp(theta[j] + (j === i ? d : 0))));
    return forward[scale](g(p));
  };
  const gradient = names.map((_, i) => (shifted(i, GRADIENT_STEP) - shifted(i, -GRADIENT_STEP)) / (2 * GRADIENT_STEP));
  let variance = 0;
  for (let i = 0; i < names.length; i++) for (let j = 0; j < names.length; j++) variance += gradient[i] * logCovariance[i][j] * gradient[j];
  return Math.max(variance, 0);
}

/** The covariance of a purchase model's fitted parameters on the customers it was fitted on. */
export function purchaseModelCovariance<M extends PurchaseModelName>(
  model: M,
  params: PurchaseModelParams[M],
  customers: readonly PurchaseModelCustomer[],
): ParameterCovariance<string> {
  const m = PURCHASE_MODEL[model] as unknown as {
    parameters: readonly string[];
    logLikelihoodOf(c: readonly PurchaseModelCustomer[]): (p: Record<string, number>) => number;
  };
  return parameterCovariance(m.parameters, m.logLikelihoodOf(customers), params as unknown as Record<string, number>);
}

export interface CustomerIntervals {
  readonly probabilityAlive: PredictionInterval;
  /** Expected repeat purchase-days in the next `horizonWeeks`. */
  readonly expectedPurchases: PredictionInterval;
}

/** 90 % intervals for one customer's P(alive) and E[Y(horizonWeeks)] from the fitted parameters' covariance. */
export function customerIntervals<M extends PurchaseModelName>(
  model: M,
  params: PurchaseModelParams[M],
  covariance: Extract<ParameterCovariance<string>, { ok: true }>,
  customer: PurchaseModelCustomer,
  horizonWeeks: number,
): CustomerIntervals {
  const m = PURCHASE_MODEL[model] as unknown as {
    probabilityAlive(p: Record<string, number>, c: PurchaseModelCustomer): number;
    conditionalExpectedPurchases(p: Record<string, number>, c: PurchaseModelCustomer, t: number): number;
  };
  const p = params as unknown as Record<string, number>;
  return {
    probabilityAlive: deltaInterval(covariance, p, (q) => m.probabilityAlive(q, customer), 'logit'),
    expectedPurchases: deltaInterval(covariance, p, (q) => m.conditionalExpectedPurchases(q, customer, horizonWeeks), 'log'),
  };
}

/** The covariance of Gamma-Gamma's fitted p, q, v on the customers it was fitted on (those with x > 0 and a positive mean amount). */
export function gammaGammaCovariance(params: GammaGammaParams, customers: readonly GammaGammaCustomer[]): ParameterCovariance<'p' | 'q' | 'v'> {
  const groups = groupCounts(customers.filter(isGammaGammaCustomer), (c) => `${c.x}|${c.monetary}`);
  return parameterCovariance(
    ['p', 'q', 'v'] as const,
    (p) => {
      let sum = 0;
      for (const g of groups) sum += g.count * gammaGammaLogLikelihood(p, g.item);
      return sum;
    },
    params as Record<'p' | 'q' | 'v', number>,
  );
}

export interface ValueIntervals {
  /** Gamma-Gamma's E[M | x, m̄], from its parameters' covariance. */
  readonly expectedSpend: PredictionInterval;
  /** CLV = expected spend × discounted expected purchases. */
  readonly clv: PredictionInterval;
}

/**
 * 90 % intervals for one customer's expected spend and CLV. CLV = S(φ) · D(θ):
 * S the Gamma-Gamma expected spend (parameters φ), D the discounted expected
 * purchase-days over the horizon (the purchase model's θ, the discounting of
 * lifetimeValueOf). The two fits are separate likelihoods (the Gamma-Gamma
 * model assumes spend independent of the purchase process), so their
 * estimates are taken as independent and on the log scale the variances add:
 * var(log CLV) = ∇log Dᵀ Σθ ∇log D + ∇log Sᵀ Σφ ∇log S; the interval is
 * exp(log CLV ± z · se).
 */
export function customerValueIntervals<M extends PurchaseModelName>(
  model: M,
  params: PurchaseModelParams[M],
  covariance: Extract<ParameterCovariance<string>, { ok: true }>,
  customer: PurchaseModelCustomer,
  spendParams: GammaGammaParams,
  spendCovariance: Extract<ParameterCovariance<'p' | 'q' | 'v'>, { ok: true }>,
  spendCustomer: GammaGammaCustomer,
  options: ClvOptions,
  z: number = Z_90,
): ValueIntervals {
  const m = PURCHASE_MODEL[model] as unknown as {
    conditionalExpectedPurchases(p: Record<string, number>, c: PurchaseModelCustomer, t: number): number;
  };
  const p = params as unknown as Record<string, number>;
  const spendOf = (q: Record<'p' | 'q' | 'v', number>) => gammaGammaExpectedSpend(q, spendCustomer);
  const discounted = (q: Record<string, number>) => lifetimeValueOf((t) => m.conditionalExpectedPurchases(q, customer, t), 1, options).clv;
  const spend = spendOf({ ...spendParams });
  const clv = spend * discounted({ ...p });
  const spendVariance = scaleVariance(spendCovariance, spendParams, spendOf, 'log');
  const expectedSpend = spendInterval(spend, spendVariance, z);
  if (!(clv > 0) || !Number.isFinite(clv)) return { expectedSpend, clv: { estimate: clv, lower: clv, upper: clv } };
  const se = sqrt(scaleVariance(covariance, p, discounted, 'log') + spendVariance);
  if (!Number.isFinite(se)) return { expectedSpend, clv: { estimate: clv, lower: clv, upper: clv } };
  return { expectedSpend, clv: { estimate: clv, lower: Math.min(clv, clv * exp(-z * se)), upper: Math.max(clv, clv * exp(z * se)) } };
}

function spendInterval(spend: number, variance: number, z: number): PredictionInterval {
  const se = sqrt(variance);
  if (!(spend > 0) || !Number.isFinite(spend) || !Number.isFinite(se)) return { estimate: spend, lower: spend, upper: spend };
  return { estimate: spend, lower: Math.min(spend, spend * exp(-z * se)), upper: Math.max(spend, spend * exp(z * se)) };
}
