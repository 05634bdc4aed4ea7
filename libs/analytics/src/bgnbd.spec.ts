import {
  bgnbdConditionalExpectedPurchases,
  bgnbdExpectedPurchases,
  bgnbdLogLikelihood,
  bgnbdPredict,
  bgnbdProbabilityAlive,
  fitBgNbd,
  type BgNbdParams,
} from './bgnbd';
import { gammaVariate as gamma, random } from './testing/simulate';

const PARAMS: BgNbdParams = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };

/**
 * Eq. 6 written as the paper prints it, with the gamma and beta ratios as
 * products for integer x: Γ(r+x)/Γ(r) = Π (r+j), B(a, b+x)/B(a, b) = Π (b+j)/(a+b+j).
 */
function likelihoodByProducts(p: BgNbdParams, x: number, tx: number, T: number): number {
  let gammaRatio = 1;
  let betaRatio = 1;
  for (let j = 0; j < x; j++) {
    gammaRatio *= p.r + j;
    betaRatio *= (p.b + j) / (p.a + p.b + j);
  }
  const common = betaRatio * gammaRatio * Math.pow(p.alpha, p.r);
  const stillAlive = Math.pow(p.alpha + T, -(p.r + x));
  const droppedOut = x > 0 ? (p.a / (p.b + x - 1)) * Math.pow(p.alpha + tx, -(p.r + x)) : 0;
  return common * (stillAlive + droppedOut);
}

/** Customers drawn from the BG/NBD story, observed for T weeks after their first purchase. */
function simulate(p: BgNbdParams, n: number, seed: number) {
  const rnd = random(seed);
  return Array.from({ length: n }, () => {
    const T = 20 + Math.floor(rnd() * 30);
    const lambda = gamma(rnd, p.r, p.alpha);
    const ga = gamma(rnd, p.a, 1);
    const dropout = ga / (ga + gamma(rnd, p.b, 1));
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - rnd()) / lambda;
      if (t > T) break;
      x += 1;
      tx = t;
      if (rnd() < dropout) break;
    }
    return { x, tx, T };
  });
}

