import { growthExponent, median, percentile, summarize } from './stats';

describe('bench statistics', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('interpolates percentiles between ranks', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([10, 20], 75)).toBe(17.5);
    expect(percentile([5], 99)).toBe(5);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  it('reports the spread of runs around their median', () => {
    const s = summarize([90, 100, 110]);
    expect(s).toMatchObject({ median: 100, min: 90, max: 110, spread: 0.1 });
  });

  it('sees linear and quadratic growth', () => {
    expect(growthExponent([{ x: 10, y: 1 }, { x: 100, y: 10 }])).toBeCloseTo(1, 10);
    expect(growthExponent([{ x: 10, y: 1 }, { x: 100, y: 100 }])).toBeCloseTo(2, 10);
  });
});
