// Revenue and orders per UTC day, ISO week (Monday to Sunday) or month, for one
// currency, as of asOf.
import type { CustomerPurchases } from './purchase-days';
import { dayNumber, instant, isoDate, isoMonth, isoWeekLabel, isoWeekStart, monthNumber, monthStart } from './time';

export const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface RevenuePeriod {
  /** `YYYY-MM-DD`, ISO week `YYYY-Www`, or `YYYY-MM`. */
  readonly period: string;
  /** First day of the period, `YYYY-MM-DD` (a Monday for weeks). */
  readonly start: string;
  /** Summed amounts, minor units. */
  readonly revenue: number;
  /** Purchases (orders), free ones included. */
  readonly orders: number;
  /** Distinct customers who bought. */
  readonly customers: number;
}

interface PeriodKind {
  /** The period's first day, from any of its days. */
  readonly startOf: (day: number) => number;
  /** The first day of the next period. */
  readonly next: (start: number) => number;
  readonly label: (start: number) => string;
}

const KINDS: Readonly<Record<Granularity, PeriodKind>> = {
  day: { startOf: (d) => d, next: (d) => d + 1, label: isoDate },
  week: { startOf: isoWeekStart, next: (d) => d + 7, label: isoWeekLabel },
  month: { startOf: (d) => monthStart(monthNumber(d)), next: (d) => monthStart(monthNumber(d) + 1), label: (d) => isoMonth(monthNumber(d)) },
};

/**
 * Revenue per period as of `asOf` (purchases with occurredAt ≤ asOf, by their
 * UTC day). The series runs without gaps from the period of the first purchase
 * to that of the last; empty periods have zeros. Empty input, empty series.
 */
export function revenueByPeriod(customers: readonly CustomerPurchases[], asOf: string, granularity: Granularity): RevenuePeriod[] {
  const kind = KINDS[granularity];
  if (!kind) throw new RangeError(`granularity must be one of ${GRANULARITIES.join(', ')}, got ${granularity}`);
  const cutoff = instant(asOf, 'asOf');
  const periods = new Map<number, { revenue: number; orders: number; customers: Set<string> }>();
  for (const c of customers) {
    for (const p of c.purchases) {
      const at = instant(p.occurredAt, 'occurredAt');
      if (at > cutoff) continue;
      const start = kind.startOf(dayNumber(at));
      const period = periods.get(start) ?? { revenue: 0, orders: 0, customers: new Set<string>() };
      periods.set(start, period);
      period.revenue += p.amount;
      period.orders += 1;
      period.customers.add(c.customerId);
    }
  }
  if (periods.size === 0) return [];
  let first = Infinity;
  let last = -Infinity;
  for (const start of periods.keys()) {
    first = Math.min(first, start);
    last = Math.max(last, start);
  }
  const out: RevenuePeriod[] = [];
  for (let start = first; start <= last; start = kind.next(start)) {
    const p = periods.get(start);
    out.push({ period: kind.label(start), start: isoDate(start), revenue: p?.revenue ?? 0, orders: p?.orders ?? 0, customers: p?.customers.size ?? 0 });
  }
  return out;
}
