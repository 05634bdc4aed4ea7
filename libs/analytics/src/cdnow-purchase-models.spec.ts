// Pareto/NBD and MBG/NBD on CDNOW as of 1997-09-30 (../shared/data/cdnow):
// the fits against the README's figures, and likelihoods, P(alive) and
// conditional expectations against mpmath's (test-data/purchase-models-reference.py
// computes them from the raw file on its own).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bgnbdTotalLogLikelihood, fitBgNbd } from './bgnbd';
import { holdoutData, rankModels, validateHoldout, type HoldoutValidation } from './holdout-validation';
import { fitMbgNbd, mbgnbdConditionalExpectedPurchases, mbgnbdProbabilityAlive, mbgnbdTotalLogLikelihood } from './mbg-nbd';
import { fitParetoNbd, paretoNbdConditionalExpectedPurchases, paretoNbdProbabilityAlive, paretoNbdTotalLogLikelihood } from './pareto-nbd';
import { summarizePurchaseDays, toRepeatSummary, type CustomerPurchases } from './purchase-days';
import { PURCHASE_MODEL, PURCHASE_MODELS, type PurchaseModelName } from './purchase-models';
import { hyp2f1 } from './special';
import reference from '../test-data/purchase-models-reference.json';

const CDNOW = path.resolve(__dirname, '../../../../shared/data/cdnow/CDNOW_sample.txt');
const AS_OF = '1997-09-30T23:59:59Z';

