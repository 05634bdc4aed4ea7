// CLV and expected spend intervals: Gamma-Gamma's covariance by the same
// inverse observed information (close to nominal coverage on simulated spend),
// the CLV interval adding the two fits' log-scale variances, and the CLV of
// any purchase model.
import { bgnbdConditionalExpectedPurchases, fitBgNbd } from './bgnbd';
import { customerLifetimeValue, lifetimeValueOf } from './clv';
import { fitGammaGamma, gammaGammaExpectedSpend, type GammaGammaCustomer, type GammaGammaParams } from './gamma-gamma';
import { customerValueIntervals, deltaInterval, gammaGammaCovariance, purchaseModelCovariance, Z_90, type ParameterCovariance } from './parameter-uncertainty';
import { ages, gammaVariate, random, simulateBgNbd, summaryAt } from './testing/simulate';

const TRUE_SPEND: GammaGammaParams = { p: 6, q: 4, v: 1500 };

/** Customers with 1–6 repeat purchase-days, each amount Gamma(p, ν), ν ~ Gamma(q, v) across customers. */
function simulateSpend(params: GammaGammaParams, n: number, seed: number): GammaGammaCustomer[] {
  const rnd = random(seed);
  return Array.from({ length: n }, () => {
    const nu = gammaVariate(rnd, params.q, params.v);
    const x = 1 + Math.floor(rnd() * 6);
    let sum = 0;
    for (let i = 0; i < x; i++) sum += gammaVariate(rnd, params.p, nu);
    return { x, monetary: Math.round(sum / x) };
  });
}

type Ok<K extends string> = Extract<ParameterCovariance<K>, { ok: true }>;
const zeroCovariance = <K extends string>(names: readonly K[]): Ok<K> => ({
  ok: true,
  names,
  logCovariance: names.map(() => names.map(() => 0)),
  standardErrors: Object.fromEntries(names.map((k) => [k, 0])) as Record<K, number>,
});

describe('lifetimeValueOf', () => {
  it('is the CLV of any expected-purchases curve, linear in spend; BG/NBD gives customerLifetimeValue', () => {
    expect(lifetimeValueOf((t) => 0.5 * t, 200, { horizonWeeks: 52, monthlyDiscountRate: 0 })).toEqual({ expectedPurchases: 26, clv: 5200 });
    const params = { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
    const customer = { x: 2, tx: 30, T: 38 };
    const options = { horizonWeeks: 39, monthlyDiscountRate: 0.01 };
    expect(lifetimeValueOf((t) => bgnbdConditionalExpectedPurchases(params, customer, t), 1234, options)).toEqual(customerLifetimeValue(params, 1234, customer, options));
  });
});

describe('gammaGammaCovariance', () => {
  it('has close to nominal coverage of the mean spend p·v/(q − 1) on data simulated from known parameters', () => {
    const truth = (TRUE_SPEND.p * TRUE_SPEND.v) / (TRUE_SPEND.q - 1);
    let covered = 0;
    const replicates = 60;
    for (let seed = 1; seed <= replicates; seed++) {
      const data = simulateSpend(TRUE_SPEND, 400, seed);
      const fit = fitGammaGamma(data);
      if (!fit.converged) throw new Error(fit.reason);
      const cov = gammaGammaCovariance(fit.params, data);
      if (!cov.ok) throw new Error(cov.reason);
      const interval = deltaInterval(cov, fit.params as Record<'p' | 'q' | 'v', number>, (q) => gammaGammaExpectedSpend(q, { x: 0, monetary: 0 }), 'log');
      if (interval.lower <= truth && truth <= interval.upper) covered++;
    }
    // 90 % nominal; 60 replicates leave a binomial spread of ±4 %.
    expect(covered / replicates).toBeGreaterThan(0.78);
    expect(covered / replicates).toBeLessThan(0.99);
  });

  it('narrows as the data grow (about √10 for ten times the customers)', () => {
    const width = (n: number) => {
      const data = simulateSpend(TRUE_SPEND, n, 7);
      const fit = fitGammaGamma(data);
      if (!fit.converged) throw new Error(fit.reason);
      const cov = gammaGammaCovariance(fit.params, data);
      if (!cov.ok) throw new Error(cov.reason);
      return cov.logCovariance[1][1] ** 0.5;
    };
    const ratio = width(500) / width(5000);
    expect(ratio).toBeGreaterThan(2.4);
    expect(ratio).toBeLessThan(4.2);
  });
});

describe('customerValueIntervals', () => {
  const rnd = random(11);
  const bg = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 };
  const T = ages(2000, 27, 12, 5);
  const customers = simulateBgNbd(bg, 2000, 40, 3).map((c, i) => summaryAt(c, T[i]));
  const fit = fitBgNbd(customers);
  if (!fit.converged) throw new Error(fit.reason);
  const cov = purchaseModelCovariance('bgnbd', fit.params, customers);
  if (!cov.ok) throw new Error(cov.reason);
  const spendData = simulateSpend(TRUE_SPEND, 800, 13);
  const gg = fitGammaGamma(spendData);
  if (!gg.converged) throw new Error(gg.reason);
  const ggCov = gammaGammaCovariance(gg.params, spendData);
  if (!ggCov.ok) throw new Error(ggCov.reason);
  const options = { horizonWeeks: 52, monthlyDiscountRate: 0.01 };
  const customer = { x: 3, tx: 20, T: 30 };
  const spender = { x: 3, monetary: 2500 + Math.round(rnd() * 10) };
  const discounted = (p: Record<string, number>) => lifetimeValueOf((t) => bgnbdConditionalExpectedPurchases(p as never, customer, t), 1, options).clv;

  it('contains the estimate: CLV = expected spend × discounted expected purchases', () => {
    const v = customerValueIntervals('bgnbd', fit.params, cov, customer, gg.params, ggCov, spender, options);
    const spend = gammaGammaExpectedSpend(gg.params, spender);
    expect(v.expectedSpend.estimate).toBe(spend);
    expect(v.clv.estimate).toBeCloseTo(customerLifetimeValue(fit.params, spend, customer, options).clv, 6);
    for (const i of [v.expectedSpend, v.clv]) {
      expect(i.lower).toBeLessThan(i.estimate);
      expect(i.upper).toBeGreaterThan(i.estimate);
    }
  });

  it('adds the two fits’ variances on the log scale', () => {
    const both = customerValueIntervals('bgnbd', fit.params, cov, customer, gg.params, ggCov, spender, options);
    const purchasesOnly = customerValueIntervals('bgnbd', fit.params, cov, customer, gg.params, zeroCovariance(['p', 'q', 'v'] as const), spender, options);
    const spendOnly = customerValueIntervals('bgnbd', fit.params, zeroCovariance(cov.names), customer, gg.params, ggCov, spender, options);
    const halfLogWidth = (i: { lower: number; upper: number }) => Math.log(i.upper / i.lower) / 2;
    // With the spend fixed, the CLV interval is the spend times the delta interval of the discounted purchases.
    const d = deltaInterval(cov, fit.params as unknown as Record<string, number>, discounted, 'log');
    expect(purchasesOnly.clv.lower).toBeCloseTo(purchasesOnly.expectedSpend.estimate * d.lower, 6);
    expect(purchasesOnly.clv.upper).toBeCloseTo(purchasesOnly.expectedSpend.estimate * d.upper, 6);
    // With the purchases fixed, it is the spend's interval scaled.
    expect(halfLogWidth(spendOnly.clv)).toBeCloseTo(halfLogWidth(spendOnly.expectedSpend), 10);
    expect(halfLogWidth(both.clv) ** 2).toBeCloseTo(halfLogWidth(purchasesOnly.clv) ** 2 + halfLogWidth(spendOnly.clv) ** 2, 10);
    expect(halfLogWidth(both.clv) / Z_90).toBeGreaterThan(0);
  });
});

