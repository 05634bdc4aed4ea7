import fc from 'fast-check';
import { RankedCustomers, type RankedCustomer } from './ranked-customers';

/** Few distinct values, so that ties (broken by customerId) happen. */
const amount = fc.constantFrom(0, 0.25, 12.5, 12.5, 300, 1e6);
const customer = fc.record({
  customerId: fc.stringMatching(/^[a-zA-Z0-9-]{1,6}$/),
  pAlive: fc.double({ min: 0, max: 1, noNaN: true }),
  expectedPurchases: amount,
  expectedSpend: fc.option(amount, { nil: null }),
  clv: fc.option(amount, { nil: null }),
  pastValue: amount,
  valueAtRisk: amount,
}, { noNullPrototype: true });
const customers = fc.uniqueArray(customer, { selector: (c) => c.customerId, maxLength: 80 });

describe('RankedCustomers', () => {
  it('gives back every customer as given, nulls included', () => {
    fc.assert(
      fc.property(customers, (list) => {
        const ranked = RankedCustomers.of(list, list.length + 3);
        expect(ranked.size).toBe(list.length);
        expect(Array.from({ length: ranked.size }, (_, i) => ranked.at(i))).toStrictEqual(list);
      }),
    );
  });

  it('ranks as sorting the objects does: highest first, ties by customerId, no CLV left out of the CLV ranking', () => {
    fc.assert(
      fc.property(customers, fc.nat(100), (list, limit) => {
        const ranked = RankedCustomers.of(list, list.length);
        const byRisk = [...list].sort((a, b) => b.valueAtRisk - a.valueAtRisk || a.customerId.localeCompare(b.customerId)).slice(0, limit);
        const byClv = list
          .filter((c) => c.clv !== null)
          .sort((a, b) => b.clv! - a.clv! || a.customerId.localeCompare(b.customerId))
          .slice(0, limit);
        expect(ranked.top('valueAtRisk', limit)).toStrictEqual(byRisk);
        expect(ranked.top('clv', limit)).toStrictEqual(byClv);
      }),
    );
  });

  it('takes a spend or CLV that is not a finite number as none: null, and out of the CLV ranking', () => {
    const one: RankedCustomer = { customerId: 'a', pAlive: 0.5, expectedPurchases: 2, expectedSpend: Number.NaN, clv: Number.NaN, pastValue: 10, valueAtRisk: 5 };
    const infinite = { ...one, customerId: 'c', expectedSpend: Number.POSITIVE_INFINITY, clv: Number.POSITIVE_INFINITY };
    const ranked = RankedCustomers.of([one, { ...one, customerId: 'b', clv: 3 }, infinite], 3);
    expect(ranked.at(0)).toStrictEqual({ ...one, expectedSpend: null, clv: null });
    expect(ranked.at(2)).toStrictEqual({ ...infinite, expectedSpend: null, clv: null });
    expect(ranked.top('clv', 10).map((c) => c.customerId)).toEqual(['b']);
  });

  it('ranks a value at risk that is not a number last, and everyone else in order', () => {
    fc.assert(
      fc.property(customers, fc.array(fc.boolean()), (list, unknown) => {
        const given = list.map((c, i) => (unknown[i] ? { ...c, valueAtRisk: Number.NaN } : c));
        const known = given.filter((c) => !Number.isNaN(c.valueAtRisk)).sort((a, b) => b.valueAtRisk - a.valueAtRisk || a.customerId.localeCompare(b.customerId));
        const missing = given.filter((c) => Number.isNaN(c.valueAtRisk)).sort((a, b) => a.customerId.localeCompare(b.customerId));
        const top = RankedCustomers.of(given, given.length).top('valueAtRisk', given.length);
        expect(top.map((c) => c.customerId)).toEqual([...known, ...missing].map((c) => c.customerId));
      }),
    );
  });

  it('refuses more customers than it was told of', () => {
    const one: RankedCustomer = { customerId: 'a', pAlive: 1, expectedPurchases: 1, expectedSpend: null, clv: null, pastValue: 0, valueAtRisk: 0 };
    expect(() => RankedCustomers.of([one, { ...one, customerId: 'b' }], 1)).toThrow(RangeError);
  });
});