/** `master_id sample_id YYYYMMDD n_cds dollars`; customer = sample_id without leading zeros. */
function loadCdnow(): CustomerPurchases[] {
  const byCustomer = new Map<string, { occurredAt: string; amount: number }[]>();
  for (const line of fs.readFileSync(CDNOW, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [, sampleId, date] = line.trim().split(/\s+/);
    const id = String(Number(sampleId));
    const list = byCustomer.get(id) ?? [];
    byCustomer.set(id, list);
    list.push({ occurredAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`, amount: 0 });
  }
  return [...byCustomer.entries()].map(([customerId, purchases]) => ({ customerId, purchases }));
}

const within = (actual: number, expected: number, relative: number) => Math.abs(actual - expected) <= relative * Math.abs(expected);

describe('Pareto/NBD and MBG/NBD on CDNOW, as of 1997-09-30', () => {
  const weeks = summarizePurchaseDays(loadCdnow(), AS_OF).map(toRepeatSummary);
  const timed = <F>(run: () => F): { fit: F; ms: number } => {
    const started = performance.now();
    const result = run();
    return { fit: result, ms: performance.now() - started };
  };
  const pnbd = timed(() => fitParetoNbd(weeks));
  const mbg = timed(() => fitMbgNbd(weeks));
  const { cdnow } = reference;

  afterAll(() => {
    const show = (f: typeof pnbd.fit | typeof mbg.fit) => (f.converged ? `${JSON.stringify(f.params)} LL ${f.logLikelihood.toFixed(2)}` : f.reason);
    process.stdout.write(
      `CDNOW fits: Pareto/NBD ${pnbd.ms.toFixed(0)} ms (${pnbd.fit.iterations} iterations) ${show(pnbd.fit)}; ` +
        `MBG/NBD ${mbg.ms.toFixed(0)} ms (${mbg.fit.iterations} iterations) ${show(mbg.fit)}\n`,
    );
  });

  it('sees the customers mpmath saw', () => {
    expect(weeks).toHaveLength(cdnow.customers);
    for (const row of cdnow.sample) {
      const c = weeks.find((w) => w.customerId === row.customerId)!;
      expect({ id: row.customerId, x: c.x, tx: c.tx * 7, T: c.T * 7 }).toEqual({ id: row.customerId, x: row.x, tx: row.txDays, T: row.TDays });
    }
  });

  it('fits Pareto/NBD to r = 0.5533, α = 10.5777, s = 0.6062, β = 11.6687, LL −9594.98 (within 1 %, LL within 1)', () => {
    expect(pnbd.fit.converged).toBe(true);
    if (!pnbd.fit.converged) return;
    const published = { r: 0.5533, alpha: 10.5777, s: 0.6062, beta: 11.6687 };
    for (const k of ['r', 'alpha', 's', 'beta'] as const) {
      expect({ [k]: within(pnbd.fit.params[k], published[k], 0.01) }).toEqual({ [k]: true });
      // In fact to the published digits.
      expect(pnbd.fit.params[k]).toBeCloseTo(published[k], 3);
    }
    expect(Math.abs(pnbd.fit.logLikelihood - -9594.98)).toBeLessThan(1);
    expect(pnbd.fit.logLikelihood).toBeCloseTo(-9594.98, 1);
    // The optimum is at least as good as the published point.
    expect(pnbd.fit.logLikelihood).toBeGreaterThanOrEqual(cdnow.logLikelihood.paretoNbd);
  });

  it('fits MBG/NBD to r = 0.5248, α = 6.1831, a = 0.8914, b = 1.6140, LL −9582.14 (within 1 %, LL within 1)', () => {
    expect(mbg.fit.converged).toBe(true);
    if (!mbg.fit.converged) return;
    const published = { r: 0.5248, alpha: 6.1831, a: 0.8914, b: 1.614 };
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      expect({ [k]: within(mbg.fit.params[k], published[k], 0.01) }).toEqual({ [k]: true });
      expect(mbg.fit.params[k]).toBeCloseTo(published[k], 3);
    }
    expect(Math.abs(mbg.fit.logLikelihood - -9582.14)).toBeLessThan(1);
    expect(mbg.fit.logLikelihood).toBeCloseTo(-9582.14, 1);
    expect(mbg.fit.logLikelihood).toBeGreaterThanOrEqual(cdnow.logLikelihood.mbgNbd);
  });

  it("summed log-likelihoods at the README's parameters equal mpmath's (all three models)", () => {
    const { params, logLikelihood } = cdnow;
    expect(paretoNbdTotalLogLikelihood(params.paretoNbd, weeks)).toBeCloseTo(logLikelihood.paretoNbd, 8);
    expect(mbgnbdTotalLogLikelihood(params.mbgNbd, weeks)).toBeCloseTo(logLikelihood.mbgNbd, 8);
    expect(bgnbdTotalLogLikelihood(params.bgNbd, weeks)).toBeCloseTo(logLikelihood.bgNbd, 8);
  });

  it("P(alive) and E[Y(t)] for t up to 520 weeks equal mpmath's", () => {
    const { params } = cdnow;
    for (const row of cdnow.sample) {
      const c = weeks.find((w) => w.customerId === row.customerId)!;
      expect(paretoNbdProbabilityAlive(params.paretoNbd, c)).toBeCloseTo(row.paretoNbdPAlive, 12);
      expect(mbgnbdProbabilityAlive(params.mbgNbd, c)).toBeCloseTo(row.mbgNbdPAlive, 12);
      for (const [t, expected] of Object.entries(row.paretoNbdExpected)) {
        expect(Math.abs(paretoNbdConditionalExpectedPurchases(params.paretoNbd, c, Number(t)) - expected)).toBeLessThanOrEqual(1e-11 * Math.max(1, expected));
      }
      for (const [t, expected] of Object.entries(row.mbgNbdExpected)) {
        expect(Math.abs(mbgnbdConditionalExpectedPurchases(params.mbgNbd, c, Number(t)) - expected)).toBeLessThanOrEqual(1e-11 * Math.max(1, expected));
      }
    }
  });

  it("stdlib's ₂F₁ is exact enough where the BG/NBD and MBG/NBD expectations call it on CDNOW (z up to 0.99)", () => {
    expect(Math.max(...reference.hyp2f1.map((row) => row.z))).toBeGreaterThan(0.98);
    const worst = Math.max(...reference.hyp2f1.map((row) => Math.abs(hyp2f1(row.a, row.b, row.c, row.z) - row.value) / row.value));
    expect(worst).toBeLessThan(1e-12);
  });

  describe('holdout validation on the standard split: calibration to 1997-09-30, holdout to 1998-06-30', () => {
    const HOLDOUT_END = '1998-06-30T23:59:59Z';
    const data = holdoutData(loadCdnow(), AS_OF, HOLDOUT_END);
    const validations = new Map<PurchaseModelName, HoldoutValidation>();
    const fits = () => {
      const bg = fitBgNbd(weeks);
      if (!bg.converged || !pnbd.fit.converged || !mbg.fit.converged) throw new Error('fits needed');
      return { bgnbd: bg, 'pareto-nbd': pnbd.fit, 'mbg-nbd': mbg.fit };
    };
    const fitted = fits();
    for (const model of PURCHASE_MODELS) validations.set(model, validateHoldout(model, fitted[model].params as never, data));

    /** Per customer from the raw lines: calibration purchase-days (x + 1, first, last) and distinct holdout purchase dates. */
    const independent = (() => {
      const dates = new Map<string, Set<string>>();
      for (const line of fs.readFileSync(CDNOW, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        const [, sampleId, date] = line.trim().split(/\s+/);
        const set = dates.get(String(Number(sampleId))) ?? new Set<string>();
        dates.set(String(Number(sampleId)), set);
        set.add(date);
      }
      return [...dates.entries()].map(([customerId, set]) => {
        const calibration = [...set].filter((d) => d <= '19970930').sort();
        const holdout = [...set].filter((d) => d > '19970930' && d <= '19980630');
        return { customerId, x: calibration.length - 1, holdout: holdout.length };
      });
    })();

    afterAll(() => {
      const lines = PURCHASE_MODELS.map((model) => {
        const v = validations.get(model)!;
        return `${model}: MAPE ${v.mapePercent?.toFixed(2)} %, buckets ${v.buckets.map((b) => `${b.frequency}:${b.customers}/${b.meanActual?.toFixed(3)}/${b.meanPredicted?.toFixed(3)}`).join(' ')}`;
      });
      process.stdout.write(`CDNOW holdout\n${lines.join('\n')}\n`);
    });

    it('the actual means per calibration frequency are what the transactions say', () => {
      expect(data.customers).toHaveLength(2357);
      expect(data.holdoutDays).toBe(273);
      for (const model of PURCHASE_MODELS) {
        const buckets = validations.get(model)!.buckets;
        for (const [i, b] of buckets.entries()) {
          const members = independent.filter((c) => (i < 7 ? c.x === i : c.x >= 7));
          expect({ bucket: b.frequency, customers: b.customers, meanActual: b.meanActual }).toEqual({
            bucket: b.frequency,
            customers: members.length,
            meanActual: members.reduce((sum, c) => sum + c.holdout, 0) / members.length,
          });
        }
      }
    });

    it('the predicted means are the mean conditional expectations E[Y(39) | x, t_x, T] of the bucket', () => {
      for (const model of PURCHASE_MODELS) {
        const m = PURCHASE_MODEL[model] as (typeof PURCHASE_MODEL)['bgnbd'];
        const params = fitted[model].params as never;
        for (const [i, b] of validations.get(model)!.buckets.entries()) {
          const members = weeks.filter((c) => (i < 7 ? c.x === i : c.x >= 7));
          const mean = members.reduce((sum, c) => sum + m.conditionalExpectedPurchases(params, c, 39), 0) / members.length;
          expect(b.meanPredicted).toBeCloseTo(mean, 10);
        }
      }
    });

    it('tracks 39 weeks; the last week holds every holdout purchase-day, and the models rank by the tracking MAPE', () => {
      const total = independent.reduce((sum, c) => sum + c.holdout, 0);
      for (const model of PURCHASE_MODELS) {
        const v = validations.get(model)!;
        expect(v.tracking).toHaveLength(39);
        expect(v.tracking[38]).toMatchObject({ week: 39, day: 273, date: '1998-06-30', actual: total });
        expect(v.mapePercent).toBeGreaterThan(0);
        // All three under-predict CDNOW's holdout a little (Fader, Hardie & Lee 2005, figure 4); early weeks, with few
        // purchases yet, weigh most in the error of the cumulative tracking.
        expect(v.mapePercent).toBeLessThan(20);
      }
      const ranked = rankModels(PURCHASE_MODELS.map((model) => ({ model, fit: fitted[model], validation: validations.get(model)! })));
      const mapes = ranked.map((r) => (r.converged ? r.mapePercent! : Infinity));
      expect(mapes).toEqual([...mapes].sort((p, q) => p - q));
    });
  });
});
