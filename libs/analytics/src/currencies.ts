// Which currencies the purchases are in, by asOf: what a single-currency
// answer (RFM, CLV, revenue) can be asked in, and how much each one covers.
import { instant } from './time';

export interface CurrencyPurchases {
  readonly purchases: readonly { readonly occurredAt: string; readonly amount: number; readonly currency: string }[];
}

export interface CurrencyTotal {
  readonly currency: string;
  /** Customers with at least one purchase in the currency by asOf. */
  readonly customers: number;
  /** Purchases (events) in the currency by asOf. */
  readonly orders: number;
  /** Their amounts summed, minor units: an exact integer. */
  readonly revenue: number;
}

/** Every currency purchased in by asOf, the most customers first (then the code). */
export function currencyTotals(customers: readonly CurrencyPurchases[], asOf: string): CurrencyTotal[] {
  const cutoff = instant(asOf, 'asOf');
  const totals = new Map<string, { customers: number; orders: number; revenue: number }>();
  for (const c of customers) {
    const seen = new Set<string>();
    for (const p of c.purchases) {
      if (instant(p.occurredAt, 'occurredAt') > cutoff) continue;
      const total = totals.get(p.currency) ?? { customers: 0, orders: 0, revenue: 0 };
      if (!seen.has(p.currency)) {
        seen.add(p.currency);
        total.customers += 1;
      }
      total.orders += 1;
      total.revenue += p.amount;
      totals.set(p.currency, total);
    }
  }
  return [...totals]
    .map(([currency, t]) => ({ currency, ...t }))
    .sort((a, b) => b.customers - a.customers || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}
