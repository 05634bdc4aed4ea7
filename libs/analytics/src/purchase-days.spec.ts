import { purchaseDays, summarizeCustomer, summarizePurchaseDays, toRepeatSummary } from './purchase-days';

describe('purchase-days (SPEC section 6 data preparation)', () => {
  const asOf = '2024-03-31T23:59:59Z';

  it('collapses purchases of one UTC calendar day into one purchase-day with the summed amount', () => {
    const days = purchaseDays(
      [
        { occurredAt: '2024-03-01T08:00:00Z', amount: 1000 },
        { occurredAt: '2024-03-01T23:59:59Z', amount: 500 },
        // 22:30 at −02:00 is 00:30 UTC the next day.
        { occurredAt: '2024-03-01T22:30:00-02:00', amount: 250 },
        // 01:00 at +02:00 is 23:00 UTC the day before.
        { occurredAt: '2024-03-02T01:00:00+02:00', amount: 125 },
      ],
      asOf,
    );
    expect(days).toEqual([
      { day: Date.UTC(2024, 2, 1) / 86_400_000, amount: 1625, orders: 3 },
      { day: Date.UTC(2024, 2, 2) / 86_400_000, amount: 250, orders: 1 },
    ]);
  });

  it('summarises x, t_x, T, monetary of the repeat days, totals and first/last day', () => {
    const s = summarizeCustomer(
      {
        customerId: 'c1',
        purchases: [
          { occurredAt: '2024-03-10T10:00:00Z', amount: 3000 },
          { occurredAt: '2024-03-01T10:00:00Z', amount: 10_000 }, // late event: listed last, dated first
          { occurredAt: '2024-03-10T18:00:00Z', amount: 1000 },
          { occurredAt: '2024-03-17T09:00:00Z', amount: 0 }, // a free order is still a purchase-day
        ],
      },
      asOf,
    );
    expect(s).toEqual({
      customerId: 'c1',
      frequency: 2,
      recencyDays: 16,
      ageDays: 30,
      daysSinceLast: 14,
      monetary: (4000 + 0) / 2,
      totalAmount: 14_000,
      orders: 4,
      firstDay: '2024-03-01',
      lastDay: '2024-03-17',
    });
    expect(toRepeatSummary(s!)).toEqual({ customerId: 'c1', x: 2, tx: 16 / 7, T: 30 / 7, monetary: 2000 });
  });

  it('counts only purchases with occurredAt ≤ asOf, to the second', () => {
    const purchases = [
      { occurredAt: '2024-01-01T00:00:00Z', amount: 100 },
      { occurredAt: '2024-02-01T12:00:00Z', amount: 200 },
      { occurredAt: '2024-02-01T12:00:01Z', amount: 400 },
    ];
    const s = summarizeCustomer({ customerId: 'c', purchases }, '2024-02-01T12:00:00Z')!;
    expect(s).toMatchObject({ frequency: 1, recencyDays: 31, ageDays: 31, monetary: 200, totalAmount: 300, orders: 2 });
    expect(summarizeCustomer({ customerId: 'c', purchases }, '2023-12-31T23:59:59Z')).toBeUndefined();
  });

  it('gives x = 0 customers recency 0 and monetary 0, and leaves out customers without purchases', () => {
    const all = summarizePurchaseDays(
      [
        { customerId: 'one', purchases: [{ occurredAt: '2024-03-31T00:00:00Z', amount: 999 }] },
        { customerId: 'none', purchases: [] },
      ],
      asOf,
    );
    expect(all).toEqual([
      expect.objectContaining({ customerId: 'one', frequency: 0, recencyDays: 0, ageDays: 0, monetary: 0, totalAmount: 999 }),
    ]);
  });

  it('refuses timestamps it cannot read and negative amounts', () => {
    expect(() => summarizePurchaseDays([], 'yesterday')).toThrow(/asOf/);
    expect(() => purchaseDays([{ occurredAt: 'not a date', amount: 1 }], asOf)).toThrow(/occurredAt/);
    expect(() => purchaseDays([{ occurredAt: '2024-01-01T00:00:00Z', amount: -1 }], asOf)).toThrow(/amount/);
  });
});
