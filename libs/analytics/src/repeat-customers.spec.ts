import fc from 'fast-check';
import { bgnbdLogLikelihood, bgnbdTotalLogLikelihood } from './bgnbd';
import { mbgnbdLogLikelihood, mbgnbdTotalLogLikelihood } from './mbg-nbd';
import { groupCustomers, type PurchaseModelCustomer } from './repeat-customers';

/** Customers as the purchase-day summary makes them: t_x = 0 without repeats, whole days in weeks. */
const customer = fc
  .record({ x: fc.integer({ min: 0, max: 12 }), txDays: fc.integer({ min: 0, max: 400 }), ageDays: fc.integer({ min: 0, max: 400 }) })
  .map(({ x, txDays, ageDays }): PurchaseModelCustomer => {
    const tx = x === 0 ? 0 : Math.min(txDays, ageDays) / 7;
    return { x, tx, T: Math.max(ageDays / 7, tx) };
  });
const params = fc.record({
  r: fc.double({ min: 0.05, max: 5, noNaN: true }),
  alpha: fc.double({ min: 0.5, max: 50, noNaN: true }),
  // b below 1 makes ln(b + x − 1) undefined at x = 0: the sums must never use it there.
  a: fc.double({ min: 0.05, max: 5, noNaN: true }),
  b: fc.double({ min: 0.05, max: 5, noNaN: true }),
});
const perCustomerSum = (ll: (c: PurchaseModelCustomer) => number, customers: readonly PurchaseModelCustomer[]) =>
  customers.reduce((sum, c) => sum + ll(c), 0);

describe('groupCustomers', () => {
  it('counts each distinct (x, t_x, T) once, in first-seen order, and indexes its values', () => {
    const customers = [
      { x: 2, tx: 1, T: 3 },
      { x: 0, tx: 0, T: 3 },
      { x: 2, tx: 1, T: 3 },
      { x: 2, tx: 2, T: 4 },
    ];
    const grouped = groupCustomers(customers);
    expect(grouped.groups.map(({ x, tx, T, count }) => ({ x, tx, T, count }))).toEqual([
      { x: 2, tx: 1, T: 3, count: 2 },
      { x: 0, tx: 0, T: 3, count: 1 },
      { x: 2, tx: 2, T: 4, count: 1 },
    ]);
    expect(grouped.xs).toEqual([2, 0]);
    expect(grouped.txs).toEqual([1, 0, 2]);
    expect(grouped.Ts).toEqual([3, 4]);
  });

  it('every group points at its own values, and the counts add up to the customers', () => {
    fc.assert(
      fc.property(fc.array(customer, { maxLength: 200 }), (customers) => {
        const { xs, txs, Ts, groups } = groupCustomers(customers);
        for (const g of groups) {
          expect([xs[g.xi], txs[g.txi], Ts[g.Ti]]).toEqual([g.x, g.tx, g.T]);
        }
        expect(groups.reduce((n, g) => n + g.count, 0)).toBe(customers.length);
        expect(new Set(groups.map((g) => `${g.x}|${g.tx}|${g.T}`)).size).toBe(groups.length);
      }),
    );
  });

  it('the grouped likelihoods of BG/NBD and MBG/NBD are the per-customer sums', () => {
    fc.assert(
      fc.property(fc.array(customer, { minLength: 1, maxLength: 60 }), params, (customers, p) => {
        const bg = perCustomerSum((c) => bgnbdLogLikelihood(p, c), customers);
        const mbg = perCustomerSum((c) => mbgnbdLogLikelihood(p, c), customers);
        expect(Number.isFinite(bgnbdTotalLogLikelihood(p, customers))).toBe(true);
        expect(Math.abs(bgnbdTotalLogLikelihood(p, customers) - bg)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(bg)));
        expect(Math.abs(mbgnbdTotalLogLikelihood(p, customers) - mbg)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(mbg)));
      }),
    );
  });
});
