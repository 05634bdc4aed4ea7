// Customer lifetime value over a horizon: expected purchases (BG/NBD) times
// expected spend per purchase-day (Gamma-Gamma), discounted monthly — the
// computation of lifetimes' customer_lifetime_value (Fader, Hardie & Lee 2005,
// "RFM and CLV", eq. 2, with a discrete monthly discount).
import { bgnbdConditionalExpectedPurchases, type BgNbdCustomer, type BgNbdParams } from './bgnbd';
import { gammaGammaExpectedSpend, type GammaGammaParams } from './gamma-gamma';
import type { RepeatSummary } from './purchase-days';

/** A month for discounting: 30 days = 30/7 weeks. */
export const WEEKS_PER_MONTH = 30 / 7;

export interface ClvOptions {
  /** Horizon in weeks (e.g. 52). */
  readonly horizonWeeks: number;
  /** Discount rate per month (e.g. 0.01 = 1 % a month). Default 0.01, as lifetimes. */
  readonly monthlyDiscountRate?: number;
}

export interface ClvRow {
  readonly customerId: string;
  /** Expected purchase-days over the horizon. */
  readonly expectedPurchases: number;
  /** Expected amount per purchase-day (Gamma-Gamma), minor units. */
  readonly expectedSpend: number;
  /** Discounted value over the horizon, minor units (not rounded). */
  readonly clv: number;
}

/**
 * CLV = Σ_k spend · (E[Y(t_k)] − E[Y(t_{k−1})]) / (1 + d)^{t_k / month},
 * over month ends t_k = k · 30/7 weeks up to the horizon (a last, partial month
 * ends at the horizon and is discounted by its fractional month count).
 */
export function customerLifetimeValue(
  bgnbd: BgNbdParams,
  spend: number,
  customer: BgNbdCustomer,
  options: ClvOptions,
): { expectedPurchases: number; clv: number } {
  return lifetimeValueOf((t) => bgnbdConditionalExpectedPurchases(bgnbd, customer, t), spend, options);
}

/**
 * The same CLV for any purchase model: `expected(t)` is the customer's
 * conditional expected repeat purchase-days in the next t weeks (BG/NBD,
 * Pareto/NBD, MBG/NBD alike); CLV is linear in `spend`.
 */
export function lifetimeValueOf(expected: (t: number) => number, spend: number, options: ClvOptions): { expectedPurchases: number; clv: number } {
  const { horizonWeeks } = options;
  const rate = options.monthlyDiscountRate ?? 0.01;
  if (!(horizonWeeks >= 0) || !Number.isFinite(horizonWeeks)) throw new RangeError(`horizonWeeks must be ≥ 0, got ${horizonWeeks}`);
  if (!(rate > -1)) throw new RangeError(`monthlyDiscountRate must be > −1, got ${rate}`);
  // Whole months, plus a last partial one unless the horizon is (within rounding) a whole number of months.
  const months = Math.ceil(horizonWeeks / WEEKS_PER_MONTH - 1e-9);
  let clv = 0;
  let previous = 0;
  for (let k = 1; k <= months; k++) {
    const t = Math.min(k * WEEKS_PER_MONTH, horizonWeeks);
    const cumulative = expected(t);
    clv += (spend * (cumulative - previous)) / (1 + rate) ** (t / WEEKS_PER_MONTH);
    previous = cumulative;
  }
  return { expectedPurchases: previous, clv };
}

/**
 * `expected` remembered per history (x, t_x, T): customers who share a
 * history share its values at each horizon, computed once (the same function
 * on the same numbers, so the same bits). For a computation over a whole
 * population, where one-time buyers of one day, say, are many customers and
 * one history. Keyed by the numbers themselves: building a text key from
 * them costs about what the expectation does.
 */
export function sharedByHistory(expected: (c: BgNbdCustomer, t: number) => number): (c: BgNbdCustomer) => (t: number) => number {
  const byX = new Map<number, Map<number, Map<number, Map<number, number>>>>();
  const child = <K, V>(map: Map<K, V>, key: K, make: () => V): V => {
    let value = map.get(key);
    if (value === undefined) map.set(key, (value = make()));
    return value;
  };
  return (c) => {
    const values = child(child(child(byX, c.x, () => new Map()), c.tx, () => new Map()), c.T, () => new Map<number, number>());
    return (t) => child(values, t, () => expected(c, t));
  };
}

/** CLV of each customer: BG/NBD for purchases, Gamma-Gamma's conditional expected spend per purchase-day. */
export function clvPerCustomer(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customers: readonly RepeatSummary[],
  options: ClvOptions,
): ClvRow[] {
  return customers.map((c) => {
    const expectedSpend = gammaGammaExpectedSpend(gammaGamma, c);
    const { expectedPurchases, clv } = customerLifetimeValue(bgnbd, expectedSpend, c, options);
    return { customerId: c.customerId, expectedPurchases, expectedSpend, clv };
  });
}
