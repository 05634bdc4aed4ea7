// The per-customer summary (x, t_x, T) the three purchase models (BG/NBD,
// Pareto/NBD, MBG/NBD) are fitted on: its checks, and the grouping of equal
// summaries that makes a fit's likelihood cost the distinct customers, not all
// of them.
import { groupCounts } from './stats';

/** One customer: x repeat purchase-days, recency t_x and age T in weeks. */
export interface PurchaseModelCustomer {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

/** Customers with equal (x, t_x, T) counted once, and the distinct x values they have. */
export interface GroupedCustomers {
  readonly xs: readonly number[];
  readonly groups: readonly { readonly xi: number; readonly x: number; readonly tx: number; readonly T: number; readonly count: number }[];
}

/**
 * Groups equal (x, t_x, T): CDNOW's 2,357 customers are 1,016 distinct ones,
 * and a resampled population hardly more. `xi` indexes `xs`, so terms that
 * depend on x alone are computed once per distinct x.
 */
export function groupCustomers(customers: readonly PurchaseModelCustomer[]): GroupedCustomers {
  const xs = [...new Set(customers.map((c) => c.x))];
  const xi = new Map(xs.map((x, i) => [x, i]));
  const groups = groupCounts(customers, (c) => `${c.x}|${c.tx}|${c.T}`).map(({ item, count }) => ({
    xi: xi.get(item.x) ?? 0,
    x: item.x,
    tx: item.tx,
    T: item.T,
    count,
  }));
  return { xs, groups };
}

export function validateCustomer(c: PurchaseModelCustomer): void {
  if (!Number.isInteger(c.x) || c.x < 0) throw new RangeError(`x must be a non-negative integer, got ${c.x}`);
  if (!(c.tx >= 0 && c.tx <= c.T && Number.isFinite(c.T))) throw new RangeError(`need 0 ≤ t_x ≤ T, got t_x = ${c.tx}, T = ${c.T}`);
  if (c.x === 0 && c.tx !== 0) throw new RangeError('a customer without repeat purchases has t_x = 0');
}

/** Weeks per repeat purchase across customers (Σ T / Σ x): a starting α so that r/α ≈ the mean repeat rate when r = 1. */
export function weeksPerRepeat(customers: readonly PurchaseModelCustomer[]): number {
  let sumX = 0;
  let sumT = 0;
  for (const c of customers) {
    sumX += c.x;
    sumT += c.T;
  }
  return sumT > 0 ? sumT / Math.max(sumX, 1) : 1;
}

/** A horizon in weeks: finite and ≥ 0. */
export function checkHorizon(t: number): void {
  if (!(t >= 0) || t === Infinity) throw new RangeError(`the horizon must be a finite number of weeks ≥ 0, got ${t}`);
}

/** 1/(1 + e^{−z}) without overflow either way. */
export function logistic(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
