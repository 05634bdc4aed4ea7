import {
  fitMbgNbd,
  mbgnbdConditionalExpectedPurchases,
  mbgnbdExpectedPurchases,
  mbgnbdLogLikelihood,
  mbgnbdProbabilityAlive,
  mbgnbdTotalLogLikelihood,
  type MbgNbdParams,
} from './mbg-nbd';
import { ages, simulateMbgNbd, summaryAt } from './testing/simulate';

const PARAMS: MbgNbdParams = { r: 0.5248, alpha: 6.1831, a: 0.8914, b: 1.614 };

/**
 * The likelihood with the gamma and beta ratios as products for integer x:
 * Γ(r+x)/Γ(r) α^r · [B(a, b+x+1)/B(a, b) (α+T)^{−(r+x)} + B(a+1, b+x)/B(a, b) (α+t_x)^{−(r+x)}],
 * B(a, b+x+1)/B(a, b) = Π_{j≤x} (b+j)/(a+b+j) and B(a+1, b+x)/B(a, b) = a/(a+b) Π_{j<x} (b+j)/(a+b+1+j).
 */
function likelihoodByProducts(p: MbgNbdParams, x: number, tx: number, T: number): number {
  let gammaRatio = 1;
  let survive = 1;
  let drop = p.a / (p.a + p.b);
  for (let j = 0; j < x; j++) {
    gammaRatio *= p.r + j;
    drop *= (p.b + j) / (p.a + p.b + 1 + j);
  }
  for (let j = 0; j <= x; j++) survive *= (p.b + j) / (p.a + p.b + j);
  return gammaRatio * Math.pow(p.alpha, p.r) * (survive * Math.pow(p.alpha + T, -(p.r + x)) + drop * Math.pow(p.alpha + tx, -(p.r + x)));
}

/** ₂F₁ by its power series (c > 0, 0 ≤ z < 1). */
function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let n = 0; n < 1_000_000; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) return sum;
  }
  throw new Error('series did not converge');
}

describe('MBG/NBD', () => {
  it('log-likelihood equals the log of the likelihood computed with plain products', () => {
    for (const [x, tx, T] of [
      [0, 0, 38.86],
      [1, 1.71, 38.86],
      [2, 30.43, 38.86],
      [7, 29.43, 38.86],
      [21, 36.9, 38.0],
    ]) {
      expect(mbgnbdLogLikelihood(PARAMS, { x, tx, T })).toBeCloseTo(Math.log(likelihoodByProducts(PARAMS, x, tx, T)), 10);
    }
  });

  it('the grouped sum is the plain per-customer sum', () => {
    const customers = [
      { x: 0, tx: 0, T: 30 },
      { x: 0, tx: 0, T: 30 },
      { x: 2, tx: 10, T: 30 },
      { x: 5, tx: 29, T: 31 },
    ];
    expect(mbgnbdTotalLogLikelihood(PARAMS, customers)).toBeCloseTo(
      customers.reduce((sum, c) => sum + mbgnbdLogLikelihood(PARAMS, c), 0),
      10,
    );
  });

  it('P(alive) is 1/(1 + a/(b+x)·((α+T)/(α+t_x))^{r+x}), below 1 without repeat purchases (unlike BG/NBD)', () => {
    const { r, alpha, a, b } = PARAMS;
    for (const [x, tx, T] of [
      [0, 0, 38],
      [0, 0, 0],
      [3, 20, 38],
      [3, 37.9, 38],
    ]) {
      expect(mbgnbdProbabilityAlive(PARAMS, { x, tx, T })).toBeCloseTo(1 / (1 + (a / (b + x)) * Math.pow((alpha + T) / (alpha + tx), r + x)), 14);
    }
    expect(mbgnbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 0 })).toBeCloseTo(b / (a + b), 14);
  });

  it('E[Y(t) | x, t_x, T] is the closed form with a series ₂F₁, grows with t and is continuous through a = 1', () => {
    const { r, alpha, a, b } = PARAMS;
    for (const c of [
      { x: 0, tx: 0, T: 38 },
      { x: 3, tx: 20, T: 38 },
      { x: 12, tx: 37, T: 38 },
    ]) {
      let previous = 0;
      for (const t of [1, 10, 39, 52, 260]) {
        const { x, T } = c;
        const z = t / (alpha + T + t);
        const closed =
          ((a + b + x) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1Series(r + x, b + x + 1, a + b + x, z)) * mbgnbdProbabilityAlive(PARAMS, c);
        const e = mbgnbdConditionalExpectedPurchases(PARAMS, c, t);
        expect(Math.abs(e - closed)).toBeLessThanOrEqual(1e-10 * Math.max(1, closed));
        expect(e).toBeGreaterThan(previous);
        previous = e;
      }
      const at = (aa: number) => mbgnbdConditionalExpectedPurchases({ ...PARAMS, a: aa }, c, 26);
      expect(at(1)).toBeCloseTo((at(1 - 1e-4) + at(1 + 1e-4)) / 2, 6);
    }
    expect(mbgnbdConditionalExpectedPurchases(PARAMS, { x: 2, tx: 1, T: 5 }, 0)).toBe(0);
  });

  it('unconditional E[X(t)] is b/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]', () => {
    const { r, alpha, a, b } = PARAMS;
    for (const t of [1, 13, 39, 78]) {
      const closed = (b / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1Series(r, b + 1, a + b, t / (alpha + t)));
      expect(mbgnbdExpectedPurchases(PARAMS, t)).toBeCloseTo(closed, 12);
    }
  });

  it('recovers the parameters of simulated customers', () => {
    const truth: MbgNbdParams = { r: 0.5, alpha: 6, a: 0.9, b: 2 };
    const T = ages(8000, 20, 30, 13);
    const fit = fitMbgNbd(simulateMbgNbd(truth, 8000, 50, 42).map((c, i) => summaryAt(c, T[i])));
    expect(fit.converged).toBe(true);
    if (!fit.converged) return;
    expect(Math.abs(fit.params.r / truth.r - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.alpha / truth.alpha - 1)).toBeLessThan(0.15);
    // a and b move together (refits on 40,000 customers of other seeds scatter b by ±15 %); their mean
    // dropout probability a/(a+b) is pinned down far better.
    expect(Math.abs(fit.params.a / (fit.params.a + fit.params.b) / (truth.a / (truth.a + truth.b)) - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.a / truth.a - 1)).toBeLessThan(0.5);
    expect(Math.abs(fit.params.b / truth.b - 1)).toBeLessThan(0.5);
  });

  it('a fit that cannot converge says so', () => {
    expect(fitMbgNbd([])).toEqual({ converged: false, reason: 'no customers to fit', iterations: 0 });
    const T = ages(300, 20, 30, 5);
    const data = simulateMbgNbd({ r: 0.5, alpha: 6, a: 0.9, b: 2 }, 300, 50, 3).map((c, i) => summaryAt(c, T[i]));
    expect(fitMbgNbd(data, { maxIterations: 20 })).toMatchObject({ converged: false, reason: expect.stringMatching(/no convergence within 20 iterations/) });
    expect(() => fitMbgNbd([{ x: 1, tx: 5, T: 4 }])).toThrow(/t_x/);
  });
});
