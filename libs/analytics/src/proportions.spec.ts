import { newcombeInterval, wilsonInterval } from './proportions';

describe('proportion intervals', () => {
  // Newcombe (1998), "Interval estimation for the difference between independent proportions", Statistics in Medicine 17, Table II.
  it('reproduces Newcombe’s published method-10 intervals', () => {
    const cases: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.8090],
      [5, 56, 0, 29, -0.0381, 0.1926],
      [0, 10, 0, 20, -0.1611, 0.2775],
    ];
    for (const [x1, n1, x2, n2, lower, upper] of cases) {
      const interval = newcombeInterval(x1, n1, x2, n2);
      expect([interval.lower, interval.upper].map((v) => Number(v.toFixed(4)))).toEqual([lower, upper]);
    }
  });

  it('gives Wilson’s interval for one proportion, [0, 1] without trials', () => {
    // Newcombe (1998b), Table I: 81/263 → 0.2553 to 0.3662.
    const interval = wilsonInterval(81, 263);
    expect([interval.lower, interval.upper].map((v) => Number(v.toFixed(4)))).toEqual([0.2553, 0.3662]);
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1 });
    expect(wilsonInterval(0, 15).lower).toBe(0);
  });
});
