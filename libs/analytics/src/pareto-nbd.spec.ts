import {
  fitParetoNbd,
  paretoNbdConditionalExpectedPurchases,
  paretoNbdExpectedPurchases,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
  paretoNbdTotalLogLikelihood,
  type ParetoNbdParams,
} from './pareto-nbd';
import { ages, random, simulateParetoNbd, summaryAt } from './testing/simulate';
import reference from '../test-data/purchase-models-reference.json';

const PARAMS: ParetoNbdParams = { r: 0.5533, alpha: 10.5777, s: 0.6062, beta: 11.6687 };

/** E[Y(t) | x, t_x, T] of the note's eq. 26 with Math.pow, given P(alive). */
function eq26(p: ParetoNbdParams, x: number, T: number, t: number, pAlive: number): number {
  const { r, alpha, s, beta } = p;
  return ((((r + x) * (beta + T)) / ((alpha + T) * (s - 1))) * (1 - Math.pow((beta + T) / (beta + T + t), s - 1))) * pAlive;
}

describe('Pareto/NBD', () => {
  // mpmath: the defining integral by quadrature, checked against the note's ₂F₁ form (see the script).
  const cases = reference.paretoNbd;

  it(`log-likelihood and P(alive) equal mpmath's for ${cases.length} customers at ordinary and extreme parameters`, () => {
    expect(new Set(cases.map((c) => c.case)).size).toBeGreaterThanOrEqual(8);
    const misses = cases.flatMap((c) => {
      const params = { r: c.r, alpha: c.alpha, s: c.s, beta: c.beta };
      const customer = { x: c.x, tx: c.tx, T: c.T };
      const ll = paretoNbdLogLikelihood(params, customer);
      const pAlive = paretoNbdProbabilityAlive(params, customer);
      const ok = Math.abs(ll - c.logLikelihood) <= 1e-11 * Math.max(1, Math.abs(c.logLikelihood)) && Math.abs(pAlive - c.pAlive) <= 1e-12;
      return ok ? [] : [{ ...c, ll, pAlive }];
    });
    expect(misses).toEqual([]);
  });

  it('the grouped sum the optimiser maximises is the plain per-customer sum', () => {
    const customers = [
      { x: 0, tx: 0, T: 30 },
      { x: 0, tx: 0, T: 30 },
      { x: 2, tx: 10, T: 30 },
      { x: 2, tx: 10, T: 30 },
      { x: 2, tx: 11, T: 30 },
      { x: 5, tx: 29, T: 31 },
    ];
    const plain = customers.reduce((sum, c) => sum + paretoNbdLogLikelihood(PARAMS, c), 0);
    expect(paretoNbdTotalLogLikelihood(PARAMS, customers)).toBeCloseTo(plain, 10);
  });

  it('P(alive) falls as the last purchase recedes and is below 1 even without repeat purchases', () => {
    const recent = paretoNbdProbabilityAlive(PARAMS, { x: 4, tx: 29, T: 30 });
    const stale = paretoNbdProbabilityAlive(PARAMS, { x: 4, tx: 5, T: 30 });
    expect(recent).toBeGreaterThan(stale);
    expect(stale).toBeGreaterThan(0);
    const quiet = paretoNbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 30 });
    expect(quiet).toBeLessThan(1);
    expect(quiet).toBeGreaterThan(paretoNbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 60 }));
    // Bought on the day she was last seen: certainly alive.
    expect(paretoNbdProbabilityAlive(PARAMS, { x: 3, tx: 30, T: 30 })).toBe(1);
  });

  it('E[Y(t) | x, t_x, T] is eq. 26, grows with t, is 0 at t = 0 and continuous through s = 1', () => {
    for (const c of [
      { x: 0, tx: 0, T: 38 },
      { x: 3, tx: 20, T: 38 },
      { x: 12, tx: 37, T: 38 },
    ]) {
      let previous = 0;
      for (const t of [1, 10, 39, 52, 520]) {
        const e = paretoNbdConditionalExpectedPurchases(PARAMS, c, t);
        expect(e).toBeCloseTo(eq26(PARAMS, c.x, c.T, t, paretoNbdProbabilityAlive(PARAMS, c)), 12);
        expect(e).toBeGreaterThan(previous);
        previous = e;
      }
      expect(paretoNbdConditionalExpectedPurchases(PARAMS, c, 0)).toBe(0);
      const at = (s: number) => paretoNbdConditionalExpectedPurchases({ ...PARAMS, s }, c, 52);
      expect(at(1)).toBeCloseTo((at(1 - 1e-5) + at(1 + 1e-5)) / 2, 9);
    }
  });

  it('unconditional E[X(t)] is rβ/(α(s−1))·[1 − (β/(β+t))^{s−1}]', () => {
    const { r, alpha, s, beta } = PARAMS;
    for (const t of [1, 13, 39, 78]) {
      expect(paretoNbdExpectedPurchases(PARAMS, t)).toBeCloseTo(((r * beta) / (alpha * (s - 1))) * (1 - Math.pow(beta / (beta + t), s - 1)), 12);
    }
    expect(paretoNbdExpectedPurchases({ ...PARAMS, s: 1 }, 26)).toBeCloseTo(((r * beta) / alpha) * Math.log1p(26 / beta), 12);
  });

  it('stays finite for customers with many purchases and parameters far apart', () => {
    for (const params of [PARAMS, { r: 2, alpha: 1e6, s: 0.6, beta: 0.3 }, { r: 0.4, alpha: 0.001, s: 3, beta: 1e7 }]) {
      for (const c of [
        { x: 400, tx: 2000, T: 2001 },
        { x: 400, tx: 100, T: 2001 },
        { x: 0, tx: 0, T: 0.01 },
      ]) {
        expect(Number.isFinite(paretoNbdLogLikelihood(params, c))).toBe(true);
        const alive = paretoNbdProbabilityAlive(params, c);
        expect(alive).toBeGreaterThanOrEqual(0);
        expect(alive).toBeLessThanOrEqual(1);
        expect(Number.isFinite(paretoNbdConditionalExpectedPurchases(params, c, 52))).toBe(true);
      }
    }
  });

  it('recovers the parameters of simulated customers', () => {
    const truth: ParetoNbdParams = { r: 0.6, alpha: 8, s: 0.8, beta: 12 };
    const T = ages(8000, 20, 30, 11);
    const customers = simulateParetoNbd(truth, 8000, 50, 42).map((c, i) => summaryAt(c, T[i]));
    const fit = fitParetoNbd(customers);
    expect(fit.converged).toBe(true);
    if (!fit.converged) return;
    // Sampling error with 8,000 customers: r and α within 15 %, s and β (the lifetime, seen only through its end) within 40 %.
    expect(Math.abs(fit.params.r / truth.r - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.alpha / truth.alpha - 1)).toBeLessThan(0.15);
    expect(Math.abs(fit.params.s / truth.s - 1)).toBeLessThan(0.4);
    expect(Math.abs(fit.params.beta / truth.beta - 1)).toBeLessThan(0.4);
  });

  it('is deterministic: the same data give the same fit to the last bit', () => {
    const T = ages(500, 20, 30, 3);
    const data = simulateParetoNbd({ r: 0.6, alpha: 8, s: 0.8, beta: 12 }, 500, 50, 7).map((c, i) => summaryAt(c, T[i]));
    expect(fitParetoNbd(data)).toEqual(fitParetoNbd(data));
  });

  describe('a fit that cannot converge says so and gives no parameters', () => {
    it('no customers', () => {
      expect(fitParetoNbd([])).toEqual({ converged: false, reason: 'no customers to fit', iterations: 0 });
    });

    it('everybody made one purchase: no interior maximum', () => {
      const fit = fitParetoNbd(Array.from({ length: 100 }, (_, i) => ({ x: 0, tx: 0, T: 10 + (i % 30) })));
      expect(fit.converged).toBe(false);
      expect(fit).not.toHaveProperty('params');
    });

    it('the iteration limit runs out', () => {
      const T = ages(300, 20, 30, 5);
      const data = simulateParetoNbd({ r: 0.6, alpha: 8, s: 0.8, beta: 12 }, 300, 50, 3).map((c, i) => summaryAt(c, T[i]));
      expect(fitParetoNbd(data, { maxIterations: 20 })).toMatchObject({ converged: false, reason: expect.stringMatching(/no convergence within 20 iterations/) });
    });
  });

  it('on tiny data neither throws nor takes long where the search runs to the edge of its box', () => {
    // r and α towards 10⁸ (no heterogeneity), r tiny beside s (s + 1 = r + s + 1 in doubles): corners where ₂F₁
    // once threw, or summed 200,000 terms per call for a minute per fit.
    const rnd = random(9);
    for (let i = 0; i < 40; i++) {
      const customers = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
        const T = Math.floor(rnd() * 60) / 7;
        const x = Math.floor(rnd() * 4);
        return { x, tx: x === 0 ? 0 : Math.floor(rnd() * T * 7) / 7, T };
      });
      const started = performance.now();
      const fit = fitParetoNbd(customers);
      expect({ customers, ms: performance.now() - started < 5_000 }).toEqual({ customers, ms: true });
      if (fit.converged) expect(Number.isFinite(fit.logLikelihood)).toBe(true);
      else expect(fit.reason).toEqual(expect.any(String));
    }
  });

  it('refuses inconsistent customers', () => {
    expect(() => fitParetoNbd([{ x: 1, tx: 5, T: 4 }])).toThrow(/t_x/);
    expect(() => fitParetoNbd([{ x: 1.5, tx: 1, T: 4 }])).toThrow(/integer/);
    expect(() => fitParetoNbd([{ x: 0, tx: 1, T: 4 }])).toThrow(/t_x = 0/);
  });
});
