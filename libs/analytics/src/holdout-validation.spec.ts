import type { BgNbdParams } from './bgnbd';
import { FREQUENCY_BUCKETS, holdoutData, rankModels, validateHoldout, type HoldoutData } from './holdout-validation';
import type { MbgNbdParams } from './mbg-nbd';
import type { ParetoNbdParams } from './pareto-nbd';
import { PURCHASE_MODEL, type PurchaseModelName } from './purchase-models';
import { ages, simulateBgNbd, simulateMbgNbd, simulateParetoNbd, summaryAt, type SimulatedCustomer } from './testing/simulate';

const buy = (occurredAt: string) => ({ occurredAt, amount: 100 });

describe('holdoutData', () => {
  const data = holdoutData(
    [
      {
        customerId: 'a',
        purchases: [
          buy('1997-01-05T09:00:00Z'),
          buy('1997-01-05T17:00:00Z'),
          buy('1997-03-01T00:00:00Z'),
          buy('1997-09-30T10:00:00Z'),
          buy('1997-09-30T20:00:00Z'), // after calibrationEnd, but on a calibration purchase-day
          buy('1997-10-01T08:00:00Z'),
          buy('1997-10-01T09:00:00Z'),
          buy('1997-10-08T00:00:00Z'),
          buy('1998-07-01T00:00:00Z'), // after holdoutEnd
        ],
      },
      { customerId: 'b', purchases: [buy('1997-11-01T00:00:00Z')] }, // first seen in the holdout
      { customerId: 'c', purchases: [buy('1997-09-01T00:00:00Z'), buy('1997-09-30T18:00:00Z')] },
    ],
    '1997-09-30T12:00:00Z',
    '1998-06-30T23:59:59Z',
  );

  it('summarises the calibration in weeks and lists the holdout purchase-days as days after the calibration end', () => {
    expect(data.holdoutDays).toBe(273);
    expect(data.customers).toEqual([
      { customerId: 'a', x: 2, tx: 268 / 7, T: 268 / 7, holdoutDays: [1, 8] },
      // Later on calibrationEnd's own day, on no calibration purchase-day: day 0 of the holdout.
      { customerId: 'c', x: 0, tx: 0, T: 29 / 7, holdoutDays: [0] },
    ]);
  });

  it('needs a holdout of whole days, at most ten years', () => {
    expect(() => holdoutData([], '1997-09-30T00:00:00Z', '1997-09-30T23:00:00Z')).toThrow(/later day/);
    expect(() => holdoutData([], '1997-09-30T00:00:00Z', '1997-09-01T00:00:00Z')).toThrow(/later day/);
    expect(() => holdoutData([], '1997-09-30T00:00:00Z', '2010-09-30T00:00:00Z')).toThrow(/at most 3653 days/);
    expect(holdoutData([], '1997-09-30T00:00:00Z', '1997-10-01T00:00:00Z').holdoutDays).toBe(1);
  });
});

