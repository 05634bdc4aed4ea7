import { bgnbdConditionalExpectedPurchases } from './bgnbd';
import { clvPerCustomer, customerLifetimeValue, lifetimeValueOf, sharedByHistory, WEEKS_PER_MONTH } from './clv';
import { gammaGammaExpectedSpend } from './gamma-gamma';

const BG = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
const GG = { p: 6.2496, q: 3.7442, v: 1544.35 };
const customer = { customerId: 'c', x: 4, tx: 30, T: 38, monetary: 2500 };

describe('CLV', () => {
  it('without discounting is expected purchases over the horizon × expected spend', () => {
    const { clv, expectedPurchases } = customerLifetimeValue(BG, 2000, customer, { horizonWeeks: 52, monthlyDiscountRate: 0 });
    const e = bgnbdConditionalExpectedPurchases(BG, customer, 52);
    expect(expectedPurchases).toBeCloseTo(e, 12);
    expect(clv).toBeCloseTo(2000 * e, 8);
  });

  it('discounts each 30-day month by (1 + d)^k, like lifetimes over 12 months', () => {
    const horizon = 12 * WEEKS_PER_MONTH;
    let expected = 0;
    for (let k = 1; k <= 12; k++) {
      const delta =
        bgnbdConditionalExpectedPurchases(BG, customer, k * WEEKS_PER_MONTH) - bgnbdConditionalExpectedPurchases(BG, customer, (k - 1) * WEEKS_PER_MONTH);
      expected += (2000 * delta) / 1.01 ** k;
    }
    expect(customerLifetimeValue(BG, 2000, customer, { horizonWeeks: horizon }).clv).toBeCloseTo(expected, 8);
  });

  it('ends a horizon that is not whole months with a partial month discounted by its fraction', () => {
    const horizon = 2.5 * WEEKS_PER_MONTH;
    const at = (t: number) => bgnbdConditionalExpectedPurchases(BG, customer, t);
    const expected =
      (1000 * at(WEEKS_PER_MONTH)) / 1.05 +
      (1000 * (at(2 * WEEKS_PER_MONTH) - at(WEEKS_PER_MONTH))) / 1.05 ** 2 +
      (1000 * (at(horizon) - at(2 * WEEKS_PER_MONTH))) / 1.05 ** 2.5;
    expect(customerLifetimeValue(BG, 1000, customer, { horizonWeeks: horizon, monthlyDiscountRate: 0.05 }).clv).toBeCloseTo(expected, 8);
  });

  it('is 0 over a zero horizon, and refuses a negative one', () => {
    expect(customerLifetimeValue(BG, 1000, customer, { horizonWeeks: 0 })).toEqual({ expectedPurchases: 0, clv: 0 });
    expect(() => customerLifetimeValue(BG, 1000, customer, { horizonWeeks: -1 })).toThrow(/horizonWeeks/);
  });

  it('per customer uses the Gamma-Gamma conditional spend', () => {
    const [row] = clvPerCustomer(BG, GG, [customer], { horizonWeeks: 52 });
    const spend = gammaGammaExpectedSpend(GG, customer);
    expect(row.expectedSpend).toBeCloseTo(spend, 9);
    expect(row.clv).toBeCloseTo(customerLifetimeValue(BG, spend, customer, { horizonWeeks: 52 }).clv, 9);
    expect(row.clv).toBeLessThan(row.expectedSpend * row.expectedPurchases);
  });

  it('computes a shared history once per horizon, to the same bits as each customer alone', () => {
    const asked: string[] = [];
    const expected = sharedByHistory((c, t) => {
      asked.push(`${c.x}/${c.tx}/${c.T}@${t.toFixed(3)}`);
      return bgnbdConditionalExpectedPurchases(BG, c, t);
    });
    const twin = { ...customer, customerId: 'twin', monetary: 900 };
    const other = { ...customer, customerId: 'other', tx: 31 };
    const shared = [customer, twin, other].map((c) => lifetimeValueOf(expected(c), 2000, { horizonWeeks: 52 }));
    const alone = [customer, twin, other].map((c) => customerLifetimeValue(BG, 2000, c, { horizonWeeks: 52 }));
    expect(shared).toEqual(alone);
    // 13 month ends (12 whole 30-day months and a partial one) for each of the two histories.
    expect(asked).toHaveLength(26);
    expect(new Set(asked).size).toBe(26);
  });
});
