// Revenue and orders per UTC day, ISO week (Monday to Sunday) or month, for one
// currency, as of asOf.
import { AnswerTooLargeError, grouped, MAX_REVENUE_PERIODS } from './answer-bounds';
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
  /** Periods from the one starting on `first` to the one starting on `last`, inclusive, without building them. */
  readonly count: (first: number, last: number) => number;
}

export interface RevenueWindow {
  /** RFC 3339: only purchases at or after it count, and the series starts with its period. */
  readonly from?: string;
  /** RFC 3339: only purchases at or before it count, and the series ends with its period (asOf's if earlier). */
  readonly to?: string;
  /** Refuse a longer series (default MAX_REVENUE_PERIODS). */
  readonly maxPeriods?: number;
}

const KINDS: Readonly<Record<Granularity, PeriodKind>> = {
  day: { startOf: (d) => d, next: (d) => d + 1, label: isoDate, count: (a, b) => b - a + 1 },
  week: { startOf: isoWeekStart, next: (d) => d + 7, label: isoWeekLabel, count: (a, b) => (b - a) / 7 + 1 },
  month: {
    startOf: (d) => monthStart(monthNumber(d)),
    next: (d) => monthStart(monthNumber(d) + 1),
    label: (d) => isoMonth(monthNumber(d)),
    count: (a, b) => monthNumber(b) - monthNumber(a) + 1,
  },
};

/**
 * Revenue per period as of `asOf` (purchases with occurredAt ≤ asOf, by their
 * UTC day), within `from`/`to` when given. The series runs without gaps from
 * the period of `from` (else of the first purchase) to that of `to` or asOf,
 * whichever is earlier (else of the last purchase); empty periods have zeros.
 * No purchase and an open end: empty series. Throws AnswerTooLargeError when
 * the series would be longer than `maxPeriods`.
 */
export function revenueByPeriod(
  customers: readonly CustomerPurchases[],
  asOf: string,
  granularity: Granularity,
  window: RevenueWindow = {},
): RevenuePeriod[] {
  const kind = KINDS[granularity];
  if (!kind) throw new RangeError(`granularity must be one of ${GRANULARITIES.join(', ')}, got ${granularity}`);
  const from = window.from === undefined ? -Infinity : instant(window.from, 'from');
  const cutoff = Math.min(instant(asOf, 'asOf'), window.to === undefined ? Infinity : instant(window.to, 'to'));
  if (from > cutoff) return [];
  const fixedFirst = window.from === undefined ? undefined : kind.startOf(dayNumber(from));
  const fixedLast = window.to === undefined ? undefined : kind.startOf(dayNumber(cutoff));
  const check = (first: number, last: number) => {
    const count = kind.count(first, last);
    const max = window.maxPeriods ?? MAX_REVENUE_PERIODS;
    if (count > max) {
      throw new AnswerTooLargeError('revenue', count, max, `revenue by ${granularity} from ${isoDate(first)} to ${isoDate(last)} spans ${grouped(count)} ${granularity}s`);
    }
  };
  // Both ends given: a hostile window is refused before any purchase is read.
  if (fixedFirst !== undefined && fixedLast !== undefined) check(fixedFirst, fixedLast);
  const periods = new Map<number, { revenue: number; orders: number; customers: Set<string> }>();
  for (const c of customers) {
    for (const p of c.purchases) {
      const at = instant(p.occurredAt, 'occurredAt');
      if (at > cutoff || at < from) continue;
      const start = kind.startOf(dayNumber(at));
      const period = periods.get(start) ?? { revenue: 0, orders: 0, customers: new Set<string>() };
      periods.set(start, period);
      period.revenue += p.amount;
      period.orders += 1;
      period.customers.add(c.customerId);
    }
  }
  let first = fixedFirst ?? Infinity;
  let last = fixedLast ?? -Infinity;
  if (fixedFirst === undefined || fixedLast === undefined) {
    if (periods.size === 0) return [];
    for (const start of periods.keys()) {
      if (fixedFirst === undefined) first = Math.min(first, start);
      if (fixedLast === undefined) last = Math.max(last, start);
    }
    check(first, last);
  }
  const out: RevenuePeriod[] = [];
  for (let start = first; start <= last; start = kind.next(start)) {
    const p = periods.get(start);
    out.push({ period: kind.label(start), start: isoDate(start), revenue: p?.revenue ?? 0, orders: p?.orders ?? 0, customers: p?.customers.size ?? 0 });
  }
  return out;
}
