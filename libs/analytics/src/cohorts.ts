// Cohort retention: customers grouped by the UTC month of their first purchase,
// and for each month since, the share of the cohort who purchased in it.
import { AnswerTooLargeError, grouped, MAX_COHORT_CELLS } from './answer-bounds';
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
  /** Offsets 0 … (month of asOf, or of `to` if earlier − cohort month). */
  readonly months: readonly CohortMonth[];
}

export interface CohortWindow {
  /** RFC 3339: only customers whose first purchase is at or after it. */
  readonly from?: string;
  /** RFC 3339: nothing after it counts, as with an earlier asOf; the months end with its month. */
  readonly to?: string;
  /** Refuse more cells, Σ over cohorts of their months (default MAX_COHORT_CELLS). */
  readonly maxCells?: number;
}

/**
 * Retention by first-purchase month as of `asOf`: only purchases with
 * occurredAt ≤ asOf count, so a late purchase dated earlier can move a
 * customer into an earlier cohort. Within `from`/`to` when given. Cohorts in
 * ascending order. Throws AnswerTooLargeError when the cohorts would hold
 * more than `maxCells` months in all.
 */
export function cohortRetention(customers: readonly CustomerPurchases[], asOf: string, window: CohortWindow = {}): Cohort[] {
  const from = window.from === undefined ? -Infinity : instant(window.from, 'from');
  const cutoff = Math.min(instant(asOf, 'asOf'), window.to === undefined ? Infinity : instant(window.to, 'to'));
  const lastMonth = monthNumber(dayNumber(cutoff));
  // The last month is complete when the cutoff is within its last second (e.g. …-30T23:59:59Z).
  const lastMonthComplete = cutoff >= monthStart(lastMonth + 1) * MS_PER_DAY - 1000;
  // Active counts stay sparse (month → customers) until the cells are counted:
  // a dense row is as long as the span from its cohort to the last month.
  const cohorts = new Map<number, { customers: number; active: Map<number, number> }>();
  for (const c of customers) {
    const months = new Set<number>();
    let firstAt = Infinity;
    for (const p of c.purchases) {
      const at = instant(p.occurredAt, 'occurredAt');
      if (at > cutoff) continue;
      months.add(monthNumber(dayNumber(at)));
      firstAt = Math.min(firstAt, at);
    }
    if (months.size === 0 || firstAt < from) continue;
    const first = monthNumber(dayNumber(firstAt));
    const cohort = cohorts.get(first) ?? { customers: 0, active: new Map<number, number>() };
    cohorts.set(first, cohort);
    cohort.customers += 1;
    for (const m of months) cohort.active.set(m, (cohort.active.get(m) ?? 0) + 1);
  }
  const firsts = [...cohorts.keys()].sort((a, b) => a - b);
  let cells = 0;
  for (const first of firsts) cells += lastMonth - first + 1;
  const max = window.maxCells ?? MAX_COHORT_CELLS;
  if (cells > max) {
    const span = `cohorts from ${isoMonth(firsts[0])} to ${isoMonth(lastMonth)} span ${grouped(cells)} cells (cohort months × months since)`;
    throw new AnswerTooLargeError('cohorts', cells, max, span);
  }
  return firsts.map((first) => {
    const c = cohorts.get(first)!;
    return {
      cohort: isoMonth(first),
      customers: c.customers,
      months: Array.from({ length: lastMonth - first + 1 }, (_, offset) => {
        const active = c.active.get(first + offset) ?? 0;
        return {
          offset,
          month: isoMonth(first + offset),
          active,
          share: ratio(active, c.customers),
          complete: first + offset < lastMonth || lastMonthComplete,
        };
      }),
    };
  });
}
