// Intervals from the fitted parameters' uncertainty: the observed information
// against mpmath's on CDNOW, intervals that contain their estimate and narrow
// as the data grow, and close to 90 % coverage on customers simulated from
// known parameters.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { customerIntervals, deltaInterval, parameterCovariance, purchaseModelCovariance, Z_90 } from './parameter-uncertainty';
import { summarizePurchaseDays, toRepeatSummary } from './purchase-days';
import { PURCHASE_MODEL, PURCHASE_MODELS, type PurchaseModelName } from './purchase-models';
import type { PurchaseModelCustomer } from './repeat-customers';
import { ages, random, simulateBgNbd, simulateMbgNbd, simulateParetoNbd, summaryAt, type SimulatedCustomer } from './testing/simulate';
import reference from '../test-data/purchase-models-reference.json';

const CDNOW = path.resolve(__dirname, '../../../../shared/data/cdnow/CDNOW_sample.txt');

function cdnowWeeks() {
  const byCustomer = new Map<string, { occurredAt: string; amount: number }[]>();
  for (const line of fs.readFileSync(CDNOW, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [, sampleId, date] = line.trim().split(/\s+/);
    const list = byCustomer.get(sampleId) ?? [];
    byCustomer.set(sampleId, list);
    list.push({ occurredAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`, amount: 0 });
  }
  return summarizePurchaseDays(
    [...byCustomer.entries()].map(([customerId, purchases]) => ({ customerId, purchases })),
    '1997-09-30T23:59:59Z',
  ).map(toRepeatSummary);
}

/** The models' own names for the fixture's keys. */
const FIXTURE_KEY = { bgnbd: 'bgNbd', 'pareto-nbd': 'paretoNbd', 'mbg-nbd': 'mbgNbd' } as const;

// Loose handles on the registry: the tests below treat the three models alike.
type Params = Record<string, number>;
const modelOf = (model: PurchaseModelName) =>
  PURCHASE_MODEL[model] as unknown as {
    parameters: readonly string[];
    estimate(c: readonly PurchaseModelCustomer[]): { converged: true; params: Params } | { converged: false; reason: string };
    probabilityAlive(p: Params, c: PurchaseModelCustomer): number;
    conditionalExpectedPurchases(p: Params, c: PurchaseModelCustomer, t: number): number;
  };

describe('parameterCovariance', () => {
  it('is 1/n for the log-rate of an exponential sample (ℓ = n ln λ − λ Σx, so −∂²ℓ/∂(ln λ)² = n at the maximum)', () => {
    const xs = [0.3, 1.2, 0.7, 2.5, 0.1, 0.9, 1.6];
    const lambda = xs.length / xs.reduce((s, v) => s + v, 0);
    const cov = parameterCovariance(['lambda'], (p) => xs.length * Math.log(p.lambda) - p.lambda * xs.reduce((s, v) => s + v, 0), { lambda });
    expect(cov.ok).toBe(true);
    if (!cov.ok) return;
    expect(cov.logCovariance[0][0]).toBeCloseTo(1 / xs.length, 6);
    expect(cov.standardErrors.lambda).toBeCloseTo(lambda / Math.sqrt(xs.length), 6);
  });

  it('says so when the point is no maximum, or a direction is flat', () => {
    expect(parameterCovariance(['a'], (p) => (Math.log(p.a) - 1) ** 2, { a: Math.E })).toMatchObject({ ok: false, reason: expect.stringMatching(/not positive definite/) });
    expect(parameterCovariance(['a', 'b'], (p) => -((Math.log(p.a) - 1) ** 2), { a: Math.E, b: 2 })).toMatchObject({ ok: false });
    expect(parameterCovariance(['a'], () => NaN, { a: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/not finite/) });
  });

  describe("on CDNOW at the README's parameters equals mpmath's inverse observed information", () => {
    const weeks = cdnowWeeks();
    it.each(PURCHASE_MODELS)('%s', (model) => {
      const params = reference.cdnow.params[FIXTURE_KEY[model]] as Params;
      const expected = reference.cdnow.observedInformation[FIXTURE_KEY[model]].logCovariance;
      const cov = purchaseModelCovariance(model, params as never, weeks);
      expect(cov.ok).toBe(true);
      if (!cov.ok) return;
      expect(cov.names).toEqual(modelOf(model).parameters);
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          // Relative to the scale of the entry (the product of the two standard deviations). Second differences
          // of a sum of ~10⁴ lose digits to rounding; Pareto/NBD's s and β, strongly correlated, lose most (3e-5).
          const scale = Math.sqrt(expected[i][i] * expected[j][j]);
          expect({ i, j, close: Math.abs(cov.logCovariance[i][j] - expected[i][j]) < 1e-4 * scale }).toEqual({ i, j, close: true });
        }
      }
    });
  });
});

describe('deltaInterval and customerIntervals', () => {
  const weeks = cdnowWeeks();

  it('contain their estimate, stay in range, and are a point where the parameters do not matter', () => {
    for (const model of PURCHASE_MODELS) {
      const m = modelOf(model);
      const fit = m.estimate(weeks);
      if (!fit.converged) throw new Error(fit.reason);
      const cov = purchaseModelCovariance(model, fit.params as never, weeks);
      if (!cov.ok) throw new Error(cov.reason);
      for (const c of weeks.slice(0, 200)) {
        const { probabilityAlive: alive, expectedPurchases: expected } = customerIntervals(model, fit.params as never, cov, c, 39);
        expect(alive.estimate).toBe(m.probabilityAlive(fit.params, c));
        expect(expected.estimate).toBe(m.conditionalExpectedPurchases(fit.params, c, 39));
        for (const iv of [alive, expected]) {
          expect(iv.lower).toBeLessThanOrEqual(iv.estimate);
          expect(iv.upper).toBeGreaterThanOrEqual(iv.estimate);
        }
        expect(alive.lower).toBeGreaterThanOrEqual(0);
        expect(alive.upper).toBeLessThanOrEqual(1);
        expect(expected.lower).toBeGreaterThan(0);
      }
      // BG/NBD: a customer without repeat purchases is alive whatever the parameters.
      if (model === 'bgnbd') expect(customerIntervals(model, fit.params as never, cov, { x: 0, tx: 0, T: 30 }, 39).probabilityAlive).toEqual({ estimate: 1, lower: 1, upper: 1 });
      // Nothing is expected in no time.
      expect(customerIntervals(model, fit.params as never, cov, weeks[0], 0).expectedPurchases).toEqual({ estimate: 0, lower: 0, upper: 0 });
    }
  });

  it('is the normal interval of the transformed value: u ± z·se with se² = ∇uᵀ Σ ∇u', () => {
    // One parameter, g = p: on the log scale the interval is p·exp(±z·σ) for Var(ln p) = σ².
    const sigma2 = 0.04;
    const iv = deltaInterval({ ok: true, names: ['p'], logCovariance: [[sigma2]], standardErrors: { p: 0 } }, { p: 3 }, (q) => q.p, 'log');
    expect(iv.lower).toBeCloseTo(3 * Math.exp(-Z_90 * Math.sqrt(sigma2)), 8);
    expect(iv.upper).toBeCloseTo(3 * Math.exp(Z_90 * Math.sqrt(sigma2)), 8);
  });

  it('narrow as the data grow: ten times the customers (CDNOW resampled), about √10 times narrower', () => {
    const rnd = random(17);
    const tenfold = Array.from({ length: weeks.length * 10 }, () => weeks[Math.floor(rnd() * weeks.length)]);
    for (const model of PURCHASE_MODELS) {
      const widths = [weeks, tenfold].map((data) => {
        const fit = modelOf(model).estimate(data);
        if (!fit.converged) throw new Error(fit.reason);
        const cov = purchaseModelCovariance(model, fit.params as never, data);
        if (!cov.ok) throw new Error(cov.reason);
        const iv = customerIntervals(model, fit.params as never, cov, { x: 2, tx: 20, T: 38 }, 39);
        return [iv.probabilityAlive.upper - iv.probabilityAlive.lower, Math.log(iv.expectedPurchases.upper / iv.expectedPurchases.lower)];
      });
      for (const k of [0, 1]) {
        const ratio = widths[1][k] / widths[0][k];
        expect({ model, k, ratio: ratio > 0.2 && ratio < 0.45 }).toEqual({ model, k, ratio: true });
      }
    }
  });
});

describe('coverage on customers simulated from known parameters', () => {
  // Replications of 2,000 customers aged 27–39 weeks (times rounded to days, as purchase-days are); each
  // replication is fitted, and its 90 % intervals for three customer profiles are checked against the true
  // P(alive) and E[Y(39)]. Pooled over profiles and both quantities; with ~500 checks the binomial noise alone
  // is ±1.3 points, and the delta method is only asymptotically exact, so 84–96 % is asked.
  const day = (w: number) => Math.round(w * 7) / 7;
  const profiles = [
    { x: 0, tx: 0, T: 30 },
    { x: 2, tx: 20, T: 39 },
    { x: 6, tx: 36, T: 38 },
  ];
  const cases: [PurchaseModelName, Params, (p: never, n: number, horizon: number, seed: number) => SimulatedCustomer[], number][] = [
    ['bgnbd', { r: 0.25, alpha: 4.4, a: 0.8, b: 2.4 }, simulateBgNbd, 80],
    ['pareto-nbd', { r: 0.55, alpha: 10.6, s: 0.6, beta: 11.7 }, simulateParetoNbd, 60],
    ['mbg-nbd', { r: 0.52, alpha: 6.2, a: 0.89, b: 1.6 }, simulateMbgNbd, 80],
  ];

  it.each(cases)('%s', (model, truth, simulate, replications) => {
    const m = modelOf(model);
    let checks = 0;
    let hits = 0;
    for (let rep = 0; rep < replications; rep++) {
      const T = ages(2000, 27, 13, 1000 + rep);
      const data = simulate(truth as never, 2000, 60, rep + 1).map((c, i) => {
        const s = summaryAt(c, T[i]);
        return { x: s.x, tx: day(s.tx), T: T[i] };
      });
      const fit = m.estimate(data);
      if (!fit.converged) throw new Error(fit.reason);
      const cov = purchaseModelCovariance(model, fit.params as never, data);
      if (!cov.ok) throw new Error(cov.reason);
      for (const p of profiles) {
        const iv = customerIntervals(model, fit.params as never, cov, p, 39);
        const alive = m.probabilityAlive(truth, p);
        const expected = m.conditionalExpectedPurchases(truth, p, 39);
        // BG/NBD's P(alive) of a customer without repeat purchases is 1 for any parameters: nothing to cover.
        if (alive < 1) {
          checks += 1;
          if (iv.probabilityAlive.lower <= alive && alive <= iv.probabilityAlive.upper) hits += 1;
        }
        checks += 1;
        if (iv.expectedPurchases.lower <= expected && expected <= iv.expectedPurchases.upper) hits += 1;
      }
    }
    process.stdout.write(`${model}: 90 % intervals covered ${hits} of ${checks} (${((100 * hits) / checks).toFixed(1)} %)\n`);
    expect(hits / checks).toBeGreaterThan(0.84);
    expect(hits / checks).toBeLessThan(0.96);
  });
});
