// The CDNOW reference figures (../shared/data/cdnow/README.md): data
// preparation against the published summary, BG/NBD and Gamma-Gamma fits
// against the published estimates, and the predictions against the closed
// forms written out again here with plain Math and a separately coded ₂F₁.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bgnbdConditionalExpectedPurchases,
  bgnbdExpectedPurchases,
  bgnbdLogLikelihood,
  bgnbdPredict,
  bgnbdProbabilityAlive,
  bgnbdTotalLogLikelihood,
  fitBgNbd,
  type BgNbdParams,
} from './bgnbd';
import { clvPerCustomer, WEEKS_PER_MONTH } from './clv';
import { fitGammaGamma, gammaGammaExpectedSpend, isGammaGammaCustomer, type GammaGammaParams } from './gamma-gamma';
import { summarizePurchaseDays, toRepeatSummary, type CustomerPurchases, type RepeatSummary } from './purchase-days';
import { rfm } from './rfm';
import { hyp2f1 } from './special';

const DATA = path.resolve(__dirname, '../../../../shared/data/cdnow');
const AS_OF = '1997-09-30T23:59:59Z';

/** `master_id sample_id YYYYMMDD n_cds dollars`; customer = sample_id without leading zeros, amount in cents. */
function loadCdnow(): { customers: CustomerPurchases[]; lines: number } {
  const text = fs.readFileSync(path.join(DATA, 'CDNOW_sample.txt'), 'utf8');
  const byCustomer = new Map<string, { occurredAt: string; amount: number }[]>();
  let lines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
    const [whole, cents = ''] = dollars.split('.');
    const amount = Number(whole) * 100 + Number(cents.padEnd(2, '0'));
    const id = String(Number(sampleId));
    const occurredAt = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T00:00:00Z`;
    const list = byCustomer.get(id) ?? [];
    byCustomer.set(id, list);
    list.push({ occurredAt, amount });
    lines += 1;
  }
  return { customers: [...byCustomer.entries()].map(([customerId, purchases]) => ({ customerId, purchases })), lines };
}

function loadSummaryCsv(): Map<string, { frequency: number; recency: number; T: number }> {
  const [header, ...rows] = fs.readFileSync(path.join(DATA, 'cdnow_customers_summary.csv'), 'utf8').trim().split('\n');
  expect(header.trim()).toBe('ID,frequency,recency,T');
  return new Map(
    rows.map((row) => {
      const [id, frequency, recency, T] = row.trim().split(',');
      return [id, { frequency: Number(frequency), recency: Number(recency), T: Number(T) }];
    }),
  );
}

/** ₂F₁(a, b; c; z) by its power series, for c > 0 and 0 ≤ z < 1: Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ. */
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

/** FHL (2005) eq. 10 and the P(alive) expression, straight from the paper with Math.pow. */
function closedForm(p: BgNbdParams, x: number, tx: number, T: number, t: number) {
  const { r, alpha, a, b } = p;
  const odds = x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 0;
  const pAlive = 1 / (1 + odds);
  const hyp = hyp2f1Series(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const expected = (((a + b + x - 1) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp)) / (1 + odds);
  return { pAlive, expected };
}

const within = (actual: number, expected: number, relative: number) => Math.abs(actual - expected) <= relative * Math.abs(expected);

describe('CDNOW (Fader, Hardie & Lee 2005), as of 1997-09-30', () => {
  const { customers, lines } = loadCdnow();
  const summaries = summarizePurchaseDays(customers, AS_OF);
  const weeks: RepeatSummary[] = summaries.map(toRepeatSummary);

  let bgnbdMs = 0;
  const bgnbd = (() => {
    const started = performance.now();
    const fit = fitBgNbd(weeks);
    bgnbdMs = performance.now() - started;
    return fit;
  })();
  let ggMs = 0;
  const gammaGamma = (() => {
    const started = performance.now();
    const fit = fitGammaGamma(weeks);
    ggMs = performance.now() - started;
    return fit;
  })();

  afterAll(() => {
    const show = (fit: typeof bgnbd | typeof gammaGamma) => (fit.converged ? JSON.stringify(fit.params) : fit.reason);
    process.stdout.write(
      `CDNOW fits: BG/NBD ${bgnbdMs.toFixed(0)} ms (${bgnbd.iterations} iterations) ${show(bgnbd)}` +
        ` LL ${bgnbd.converged ? bgnbd.logLikelihood.toFixed(2) : '-'}; ` +
        `Gamma-Gamma ${ggMs.toFixed(0)} ms (${gammaGamma.iterations} iterations) ${show(gammaGamma)}\n`,
    );
  });

  it('reads 6,919 transactions of 2,357 customers, all with a purchase by the calibration end', () => {
    expect(lines).toBe(6919);
    expect(customers).toHaveLength(2357);
    expect(summaries).toHaveLength(2357);
  });

  it('prepares purchase-days exactly as cdnow_customers_summary.csv for every customer (frequency; recency and T in weeks)', () => {
    const reference = loadSummaryCsv();
    expect(reference.size).toBe(2357);
    const mismatches = weeks.filter((s) => {
      const ref = reference.get(s.customerId);
      return !ref || ref.frequency !== s.x || Math.abs(ref.recency - s.tx) > 0.005 + 1e-9 || Math.abs(ref.T - s.T) > 0.005 + 1e-9;
    });
    expect(mismatches).toEqual([]);
  });

  it('fits BG/NBD to r = 0.2426, α = 4.4136, a = 0.7929, b = 2.4259, LL −9582.43 (within 1 %)', () => {
    expect(bgnbd.converged).toBe(true);
    if (!bgnbd.converged) return;
    const reference = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      expect({ [k]: within(bgnbd.params[k], reference[k], 0.01) }).toEqual({ [k]: true });
      // In fact to the published digits.
      expect(bgnbd.params[k]).toBeCloseTo(reference[k], 3);
    }
    expect(within(bgnbd.logLikelihood, -9582.43, 0.01)).toBe(true);
    expect(bgnbd.logLikelihood).toBeCloseTo(-9582.43, 1);
    // The optimiser's grouped sum is the plain per-customer sum of eq. 6.
    const perCustomer = weeks.reduce((sum, c) => sum + bgnbdLogLikelihood(bgnbd.params, c), 0);
    expect(bgnbdTotalLogLikelihood(bgnbd.params, weeks)).toBeCloseTo(perCustomer, 8);
    expect(bgnbd.logLikelihood).toBeCloseTo(perCustomer, 8);
  });

  it('fits Gamma-Gamma on the 946 customers with a repeat purchase to p = 6.2496, q = 3.7442, v = 15.4435 dollars (within 1 %)', () => {
    expect(weeks.filter(isGammaGammaCustomer)).toHaveLength(946);
    expect(gammaGamma.converged).toBe(true);
    if (!gammaGamma.converged) return;
    const { p, q, v } = gammaGamma.params;
    expect(within(p, 6.2496, 0.01)).toBe(true);
    expect(within(q, 3.7442, 0.01)).toBe(true);
    // Amounts are in cents: v is in cents too.
    expect(within(v / 100, 15.4435, 0.01)).toBe(true);
    expect(p).toBeCloseTo(6.2496, 2);
    expect(q).toBeCloseTo(3.7442, 2);
    expect(v / 100).toBeCloseTo(15.4435, 2);
  });

  describe('predictions against the closed forms', () => {
    const params = (): BgNbdParams => {
      if (!bgnbd.converged) throw new Error(bgnbd.reason);
      return bgnbd.params;
    };
    const ids = ['1', '2', '3', '6', '11', '17', '18', '19', '100', '1000', '2357'];

    it.each(ids)('customer %s: P(alive) and E[Y(t)] for t = 1, 10, 39, 52, 104 weeks', (id) => {
      const c = weeks.find((w) => w.customerId === id)!;
      for (const t of [1, 10, 39, 52, 104]) {
        const expected = closedForm(params(), c.x, c.tx, c.T, t);
        expect(bgnbdProbabilityAlive(params(), c)).toBeCloseTo(expected.pAlive, 12);
        const actual = bgnbdConditionalExpectedPurchases(params(), c, t);
        expect(Math.abs(actual - expected.expected)).toBeLessThanOrEqual(1e-10 * Math.max(1, expected.expected));
      }
    });

    it('the customer with the most repeat purchases: alive and buying', () => {
      const top = weeks.reduce((m, c) => (c.x > m.x ? c : m));
      const [prediction] = bgnbdPredict(params(), [top], 52);
      const expected = closedForm(params(), top.x, top.tx, top.T, 52);
      expect(prediction.probabilityAlive).toBeCloseTo(expected.pAlive, 12);
      expect(prediction.expectedPurchases).toBeCloseTo(expected.expected, 9);
      expect(prediction.expectedPurchases).toBeGreaterThan(1);
    });

    it('stdlib hyp2f1 agrees with the series on the arguments eq. 10 needs for every CDNOW customer', () => {
      const { r, alpha, a, b } = params();
      let worst = 0;
      for (const c of weeks) {
        for (const t of [1, 10, 39, 52, 104, 260]) {
          const args = [r + c.x, b + c.x, a + b + c.x - 1, t / (alpha + c.T + t)] as const;
          const series = hyp2f1Series(...args);
          worst = Math.max(worst, Math.abs(hyp2f1(...args) - series) / series);
        }
      }
      expect(worst).toBeLessThan(1e-12);
    });

    it('unconditional E[X(t)] is eq. 9, and equals E[Y(t)] of a customer with no history yet', () => {
      const { r, alpha, a, b } = params();
      for (const t of [1, 13, 39, 78]) {
        const eq9 = ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1Series(r, b, a + b - 1, t / (alpha + t)));
        expect(bgnbdExpectedPurchases(params(), t)).toBeCloseTo(eq9, 12);
        expect(bgnbdConditionalExpectedPurchases(params(), { x: 0, tx: 0, T: 0 }, t)).toBeCloseTo(eq9, 12);
      }
    });
  });

  it('CLV over 52 weeks at 1 % a month is Σ spend · ΔE / 1.01^k over 30-day months', () => {
    if (!bgnbd.converged || !gammaGamma.converged) throw new Error('fits needed');
    const bg = bgnbd.params;
    const gg: GammaGammaParams = gammaGamma.params;
    const sample = weeks.filter((c) => ['1', '6', '11', '18', '3'].includes(c.customerId));
    const rows = clvPerCustomer(bg, gg, sample, { horizonWeeks: 52, monthlyDiscountRate: 0.01 });
    for (const [i, c] of sample.entries()) {
      const spend = (gg.p * (gg.v + c.x * c.monetary)) / (gg.p * c.x + gg.q - 1);
      expect(gammaGammaExpectedSpend(gg, c)).toBeCloseTo(spend, 9);
      const at = (t: number) => closedForm(bg, c.x, c.tx, c.T, t).expected;
      let clv = 0;
      const months = 52 / WEEKS_PER_MONTH; // 12.13…: 12 whole months and a partial one
      for (let k = 1; k <= Math.ceil(months); k++) {
        const end = Math.min(k * WEEKS_PER_MONTH, 52);
        clv += (spend * (at(end) - at((k - 1) * WEEKS_PER_MONTH))) / 1.01 ** (end / WEEKS_PER_MONTH);
      }
      expect(rows[i].clv).toBeCloseTo(clv, 6);
      expect(rows[i].expectedPurchases).toBeCloseTo(at(52), 9);
    }
  });

  it('RFM on CDNOW scores every customer and fills the segment counts', () => {
    const result = rfm(customers, AS_OF);
    expect(result.customers).toHaveLength(2357);
    expect(Object.values(result.segments).reduce((s, n) => s + n, 0)).toBe(2357);
  });
});