describe('BG/NBD', () => {
  it('log-likelihood equals the log of eq. 6 computed with plain products', () => {
    for (const [x, tx, T] of [
      [0, 0, 38.86],
      [1, 1.71, 38.86],
      [2, 30.43, 38.86],
      [7, 29.43, 38.86],
      [21, 36.9, 38.0],
    ]) {
      expect(bgnbdLogLikelihood(PARAMS, { x, tx, T })).toBeCloseTo(Math.log(likelihoodByProducts(PARAMS, x, tx, T)), 10);
    }
  });

  it('stays finite where the raw products overflow or underflow', () => {
    const heavy = { x: 400, tx: 2000, T: 2001 };
    // As products: Γ(r+x)/Γ(r) overflows, the powers underflow, and ∞ · 0 is NaN.
    expect(Number.isFinite(Math.log(likelihoodByProducts(PARAMS, heavy.x, heavy.tx, heavy.T)))).toBe(false);
    const ll = bgnbdLogLikelihood(PARAMS, heavy);
    expect(Number.isFinite(ll)).toBe(true);
    expect(bgnbdProbabilityAlive(PARAMS, heavy)).toBeGreaterThan(0.9);
    const gone = { x: 400, tx: 100, T: 2001 };
    expect(bgnbdProbabilityAlive(PARAMS, gone)).toBe(0); // odds of e^1000 without overflow to NaN
    expect(bgnbdConditionalExpectedPurchases(PARAMS, gone, 52)).toBe(0);
    const e = bgnbdConditionalExpectedPurchases(PARAMS, heavy, 52);
    expect(Number.isFinite(e)).toBe(true);
    expect(e).toBeGreaterThan(0);
  });

  it('expectations grow with the horizon, stay finite for long horizons and are 0 at t = 0', () => {
    const c = { x: 3, tx: 20, T: 38 };
    let previous = 0;
    for (const t of [0, 1, 4, 13, 52, 260, 1040, 5200]) {
      const e = bgnbdConditionalExpectedPurchases(PARAMS, c, t);
      expect(Number.isFinite(e)).toBe(true);
      expect(e).toBeGreaterThanOrEqual(previous);
      previous = e;
    }
    expect(bgnbdConditionalExpectedPurchases(PARAMS, c, 0)).toBe(0);
    expect(bgnbdExpectedPurchases(PARAMS, 0)).toBeCloseTo(0, 15);
  });

  it('P(alive) is 1 without repeat purchases and falls as the last purchase recedes', () => {
    expect(bgnbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 30 })).toBe(1);
    const recent = bgnbdProbabilityAlive(PARAMS, { x: 4, tx: 29, T: 30 });
    const stale = bgnbdProbabilityAlive(PARAMS, { x: 4, tx: 5, T: 30 });
    expect(recent).toBeGreaterThan(stale);
    expect(stale).toBeGreaterThan(0);
  });

  it('the removable singularity at a = 1 is continuous', () => {
    const c = { x: 2, tx: 10, T: 30 };
    const at = (a: number) => bgnbdConditionalExpectedPurchases({ ...PARAMS, a }, c, 26);
    expect(at(1)).toBeCloseTo((at(1 - 1e-4) + at(1 + 1e-4)) / 2, 6);
    expect(bgnbdExpectedPurchases({ ...PARAMS, a: 1 }, 26)).toBeCloseTo(
      (bgnbdExpectedPurchases({ ...PARAMS, a: 1 - 1e-4 }, 26) + bgnbdExpectedPurchases({ ...PARAMS, a: 1 + 1e-4 }, 26)) / 2,
      6,
    );
  });

  it('recovers the parameters of simulated customers', () => {
    const truth: BgNbdParams = { r: 0.5, alpha: 6, a: 0.7, b: 2.5 };
    const fit = fitBgNbd(simulate(truth, 8000, 42));
    expect(fit.converged).toBe(true);
    if (!fit.converged) return;
    // Sampling error with 8,000 customers: r and α within 15 %, a and b within 35 %.
    expect(Math.abs(fit.params.r / truth.r - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.alpha / truth.alpha - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.a / truth.a - 1)).toBeLessThan(0.35);
    expect(Math.abs(fit.params.b / truth.b - 1)).toBeLessThan(0.35);
  });

  it('is deterministic: the same data give the same fit to the last bit', () => {
    const data = simulate({ r: 0.5, alpha: 6, a: 0.7, b: 2.5 }, 500, 7);
    expect(fitBgNbd(data)).toEqual(fitBgNbd(data));
  });

  describe('a fit that cannot converge says so and gives no parameters', () => {
    it('everybody made one purchase: no interior maximum', () => {
      const fit = fitBgNbd(Array.from({ length: 100 }, (_, i) => ({ x: 0, tx: 0, T: 10 + (i % 30) })));
      expect(fit.converged).toBe(false);
      if (fit.converged) return;
      expect(fit.reason).toMatch(/boundary|flat|no convergence/);
      expect(fit).not.toHaveProperty('params');
    });

    it('no customers', () => {
      expect(fitBgNbd([])).toEqual({ converged: false, reason: 'no customers to fit', iterations: 0 });
    });

    it('the iteration limit runs out', () => {
      const fit = fitBgNbd(simulate({ r: 0.5, alpha: 6, a: 0.7, b: 2.5 }, 300, 3), { maxIterations: 20 });
      expect(fit).toMatchObject({ converged: false, reason: expect.stringMatching(/no convergence within 20 iterations/) });
    });
  });

  it('refuses inconsistent customers', () => {
    expect(() => fitBgNbd([{ x: 1, tx: 5, T: 4 }])).toThrow(/t_x/);
    expect(() => fitBgNbd([{ x: 1.5, tx: 1, T: 4 }])).toThrow(/integer/);
    expect(() => fitBgNbd([{ x: 0, tx: 1, T: 4 }])).toThrow(/t_x = 0/);
  });

  it('predicts per customer', () => {
    const [p] = bgnbdPredict(PARAMS, [{ customerId: 'c', x: 2, tx: 30.43, T: 38.86 }], 39);
    expect(p.customerId).toBe('c');
    expect(p.probabilityAlive).toBeCloseTo(bgnbdProbabilityAlive(PARAMS, { x: 2, tx: 30.43, T: 38.86 }), 15);
    expect(p.expectedPurchases).toBeCloseTo(bgnbdConditionalExpectedPurchases(PARAMS, { x: 2, tx: 30.43, T: 38.86 }, 39), 15);
  });
});
