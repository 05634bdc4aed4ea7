// log ₂F₁(a, b; a+1; z) against mpmath (test-data/purchase-models-reference.py
// wrote the values at 60 digits): the arguments the CDNOW Pareto/NBD fit
// reaches, and far beyond, up to 1 − z = 10⁻¹², integer and nearly integer b.
import { lnGammaRatioOverEps, logHyp2f1APlus1 } from './hypergeometric';
import { gammaln } from './special';
import reference from '../test-data/purchase-models-reference.json';

const rows = reference.hyp2f1APlus1;
const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.max(1, Math.abs(expected));

describe('logHyp2f1APlus1', () => {
  it(`agrees with mpmath to 1e-13 on all ${rows.length} reference points`, () => {
    const misses = rows.filter((row) => !(relativeError(logHyp2f1APlus1(row.a, row.b, row.z, row.y), row.log) <= 1e-13));
    expect(misses).toEqual([]);
    // The grid reaches both routes, and 1 − z = 0.0101 and 0.0099 straddle the hand-over between them.
    expect(rows.some((row) => row.y < 1e-9)).toBe(true);
    expect(rows.some((row) => row.y === 0.0101) && rows.some((row) => row.y === 0.0099)).toBe(true);
    expect(rows.some((row) => row.z > 0 && row.z <= 0.1)).toBe(true);
    expect(rows.some((row) => Number.isInteger(row.b) && row.y < 1e-3)).toBe(true);
  });

  it('is continuous through integer b near z = 1, where the 1−z transformation has its poles', () => {
    for (const b of [1, 2, 3, 7]) {
      const at = (bb: number) => logHyp2f1APlus1(12.5, bb, 1 - 1e-7, 1e-7);
      const exact = at(b);
      for (const eps of [1e-15, 1e-12, 1e-9, 1e-6]) {
        // d/db log F is about −log(1−z) ≈ 16 here: a step of ε moves the value by about 16ε.
        expect(Math.abs(at(b + eps) - exact)).toBeLessThan(40 * eps + 1e-13);
        expect(Math.abs(at(b - eps) - exact)).toBeLessThan(40 * eps + 1e-13);
      }
    }
  });

  it('grows with z and is 0 at z = 0', () => {
    expect(logHyp2f1APlus1(2, 1.5, 0)).toBe(0);
    let previous = 0;
    for (const y of [0.9, 0.5, 0.1, 0.011, 0.009, 1e-3, 1e-6, 1e-10]) {
      const v = logHyp2f1APlus1(3.2, 1.6, 1 - y, y);
      expect(v).toBeGreaterThan(previous);
      previous = v;
    }
  });

  it('stays finite where ₂F₁ itself overflows a double', () => {
    // ₂F₁(31.2, 30.5; 32.2; 1 − 10⁻¹²) ≈ 10^{29.5·12}: its logarithm is an ordinary number.
    const v = logHyp2f1APlus1(31.2, 30.5, 1 - 1e-12, 1e-12);
    expect(v).toBeGreaterThan(700);
    expect(Number.isFinite(v)).toBe(true);
  });

  it('answers NaN at once where no route applies (an optimiser then steps back), and takes a + 1 − b exactly', () => {
    expect(logHyp2f1APlus1(6e7, 1.5, 1 - 2e-3, 2e-3)).toBeNaN();
    expect(logHyp2f1APlus1(8497, 8498, 1 - 2e-5, 2e-5, 1e-9)).toBeNaN();
    // s = 10¹³, r = 10⁻¹³: b = s + 1 rounds to a + 1, yet a + 1 − b = r + x is known.
    const v = logHyp2f1APlus1(1e13, 1e13 + 1, 0.5, 0.5, 1e-13);
    expect(Number.isFinite(v)).toBe(true);
  });

  it('refuses arguments outside its domain', () => {
    expect(() => logHyp2f1APlus1(1, 2.5, 0.5)).toThrow(RangeError);
    expect(() => logHyp2f1APlus1(1, 0.5, 1)).toThrow(RangeError);
    expect(() => logHyp2f1APlus1(1, 0.5, -0.1)).toThrow(RangeError);
    expect(() => logHyp2f1APlus1(1, 0.5, 0.5, 0.4)).toThrow(RangeError);
  });
});

describe('lnGammaRatioOverEps', () => {
  it('is [lnΓ(a) − lnΓ(a−ε)]/ε (the plain difference, accurate to ~1e-13 at these ε)', () => {
    for (const a of [0.3, 1, 2.5, 14.2, 80]) {
      for (const eps of [0.5, 0.2, -0.3, -0.5]) {
        if (a - eps <= 0) continue;
        expect(lnGammaRatioOverEps(a, eps)).toBeCloseTo((gammaln(a) - gammaln(a - eps)) / eps, 11);
      }
    }
  });

  it('is ψ(a) at ε = 0 and continuous there', () => {
    const eulerGamma = 0.5772156649015329;
    expect(lnGammaRatioOverEps(1, 0)).toBeCloseTo(-eulerGamma, 14);
    expect(lnGammaRatioOverEps(0.5, 0)).toBeCloseTo(-eulerGamma - 2 * Math.LN2, 14);
    // ψ(n) = −γ + Σ_{k<n} 1/k
    expect(lnGammaRatioOverEps(20, 0)).toBeCloseTo(-eulerGamma + Array.from({ length: 19 }, (_, k) => 1 / (k + 1)).reduce((s, v) => s + v), 13);
    for (const a of [0.3, 3, 40]) {
      // The slope in ε is −ψ'(a)/2, below 1/a² + 1/a in size.
      expect(Math.abs(lnGammaRatioOverEps(a, 1e-9) - lnGammaRatioOverEps(a, 0))).toBeLessThan(1e-9 * (1 / a ** 2 + 1 / a) + 1e-14);
    }
  });
});
