// Buyers as BG/NBD and Gamma-Gamma see them, so that both fit: each buys at
// a rate of their own, may drop out after any purchase, and spends around a
// mean of their own. Deterministic (a seeded generator), for tests that need
// fitted models over a few hundred customers without CDNOW's import time.

export interface SyntheticPurchase {
  readonly customerId: string;
  readonly occurredAt: string;
  readonly amount: number;
  readonly currency: string;
}

/** Purchases of `customers` buyers over the year from `start`, in occurrence order per customer; every ninth buys in EUR. */
export function syntheticPurchases(customers: number, start = '2025-06-01T12:00:00Z', seed = 7): SyntheticPurchase[] {
  let state = seed;
  const next = () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
  const purchases: SyntheticPurchase[] = [];
  for (let c = 0; c < customers; c++) {
    const meanGapDays = 10 + next() * 80;
    const dropout = 0.05 + next() * 0.5;
    const meanSpend = 1_000 + 15_000 * next() ** 2;
    for (let day = Math.floor(next() * 120); day < 360; day += Math.ceil(-Math.log(1 - next()) * meanGapDays)) {
      const occurredAt = new Date(Date.parse(start) + day * 86_400_000).toISOString();
      purchases.push({ customerId: `c-${c}`, occurredAt, amount: Math.round(meanSpend * (0.7 + 0.6 * next())), currency: c % 9 === 0 ? 'EUR' : 'USD' });
      if (next() < dropout) break;
    }
  }
  return purchases;
}
