import type { OfferResponseResult } from '@rapport/analytics';
import type { CustomerPrediction, RankedCustomer } from '../analytics.service';
import { presentOfferResponse, presentPrediction, presentRanking, presentSummary } from './prediction.presenter';

const base = { customerId: 'a', asOf: '2026-03-01T00:00:00Z', currency: 'EUR', horizonWeeks: 52 };

describe('prediction presenter', () => {
  it('names the model inputs for people: frequency, recency and age in weeks, monetary in the report’s currency in whole minor units', () => {
    expect(presentSummary({ customerId: 'a', x: 2, tx: 30.5, T: 38.9, monetary: 2234.5 }, 2234.5)).toEqual({ frequency: 2, recencyWeeks: 30.5, ageWeeks: 38.9, monetary: 2235 });
    expect(presentSummary(null, null)).toBeNull();
  });

  it('never shows another currency’s spend: without a purchase in the report’s currency, monetary is null', () => {
    // The summary counts purchases in every currency (what the purchase model saw); its monetary is another currency's.
    expect(presentSummary({ customerId: 'a', x: 3, tx: 49, T: 60, monetary: 2372.33 }, null)).toEqual({ frequency: 3, recencyWeeks: 49, ageWeeks: 60, monetary: null });
  });

  it('rounds every money value of a prediction to whole minor units, its intervals included, and leaves probabilities and counts as they are', () => {
    const prediction: CustomerPrediction = {
      ...base,
      summary: { customerId: 'a', x: 3, tx: 49.3, T: 1561, monetary: 2372.3333333333335 },
      monetary: 2372.3333333333335,
      pAlive: 0.00006184743753022722,
      expectedPurchases: 0.0000062910772220740124,
      expectedSpend: 2595.995753654965,
      clv: 0.015313810523165708,
      model: 'bgnbd',
      intervals: {
        level: 0.9,
        pAlive: { low: 0.000058194361886354134, high: 0.00006572981518918222 },
        expectedPurchases: { low: 0.000005917882384944257, high: 0.000006687806556410842 },
        expectedSpend: { low: 2531.2545703848755, high: 2662.3928038853555 },
        clv: { low: 0.014333582549424928, high: 0.016361073160235818 },
      },
    };
    const report = presentPrediction(prediction);
    expect(report).toMatchObject({ summary: { monetary: 2372 }, expectedSpend: 2596, clv: 0, pAlive: prediction.pAlive, expectedPurchases: prediction.expectedPurchases });
    expect(report.intervals).toEqual({ ...prediction.intervals, expectedSpend: { low: 2531, high: 2662 }, clv: { low: 0, high: 0 } });
    expect(Object.is(report.clv, -0)).toBe(false);
  });

  it('renders a prediction in the order the service gives it, with the summary renamed', () => {
    const prediction: CustomerPrediction = {
      ...base,
      summary: { customerId: 'a', x: 1, tx: 3, T: 37, monetary: 500 },
      monetary: 500,
      pAlive: 0.27,
      expectedPurchases: 0.34,
      expectedSpend: null,
      clv: null,
      model: 'bgnbd',
      intervals: { level: 0.9, pAlive: { low: 0.2, high: 0.35 }, expectedPurchases: { low: 0.3, high: 0.4 }, expectedSpend: null, clv: null },
    };
    expect(JSON.stringify(presentPrediction(prediction))).toBe(
      '{"customerId":"a","asOf":"2026-03-01T00:00:00Z","currency":"EUR","horizonWeeks":52,' +
        '"summary":{"frequency":1,"recencyWeeks":3,"ageWeeks":37,"monetary":500},"pAlive":0.27,"expectedPurchases":0.34,"expectedSpend":null,"clv":null,' +
        '"model":"bgnbd","intervals":{"level":0.9,"pAlive":{"low":0.2,"high":0.35},"expectedPurchases":{"low":0.3,"high":0.4},"expectedSpend":null,"clv":null}}',
    );
    const none: CustomerPrediction = { ...base, summary: null, monetary: null, pAlive: null, expectedPurchases: null, expectedSpend: null, clv: null, model: 'bgnbd', intervals: null };
    const { monetary: _monetary, ...shown } = none;
    expect(presentPrediction(none)).toEqual(shown);
  });

  it('keeps how best chose the model, and why there are no intervals', () => {
    const modelSelection = { choice: 'best' as const, calibrationEnd: '2025-09-01T00:00:00Z', holdoutEnd: base.asOf, mapePercent: 2.5 };
    const prediction: CustomerPrediction = {
      ...base,
      summary: { customerId: 'a', x: 0, tx: 0, T: 3, monetary: 0 },
      monetary: 0,
      pAlive: 1,
      expectedPurchases: 0.5,
      expectedSpend: null,
      clv: null,
      model: 'mbg-nbd',
      modelSelection,
      intervals: null,
      intervalsUnavailable: 'mbg-nbd: the observed information is not positive definite',
    };
    const report = presentPrediction(prediction);
    expect(Object.keys(report).slice(-4)).toEqual(['model', 'modelSelection', 'intervals', 'intervalsUnavailable']);
    expect(report).toMatchObject({ model: 'mbg-nbd', modelSelection, intervals: null });
  });

  it('renders a ranking with its horizon, items as ranked', () => {
    const items: RankedCustomer[] = [{ customerId: 'b', pAlive: 0.5, expectedPurchases: 1, expectedSpend: 10, clv: 9, pastValue: 100, valueAtRisk: 50 }];
    const report = presentRanking({ asOf: base.asOf, currency: 'EUR' }, 39, items);
    expect(Object.keys(report)).toEqual(['asOf', 'currency', 'horizonWeeks', 'items']);
    expect(report).toEqual({ asOf: base.asOf, currency: 'EUR', horizonWeeks: 39, items });
  });

  it('shows ranked money in whole minor units (655,270 at risk, not 655,269.9999834781)', () => {
    const items: RankedCustomer[] = [
      { customerId: '1901', pAlive: 2.5e-11, expectedPurchases: 2.6e-50, expectedSpend: 29134.628048549097, clv: 7.166584428029782e-46, pastValue: 655270, valueAtRisk: 655269.9999834781 },
      { customerId: '2', pAlive: 0.5, expectedPurchases: 1, expectedSpend: null, clv: null, pastValue: 101, valueAtRisk: 50.5 },
    ];
    expect(presentRanking({ asOf: base.asOf, currency: 'USD' }, 52, items).items).toEqual([
      { ...items[0], expectedSpend: 29135, clv: 0, valueAtRisk: 655270 },
      { ...items[1], valueAtRisk: 51 },
    ]);
  });

  it('ranks offer propensities (those without one last), then responses, then customerId, and keeps the top limit', () => {
    const result: OfferResponseResult = {
      prior: { converged: true, params: { alpha: 0.7, beta: 1.4 }, logLikelihood: -1.9, iterations: 127, evaluations: 290 },
      pooledRate: 0.4,
      customers: [
        { customerId: 'c', offers: 2, responses: 0, pending: 0, propensity: 0.2 },
        { customerId: 'b', offers: 2, responses: 1, pending: 0, propensity: 0.5 },
        { customerId: 'a', offers: 1, responses: 1, pending: 0, propensity: 0.5 },
        { customerId: 'd', offers: 3, responses: 2, pending: 1 },
      ],
    };
    const report = presentOfferResponse({ asOf: base.asOf, offerId: 'spring', limit: 3 }, result);
    expect(Object.keys(report)).toEqual(['asOf', 'offerId', 'prior', 'pooledRate', 'customers', 'items']);
    expect(report.items.map((c) => c.customerId)).toEqual(['a', 'b', 'c']);
    expect(report).toMatchObject({ prior: result.prior, pooledRate: 0.4, customers: 4 });
    expect(result.customers.map((c) => c.customerId)).toEqual(['c', 'b', 'a', 'd']);
    const filtered = presentOfferResponse({ asOf: base.asOf, campaignId: 'c1', offerId: undefined, limit: 10 }, result);
    expect(Object.keys(filtered)).toEqual(['asOf', 'campaignId', 'prior', 'pooledRate', 'customers', 'items']);
  });
});