describe('CLV interval coverage on data simulated from known parameters', () => {
  // Each replication draws 2,000 BG/NBD customers and 800 Gamma-Gamma spenders from the true parameters,
  // fits both, and checks the 90 % CLV intervals of four customer profiles against the CLV the true
  // parameters give. Pooled, with ~160 checks the binomial noise alone is about ±4 points.
  const bg = { r: 0.25, alpha: 4.4, a: 0.8, b: 2.4 };
  const options = { horizonWeeks: 52, monthlyDiscountRate: 0.01 };
  const profiles = [
    { customer: { x: 3, tx: 20, T: 30 }, spender: { x: 3, monetary: 2500 } },
    { customer: { x: 1, tx: 5, T: 35 }, spender: { x: 1, monetary: 1000 } },
    { customer: { x: 6, tx: 36, T: 38 }, spender: { x: 6, monetary: 1800 } },
    { customer: { x: 2, tx: 10, T: 39 }, spender: { x: 2, monetary: 4000 } },
  ];
  const trueClv = (customer: (typeof profiles)[number]['customer'], spender: GammaGammaCustomer) =>
    customerLifetimeValue(bg, gammaGammaExpectedSpend(TRUE_SPEND, spender), customer, options).clv;

  it('covers the true CLV close to 90 % of the time', () => {
    let checks = 0;
    let hits = 0;
    for (let rep = 0; rep < 40; rep++) {
      const T = ages(2000, 27, 13, 500 + rep);
      const customers = simulateBgNbd(bg, 2000, 60, 700 + rep).map((c, i) => summaryAt(c, T[i]));
      const fit = fitBgNbd(customers);
      if (!fit.converged) throw new Error(fit.reason);
      const cov = purchaseModelCovariance('bgnbd', fit.params, customers);
      if (!cov.ok) throw new Error(cov.reason);
      const spendData = simulateSpend(TRUE_SPEND, 800, 900 + rep);
      const gg = fitGammaGamma(spendData);
      if (!gg.converged) throw new Error(gg.reason);
      const ggCov = gammaGammaCovariance(gg.params, spendData);
      if (!ggCov.ok) throw new Error(ggCov.reason);
      for (const { customer, spender } of profiles) {
        const { clv } = customerValueIntervals('bgnbd', fit.params, cov, customer, gg.params, ggCov, spender, options);
        const truth = trueClv(customer, spender);
        checks += 1;
        if (clv.lower <= truth && truth <= clv.upper) hits += 1;
      }
    }
    process.stdout.write(`CLV: 90 % intervals covered ${hits} of ${checks} (${((100 * hits) / checks).toFixed(1)} %)\n`);
    expect(hits / checks).toBeGreaterThan(0.8);
    expect(hits / checks).toBeLessThan(0.98);
  });
});
