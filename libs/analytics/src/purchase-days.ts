// SPEC section 6, data preparation: a customer's purchases as of `asOf`,
// collapsed into purchase-days (one UTC calendar day = one transaction with the
// summed amount), summarised as frequency, recency, age and monetary value.
import { DAYS_PER_WEEK, dayNumber, instant, isoDate } from './time';

/** One purchase: business time and amount in integer minor units of one currency. */
export interface PurchaseInput {
  readonly occurredAt: string;
  readonly amount: number;
}

/**
 * A customer's purchases in one currency. The customer-facts read model
 * (`@rapport/projections`) fits this shape once its purchases are filtered to
 * the currency.
 */
export interface CustomerPurchases<P extends PurchaseInput = PurchaseInput> {
  readonly customerId: string;
  readonly purchases: readonly P[];
}

export interface PurchaseDay {
  /** UTC day number (days since 1970-01-01). */
  readonly day: number;
  /** Summed amount of the day's purchases, minor units. */
  readonly amount: number;
  /** Purchases on that day. */
  readonly orders: number;
}

/** The purchase-day summary of one customer with at least one purchase as of `asOf`. */
export interface PurchaseDaySummary {
  readonly customerId: string;
  /** x: repeat purchase-days (purchase-days − 1). */
  readonly frequency: number;
  /** t_x = d_x − d_0, whole days. */
  readonly recencyDays: number;
  /** T = day(asOf) − d_0, whole days. */
  readonly ageDays: number;
  /** Days since the last purchase-day: T − t_x. */
  readonly daysSinceLast: number;
  /** Mean amount of the repeat purchase-days d_1 … d_x (minor units); 0 when x = 0, as in lifetimes. */
  readonly monetary: number;
  /** Sum of all purchase amounts as of asOf, minor units. */
  readonly totalAmount: number;
  /** Purchases (orders) as of asOf, before collapsing into days. */
  readonly orders: number;
  /** `YYYY-MM-DD` of d_0 and d_x. */
  readonly firstDay: string;
  readonly lastDay: string;
}

/** What BG/NBD and Gamma-Gamma take: the summary in weeks. */
export interface RepeatSummary {
  readonly customerId: string;
  /** x, repeat purchase-days. */
  readonly x: number;
  /** t_x in weeks. */
  readonly tx: number;
  /** T in weeks. */
  readonly T: number;
  /** Mean repeat purchase-day amount, minor units (0 when x = 0). */
  readonly monetary: number;
}

/** A customer's purchase-days as of `asOf` (an RFC 3339 timestamp or an instant in ms), ascending. */
export function purchaseDays(purchases: readonly PurchaseInput[], asOf: string | number): PurchaseDay[] {
  const cutoff = typeof asOf === 'number' ? asOf : instant(asOf, 'asOf');
  const byDay = new Map<number, { amount: number; orders: number }>();
  for (const p of purchases) {
    const at = instant(p.occurredAt, 'occurredAt');
    if (at > cutoff) continue;
    if (!Number.isFinite(p.amount) || p.amount < 0) throw new RangeError(`amount must be a non-negative number, got ${p.amount}`);
    const day = dayNumber(at);
    const d = byDay.get(day);
    if (d) {
      d.amount += p.amount;
      d.orders += 1;
    } else byDay.set(day, { amount: p.amount, orders: 1 });
  }
  return [...byDay.entries()].sort(([a], [b]) => a - b).map(([day, d]) => ({ day, amount: d.amount, orders: d.orders }));
}

/** The purchase-day summary of one customer, or undefined when it has no purchase as of `asOf`. */
export function summarizeCustomer(customer: CustomerPurchases, asOf: string): PurchaseDaySummary | undefined {
  return summarize(customer, instant(asOf, 'asOf'));
}

function summarize(customer: CustomerPurchases, cutoff: number): PurchaseDaySummary | undefined {
  const asOfDay = dayNumber(cutoff);
  const days = purchaseDays(customer.purchases, cutoff);
  if (days.length === 0) return undefined;
  const first = days[0];
  const last = days[days.length - 1];
  const x = days.length - 1;
  let total = 0;
  let orders = 0;
  for (const d of days) {
    total += d.amount;
    orders += d.orders;
  }
  return {
    customerId: customer.customerId,
    frequency: x,
    recencyDays: last.day - first.day,
    ageDays: asOfDay - first.day,
    daysSinceLast: asOfDay - last.day,
    monetary: x === 0 ? 0 : (total - first.amount) / x,
    totalAmount: total,
    orders,
    firstDay: isoDate(first.day),
    lastDay: isoDate(last.day),
  };
}

/** Purchase-day summaries of every customer with at least one purchase as of `asOf`, in input order. */
export function summarizePurchaseDays(customers: readonly CustomerPurchases[], asOf: string): PurchaseDaySummary[] {
  const cutoff = instant(asOf, 'asOf');
  const out: PurchaseDaySummary[] = [];
  for (const c of customers) {
    const s = summarize(c, cutoff);
    if (s) out.push(s);
  }
  return out;
}

/** The summary in weeks (days / 7), as BG/NBD and Gamma-Gamma take it. */
export function toRepeatSummary(s: PurchaseDaySummary): RepeatSummary {
  return {
    customerId: s.customerId,
    x: s.frequency,
    tx: s.recencyDays / DAYS_PER_WEEK,
    T: s.ageDays / DAYS_PER_WEEK,
    monetary: s.monetary,
  };
}
