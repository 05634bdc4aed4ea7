import { fitGammaGamma, gammaGammaExpectedSpend, gammaGammaLogLikelihood, isGammaGammaCustomer } from './gamma-gamma';

/**
 * The model from its story: the mean of x Gamma(p, ν) amounts is Gamma(px, xν);
 * ν ~ Gamma(q, v). Integrate ν out numerically (Simpson on a fine grid).
 */
function densityByIntegration(p: number, q: number, v: number, x: number, mean: number, gammaPx: number, gammaQ: number): number {
  const f = (nu: number) =>
    (Math.pow(x * nu, p * x) * Math.pow(mean, p * x - 1) * Math.exp(-x * nu * mean)) / gammaPx *
    ((Math.pow(v, q) * Math.pow(nu, q - 1) * Math.exp(-v * nu)) / gammaQ);
  const upper = 10;
  const steps = 200_000;
  const h = upper / steps;
  let sum = f(0) + f(upper);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return (sum * h) / 3;
}

describe('Gamma-Gamma', () => {
  it('log-likelihood is the log of the mixture density, integrated numerically', () => {
    // p x = 4 and q = 3, so Γ(px) = 3! and Γ(q) = 2!.
    const [p, q, v, x, mean] = [2, 3, 10, 2, 7];
    const byIntegration = densityByIntegration(p, q, v, x, mean, 6, 2);
    expect(gammaGammaLogLikelihood({ p, q, v }, { x, monetary: mean })).toBeCloseTo(Math.log(byIntegration), 8);
  });

  it('expected spend is the credibility-weighted mean of the population mean and the customer mean', () => {
    const params = { p: 6.25, q: 3.74, v: 1544 };
    for (const c of [
      { x: 1, monetary: 2000 },
      { x: 10, monetary: 500 },
    ]) {
      const weight = (params.p * c.x) / (params.p * c.x + params.q - 1);
      const population = (params.p * params.v) / (params.q - 1);
      expect(gammaGammaExpectedSpend(params, c)).toBeCloseTo((1 - weight) * population + weight * c.monetary, 9);
    }
    // No repeat purchase: the population mean.
    expect(gammaGammaExpectedSpend(params, { x: 0, monetary: 0 })).toBeCloseTo((params.p * params.v) / (params.q - 1), 9);
    // q ≤ 1: the population mean does not exist.
    expect(gammaGammaExpectedSpend({ p: 1, q: 0.5, v: 10 }, { x: 0, monetary: 0 })).toBe(Infinity);
  });

  it('fits in any unit: p and q stay, v scales, and the log-likelihood shifts by −n·ln(scale)', () => {
    const cents = Array.from({ length: 60 }, (_, i) => ({ x: 1 + (i % 5), monetary: 800 + ((i * 7919) % 3000) }));
    const dollars = cents.map((c) => ({ ...c, monetary: c.monetary / 100 }));
    const a = fitGammaGamma(cents);
    const b = fitGammaGamma(dollars);
    if (!a.converged || !b.converged) throw new Error('both fits should converge');
    // To the optimiser's precision along the p–q–v ridge (relative 1e-5).
    const same = (x: number, y: number) => Math.abs(x / y - 1) < 1e-5;
    expect(same(a.params.p, b.params.p)).toBe(true);
    expect(same(a.params.q, b.params.q)).toBe(true);
    expect(same(a.params.v / 100, b.params.v)).toBe(true);
    expect(a.logLikelihood).toBeCloseTo(b.logLikelihood - 60 * Math.log(100), 6);
  });

  it('uses only customers with a repeat purchase and a positive amount', () => {
    expect(isGammaGammaCustomer({ x: 0, monetary: 0 })).toBe(false);
    expect(isGammaGammaCustomer({ x: 2, monetary: 0 })).toBe(false);
    expect(isGammaGammaCustomer({ x: 2, monetary: 1 })).toBe(true);
    expect(fitGammaGamma([{ x: 0, monetary: 0 }])).toEqual({
      converged: false,
      reason: 'no customer with a repeat purchase and a positive amount',
      iterations: 0,
    });
  });

  it('identical customers (no spread in spend) have no interior maximum, and the fit says so', () => {
    const fit = fitGammaGamma(Array.from({ length: 30 }, () => ({ x: 3, monetary: 2500 })));
    expect(fit.converged).toBe(false);
    if (fit.converged) return;
    expect(fit.reason).toMatch(/boundary|flat|no convergence/);
    expect(fit).not.toHaveProperty('params');
  });
});
