// Cohort retention: customers grouped by the UTC month of their first purchase,
// and for each month since, the share of the cohort who purchased in it.
import type { CustomerPurchases } from './purchase-days';
import { ratio } from './stats';
import { dayNumber, instant, isoMonth, monthNumber, monthStart, MS_PER_DAY } from './time';

export interface CohortMonth {
  /** Months since the cohort month: 0 is the first-purchase month itself. */
  readonly offset: number;
  /** `YYYY-MM`. */
  readonly month: string;
  /** Cohort customers with a purchase in that month. */
  readonly active: number;
  /** active / cohort size. */
  readonly share: number;
  /** False for the month asOf falls in before its last day: it may still grow. */
  readonly complete: boolean;
}

export interface Cohort {
  /** `YYYY-MM` of the first purchase. */
  readonly cohort: string;
  readonly customers: number;
  /** Offsets 0 … (month of asOf − cohort month). */
  readonly months: readonly CohortMonth[];
}

/**
 * Retention by first-purchase month as of `asOf`: only purchases with
 * occurredAt ≤ asOf count, so a late purchase dated earlier can move a
 * customer into an earlier cohort. Cohorts in ascending order.
 */
export function cohortRetention(customers: readonly CustomerPurchases[], asOf: string): Cohort[] {
  const cutoff = instant(asOf, 'asOf');
  const asOfDay = dayNumber(cutoff);
  const lastMonth = monthNumber(asOfDay);
  // The month of asOf is complete when asOf is within its last second (e.g. …-30T23:59:59Z).
  const asOfMonthComplete = cutoff >= monthStart(lastMonth + 1) * MS_PER_DAY - 1000;
  const cohorts = new Map<number, { customers: number; active: number[] }>();
  for (const c of customers) {
    const months = new Set<number>();
    for (const p of c.purchases) {
      const at = instant(p.occurredAt, 'occurredAt');
      if (at <= cutoff) months.add(monthNumber(dayNumber(at)));
    }
    if (months.size === 0) continue;
    const first = Math.min(...months);
    const cohort = cohorts.get(first) ?? { customers: 0, active: new Array<number>(lastMonth - first + 1).fill(0) };
    cohorts.set(first, cohort);
    cohort.customers += 1;
    for (const m of months) cohort.active[m - first] += 1;
  }
  return [...cohorts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([first, c]) => ({
      cohort: isoMonth(first),
      customers: c.customers,
      months: c.active.map((active, offset) => ({
        offset,
        month: isoMonth(first + offset),
        active,
        share: ratio(active, c.customers),
        complete: first + offset < lastMonth || asOfMonthComplete,
      })),
    }));
}
