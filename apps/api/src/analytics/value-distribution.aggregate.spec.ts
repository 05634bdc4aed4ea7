import type { RankedCustomer } from '@rapport/application';
import { clvHistogram, niceStep, pAliveByValue, quantile } from './value-distribution.aggregate';

const customer = (customerId: string, clv: number | null, pAlive = 0.5, pastValue = 100): RankedCustomer => ({
  customerId,
  pAlive,
  expectedPurchases: 1,
  expectedSpend: clv === null ? null : 10,
  clv,
  pastValue,
  valueAtRisk: pastValue * (1 - pAlive),
});

describe('niceStep and quantile', () => {
  it.each([
    [0, 1],
    [0.3, 1],
    [2.2, 5],
    [3, 5],
    [12, 20],
    [21, 25],
    [26, 50],
    [99, 100],
    [101, 200],
  ])('niceStep(%p) = %p', (x, step) => expect(niceStep(x)).toBe(step));

  it('takes the nearest-rank quantile', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([], 0.5)).toBe(0);
  });
});

describe('clvHistogram', () => {
  it('bins every customer with a CLV once, the tail in an open last bin', () => {
    const ranked = [...Array.from({ length: 99 }, (_, i) => customer(`c${i}`, i * 10)), customer('whale', 1_000_000), customer('one-off', null)];
    const histogram = clvHistogram(ranked, 11);
    expect(histogram).toMatchObject({ customers: 100, withoutClv: 1, binWidth: 100 });
    expect(histogram.bins).toHaveLength(11);
    expect(histogram.bins.reduce((n, b) => n + b.customers, 0)).toBe(100);
    expect(histogram.bins[0]).toMatchObject({ lower: 0, upper: 100, customers: 10 });
    expect(histogram.bins[10]).toMatchObject({ lower: 1000, upper: null, customers: 1, clv: 1_000_000 });
    expect(histogram.totalClv).toBeCloseTo(histogram.bins.reduce((n, b) => n + b.clv, 0));
  });

  it('sums each CLV in whole minor units, as the value ranking shows it: every total is an exact integer', () => {
    const ranked = [customer('a', 0.4), customer('b', 10.5), customer('c', 7.166584428029782e-46), customer('d', 1234.4999)];
    const histogram = clvHistogram(ranked, 5);
    expect(histogram.totalClv).toBe(0 + 11 + 0 + 1234);
    for (const bin of histogram.bins) expect(Number.isInteger(bin.clv) && Number.isInteger(bin.lower)).toBe(true);
    expect(histogram.bins.reduce((n, b) => n + b.clv, 0)).toBe(histogram.totalClv);
  });

  it('has no bins when nobody has a CLV', () => {
    expect(clvHistogram([customer('a', null)], 20)).toEqual({ customers: 0, withoutClv: 1, totalClv: 0, binWidth: null, bins: [] });
  });
});

describe('pAliveByValue', () => {
  it('counts every customer in one cell of P(alive) band × value band, and sums value at risk', () => {
    const ranked = [customer('a', 1, 0.05, 10), customer('b', 1, 0.95, 20), customer('c', 1, 1, 30), customer('d', 1, 0.5, 40)];
    const grid = pAliveByValue(ranked, 10, 2);
    expect(grid.pAliveBands).toHaveLength(10);
    expect(grid.valueBands).toEqual([
      { lower: 0, upper: 30 },
      { lower: 30, upper: null },
    ]);
    expect(grid.cells).toHaveLength(20);
    const at = (valueBand: number, pAliveBand: number) => grid.cells[valueBand * 10 + pAliveBand]!;
    // 10 × (1 − 0.05) = 9.5, in whole minor units as the at-risk ranking shows it.
    expect(at(0, 0)).toMatchObject({ customers: 1, pastValue: 10, valueAtRisk: 10 });
    expect(at(0, 9)).toMatchObject({ customers: 1, pastValue: 20 });
    // P(alive) of exactly 1 belongs to the top band.
    expect(at(1, 9)).toMatchObject({ customers: 1, pastValue: 30, valueAtRisk: 0 });
    expect(at(1, 5)).toMatchObject({ customers: 1, pastValue: 40 });
    expect(grid.cells.reduce((n, c) => n + c.customers, 0)).toBe(4);
  });

  it('collapses bands when most customers spent the same', () => {
    const grid = pAliveByValue([customer('a', 1, 0.5, 10), customer('b', 1, 0.5, 10), customer('c', 1, 0.5, 10)], 4, 5);
    expect(grid.valueBands).toEqual([{ lower: 0, upper: null }]);
    expect(grid.cells).toHaveLength(4);
  });
});