describe('validateHoldout', () => {
  const params: BgNbdParams = { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 };
  const customers = [
    { customerId: '1', x: 0, tx: 0, T: 30, holdoutDays: [] },
    { customerId: '2', x: 0, tx: 0, T: 30, holdoutDays: [3, 10] },
    { customerId: '3', x: 2, tx: 12, T: 25, holdoutDays: [15] },
    { customerId: '4', x: 9, tx: 24, T: 25, holdoutDays: [1, 2, 7, 20] },
    { customerId: '5', x: 12, tx: 3, T: 25, holdoutDays: [] },
  ];
  const data: HoldoutData = { calibrationEnd: '1997-09-30T23:59:59Z', holdoutEnd: '1997-10-20T23:59:59Z', holdoutDays: 20, customers };
  const result = validateHoldout('bgnbd', params, data);
  const e = (c: (typeof customers)[number], days: number) => PURCHASE_MODEL.bgnbd.conditionalExpectedPurchases(params, c, days / 7);

  it('buckets customers by calibration frequency 0 … 6, 7+ with mean actual and mean predicted holdout purchase-days', () => {
    expect(result.buckets.map((b) => b.frequency)).toEqual([...FREQUENCY_BUCKETS]);
    expect(result.buckets[0]).toEqual({ frequency: '0', customers: 2, meanActual: 1, meanPredicted: expect.any(Number) });
    expect(result.buckets[0].meanPredicted).toBeCloseTo((e(customers[0], 20) + e(customers[1], 20)) / 2, 12);
    expect(result.buckets[2]).toEqual({ frequency: '2', customers: 1, meanActual: 1, meanPredicted: expect.any(Number) });
    expect(result.buckets[7]).toEqual({ frequency: '7+', customers: 2, meanActual: 2, meanPredicted: expect.any(Number) });
    expect(result.buckets[7].meanPredicted).toBeCloseTo((e(customers[3], 20) + e(customers[4], 20)) / 2, 12);
    expect(result.buckets[1]).toEqual({ frequency: '1', customers: 0, meanActual: null, meanPredicted: null });
    expect(result.customers).toBe(5);
    expect(result.holdoutWeeks).toBeCloseTo(20 / 7, 15);
  });

  it('tracks cumulative actual and predicted purchase-days week by week, the last week shorter, and their MAPE', () => {
    expect(result.tracking.map(({ week, day, date, actual }) => ({ week, day, date, actual }))).toEqual([
      { week: 1, day: 7, date: '1997-10-07', actual: 4 },
      { week: 2, day: 14, date: '1997-10-14', actual: 5 },
      { week: 3, day: 20, date: '1997-10-20', actual: 7 },
    ]);
    for (const w of result.tracking) {
      expect(w.predicted).toBeCloseTo(
        customers.reduce((sum, c) => sum + e(c, w.day), 0),
        12,
      );
    }
    const mape = (100 * result.tracking.reduce((sum, w) => sum + Math.abs(w.predicted - w.actual) / w.actual, 0)) / 3;
    expect(result.mapePercent).toBeCloseTo(mape, 12);
  });

  it('leaves weeks without a purchase yet out of the MAPE, and has none when no week had one', () => {
    const quiet = validateHoldout('bgnbd', params, { ...data, customers: customers.map((c) => ({ ...c, holdoutDays: c.holdoutDays.filter((d) => d > 14) })) });
    expect(quiet.tracking.map((w) => w.actual)).toEqual([0, 0, 2]);
    expect(quiet.mapePercent).toBeCloseTo((100 * Math.abs(quiet.tracking[2].predicted - 2)) / 2, 12);
    expect(validateHoldout('bgnbd', params, { ...data, customers: customers.map((c) => ({ ...c, holdoutDays: [] })) }).mapePercent).toBeNull();
  });

  describe('with the true parameters, predictions track what customers simulated from them did', () => {
    // 20,000 customers aged 20–49 weeks, then 39 weeks of holdout: the weekly cumulative error is sampling noise.
    const holdout = (simulated: SimulatedCustomer[]): HoldoutData => {
      const T = ages(simulated.length, 20, 30, 5);
      return {
        calibrationEnd: '1997-09-30T23:59:59Z',
        holdoutEnd: '1998-06-30T23:59:59Z',
        holdoutDays: 273,
        customers: simulated.map((c, i) => ({
          customerId: String(i),
          ...summaryAt(c, T[i]),
          holdoutDays: c.purchases.filter((t) => t > T[i] && t <= T[i] + 39).map((t) => Math.ceil((t - T[i]) * 7)),
        })),
      };
    };
    const cases: [PurchaseModelName, ParetoNbdParams | BgNbdParams | MbgNbdParams, SimulatedCustomer[]][] = [
      ['pareto-nbd', { r: 0.55, alpha: 10.6, s: 0.6, beta: 11.7 }, simulateParetoNbd({ r: 0.55, alpha: 10.6, s: 0.6, beta: 11.7 }, 20_000, 100, 1)],
      ['bgnbd', { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, simulateBgNbd({ r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, 20_000, 100, 2)],
      ['mbg-nbd', { r: 0.52, alpha: 6.2, a: 0.89, b: 1.6 }, simulateMbgNbd({ r: 0.52, alpha: 6.2, a: 0.89, b: 1.6 }, 20_000, 100, 3)],
    ];

    it.each(cases)('%s', (model, params, simulated) => {
      const result = validateHoldout(model, params as never, holdout(simulated));
      const last = result.tracking[result.tracking.length - 1];
      expect(Math.abs(last.predicted / last.actual - 1)).toBeLessThan(0.05);
      expect(result.mapePercent).toBeLessThan(5);
      for (const b of result.buckets.filter((bucket) => bucket.customers >= 500)) {
        expect({ bucket: b.frequency, close: Math.abs(b.meanPredicted! / b.meanActual! - 1) < 0.15 }).toEqual({ bucket: b.frequency, close: true });
      }
    });
  });
});

describe('rankModels', () => {
  const fitted = (logLikelihood: number) => ({ converged: true as const, params: { r: 1, alpha: 1, a: 1, b: 1 }, logLikelihood, iterations: 1, evaluations: 1 });
  const validation = (mapePercent: number | null) => ({ customers: 1, holdoutWeeks: 1, buckets: [], tracking: [], mapePercent });

  it('ranks by holdout MAPE, then log-likelihood; a model without a fit last and unranked', () => {
    const ranked = rankModels([
      { model: 'bgnbd', fit: fitted(-10), validation: validation(4) },
      { model: 'pareto-nbd', fit: { converged: false, reason: 'flat in s', iterations: 9 } },
      { model: 'mbg-nbd', fit: fitted(-9), validation: validation(3) },
    ]);
    expect(ranked.map((m) => [m.rank, m.model])).toEqual([
      [1, 'mbg-nbd'],
      [2, 'bgnbd'],
      [null, 'pareto-nbd'],
    ]);
    expect(ranked[2]).toEqual({ rank: null, model: 'pareto-nbd', converged: false, reason: 'flat in s' });
  });

  it('breaks ties by log-likelihood, and puts a MAPE of null after every number', () => {
    const ranked = rankModels([
      { model: 'bgnbd', fit: fitted(-10), validation: validation(null) },
      { model: 'pareto-nbd', fit: fitted(-12), validation: validation(3) },
      { model: 'mbg-nbd', fit: fitted(-11), validation: validation(3) },
    ]);
    expect(ranked.map((m) => m.model)).toEqual(['mbg-nbd', 'pareto-nbd', 'bgnbd']);
  });
});
