import { currencyTotals } from './currencies';

const purchase = (occurredAt: string, amount: number, currency: string) => ({ occurredAt, orderId: `${occurredAt}-${amount}`, amount, currency });

describe('currencyTotals', () => {
  const customers = [
    { customerId: 'a', purchases: [purchase('2026-01-01T00:00:00Z', 1000, 'USD'), purchase('2026-01-02T00:00:00Z', 250, 'USD'), purchase('2026-01-03T00:00:00Z', 900, 'EUR')] },
    { customerId: 'b', purchases: [purchase('2026-01-01T12:00:00+02:00', 500, 'EUR')] },
    { customerId: 'c', purchases: [purchase('2026-01-04T00:00:00Z', 70, 'JPY'), purchase('2026-02-01T00:00:00Z', 30, 'USD')] },
  ];

  it('counts customers once per currency, every order, and sums amounts exactly; the most customers first, then the code', () => {
    expect(currencyTotals(customers, '2026-12-31T00:00:00Z')).toEqual([
      { currency: 'EUR', customers: 2, orders: 2, revenue: 1400 },
      { currency: 'USD', customers: 2, orders: 3, revenue: 1280 },
      { currency: 'JPY', customers: 1, orders: 1, revenue: 70 },
    ]);
  });

  it('counts only what occurred by asOf, comparing instants (an offset included)', () => {
    expect(currencyTotals(customers, '2026-01-01T10:00:00Z')).toEqual([
      { currency: 'EUR', customers: 1, orders: 1, revenue: 500 },
      { currency: 'USD', customers: 1, orders: 1, revenue: 1000 },
    ]);
    expect(currencyTotals(customers, '2025-12-31T23:59:59Z')).toEqual([]);
  });
});
