import type { OfferResponseResult } from '@rapport/analytics';
import type { CustomerPrediction, RankedCustomer } from '../analytics.service';
import { presentOfferResponse, presentPrediction, presentRanking, presentSummary } from './prediction.presenter';

const base = { customerId: 'a', asOf: '2026-03-01T00:00:00Z', currency: 'EUR', horizonWeeks: 52 };

describe('prediction presenter', () => {
  it('names the model inputs for people: frequency, recency and age in weeks, monetary', () => {
    expect(presentSummary({ customerId: 'a', x: 2, tx: 30.5, T: 38.9, monetary: 2234.5 })).toEqual({ frequency: 2, recencyWeeks: 30.5, ageWeeks: 38.9, monetary: 2234.5 });
    expect(presentSummary(null)).toBeNull();
  });

  it('renders a prediction in the order the service gives it, with the summary renamed', () => {
    const prediction: CustomerPrediction = {
      ...base,
      summary: { customerId: 'a', x: 1, tx: 3, T: 37, monetary: 500 },
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
    const none: CustomerPrediction = { ...base, summary: null, pAlive: null, expectedPurchases: null, expectedSpend: null, clv: null, model: 'bgnbd', intervals: null };
    expect(presentPrediction(none)).toEqual(none);
  });

  it('keeps how best chose the model, and why there are no intervals', () => {
    const modelSelection = { choice: 'best' as const, calibrationEnd: '2025-09-01T00:00:00Z', holdoutEnd: base.asOf, mapePercent: 2.5 };
    const prediction: CustomerPrediction = {
      ...base,
      summary: { customerId: 'a', x: 0, tx: 0, T: 3, monetary: 0 },
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
