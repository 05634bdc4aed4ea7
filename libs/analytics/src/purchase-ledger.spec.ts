import fc from 'fast-check';
import { summarizePurchaseDays, toRepeatSummary } from './purchase-days';
import { DaySummaries } from './day-summaries';
import { PurchaseLedger, type LedgerPurchase } from './purchase-ledger';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

/** Purchases over 40 days at minute steps, in two currencies, listed in any order. */
const purchase = fc.record({
  occurredAt: fc.integer({ min: 0, max: 40 * 24 * 60 }).map((minute) => new Date(START + minute * 60_000).toISOString()),
  amount: fc.integer({ min: 0, max: 1_000_000 }),
  currency: fc.constantFrom('EUR', 'USD'),
});
const customers = fc.uniqueArray(fc.record({ customerId: fc.uuid(), purchases: fc.array(purchase, { maxLength: 12 }) }), {
  selector: (c) => c.customerId,
  maxLength: 30,
});
const asOf = fc.integer({ min: -1, max: 42 * 24 }).map((hour) => new Date(START + hour * 3_600_000 + 59 * 60_000).toISOString());

function ledgerOf(list: readonly { customerId: string; purchases: readonly LedgerPurchase[] }[]): PurchaseLedger {
  const builder = PurchaseLedger.builder();
  for (const c of list) builder.add(c.customerId, c.purchases);
  return builder.build();
}

function inCurrency(list: readonly { customerId: string; purchases: readonly LedgerPurchase[] }[], currency: string | undefined) {
  return list.map((c) => ({ customerId: c.customerId, purchases: c.purchases.filter((p) => currency === undefined || p.currency === currency) }));
}

describe('PurchaseLedger', () => {
  it('summarises exactly as summarizePurchaseDays over the same purchases, for any asOf and currency', () => {
    fc.assert(
      fc.property(customers, asOf, fc.constantFrom(undefined, 'EUR', 'USD', 'GBP'), (list, at, currency) => {
        expect(ledgerOf(list).summarize(at, currency).toArray()).toEqual(summarizePurchaseDays(inCurrency(list, currency), at));
      }),
      { numRuns: 300 },
    );
  });

  it('reads each packed summary field by field as its object says, and in the weeks the models take', () => {
    fc.assert(
      fc.property(customers, asOf, (list, at) => {
        const summaries = ledgerOf(list).summarize(at);
        const index = summaries.indexById();
        expect(index.size).toBe(summaries.length);
        for (let i = 0; i < summaries.length; i++) {
          const s = summaries.at(i);
          const fields = {
            customerId: summaries.customerId(i),
            frequency: summaries.frequency(i),
            recencyDays: summaries.recencyDays(i),
            ageDays: summaries.ageDays(i),
            daysSinceLast: summaries.daysSinceLast(i),
            monetary: summaries.monetary(i),
            totalAmount: summaries.totalAmount(i),
          };
          expect(fields).toEqual({ customerId: s.customerId, frequency: s.frequency, recencyDays: s.recencyDays, ageDays: s.ageDays, daysSinceLast: s.daysSinceLast, monetary: s.monetary, totalAmount: s.totalAmount });
          expect(summaries.repeatSummary(i)).toStrictEqual(toRepeatSummary(s));
          expect(index.get(s.customerId)).toBe(i);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives back each customer’s purchases in time order, at the recorded instant, in the currency asked for', () => {
    fc.assert(
      fc.property(customers, fc.constantFrom(undefined, 'EUR', 'USD'), (list, currency) => {
        const expected = inCurrency(list, currency)
          .filter((c) => c.purchases.length > 0)
          .map((c) => ({ customerId: c.customerId, purchases: [...c.purchases].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt)) }));
        expect(ledgerOf(list).customerPurchases(currency)).toEqual(expected);
      }),
    );
  });

  it('counts customers with a purchase and knows when every purchase is in one currency', () => {
    const ledger = ledgerOf([
      { customerId: 'a', purchases: [{ occurredAt: '2024-01-02T10:00:00+02:00', amount: 500, currency: 'EUR' }] },
      { customerId: 'b', purchases: [] },
      { customerId: 'c', purchases: [{ occurredAt: '2024-01-03T10:00:00Z', amount: 700, currency: 'EUR' }] },
    ]);
    expect([ledger.customers, ledger.purchases]).toEqual([2, 2]);
    expect(ledger.onlyIn('EUR')).toBe(true);
    expect(ledger.onlyIn('USD')).toBe(false);
    expect(ledger.customerPurchases()[0]).toEqual({ customerId: 'a', purchases: [{ occurredAt: '2024-01-02T08:00:00.000Z', amount: 500, currency: 'EUR' }] });
    const mixed = ledgerOf([{ customerId: 'a', purchases: [{ occurredAt: '2024-01-02T10:00:00Z', amount: 1, currency: 'EUR' }, { occurredAt: '2024-01-02T11:00:00Z', amount: 1, currency: 'USD' }] }]);
    expect(mixed.onlyIn('EUR')).toBe(false);
    expect(ledgerOf([]).onlyIn('EUR')).toBe(true);
  });

  it('grows past its first capacity without losing a purchase', () => {
    const list = Array.from({ length: 3_000 }, (_, i) => ({
      customerId: `c${String(i).padStart(5, '0')}`,
      purchases: [
        { occurredAt: new Date(START + (i % 50) * DAY).toISOString(), amount: i, currency: 'EUR' },
        { occurredAt: new Date(START + (i % 50) * DAY + 7 * DAY).toISOString(), amount: 2 * i, currency: 'EUR' },
      ],
    }));
    const at = new Date(START + 100 * DAY).toISOString();
    const ledger = ledgerOf(list);
    expect([ledger.customers, ledger.purchases]).toEqual([3_000, 6_000]);
    expect(ledger.summarize(at).toArray()).toEqual(summarizePurchaseDays(list, at));
  });

  it('builds its summaries once', () => {
    const builder = DaySummaries.builder(100, 2).add('a', { firstDay: 90, lastDay: 95, frequency: 1, monetary: 5, totalAmount: 9, orders: 2 });
    expect(builder.build().at(0)).toMatchObject({ customerId: 'a', recencyDays: 5, ageDays: 10, daysSinceLast: 5 });
    expect(() => builder.add('b', { firstDay: 90, lastDay: 90, frequency: 0, monetary: 0, totalAmount: 1, orders: 1 })).toThrow('builds once');
    expect(() => builder.build()).toThrow('builds once');
  });

  it('refuses a purchase the summaries could not read', () => {
    expect(() => PurchaseLedger.builder().add('a', [{ occurredAt: 'yesterday', amount: 1, currency: 'EUR' }])).toThrow(RangeError);
    expect(() => PurchaseLedger.builder().add('a', [{ occurredAt: '2024-01-01T00:00:00Z', amount: -1, currency: 'EUR' }])).toThrow(RangeError);
  });
});
