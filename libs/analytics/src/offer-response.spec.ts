import {
  betaBinomialLogLikelihood,
  countOffers,
  fitBetaPrior,
  offerResponse,
  type CustomerOfferHistory,
  type OfferContactInput,
} from './offer-response';

const asOf = '2024-03-31T23:59:59Z';
const out = (occurredAt: string, ids: { offerId?: string; campaignId?: string }, outcome?: OfferContactInput['outcome']): OfferContactInput => ({
  occurredAt,
  direction: 'outbound',
  ...ids,
  ...(outcome ? { outcome } : {}),
});

const A: CustomerOfferHistory = {
  customerId: 'A',
  contacts: [
    out('2024-03-01T10:00:00Z', { offerId: 'O1' }), // answered by the purchase of 03-10
    out('2024-03-02T10:00:00Z', { campaignId: 'C1' }, 'interested'), // answered by its own outcome
    out('2024-03-03T10:00:00Z', { offerId: 'O2' }), // the purchase comes 14 days and 1 second later: no
  ],
  purchases: [
    { occurredAt: '2024-03-10T09:00:00Z', offerId: 'O1' },
    { occurredAt: '2024-03-17T10:00:01Z', offerId: 'O2' },
  ],
};

const B: CustomerOfferHistory = {
  customerId: 'B',
  contacts: [
    out('2024-03-25T10:00:00Z', { offerId: 'O3' }), // window open at asOf, no answer yet: pending
    out('2024-03-05T10:00:00Z', { offerId: 'O3' }), // answered by the inbound reply of 03-06
    { occurredAt: '2024-03-06T08:00:00Z', direction: 'inbound', offerId: 'O3', outcome: 'responded' },
    out('2024-02-15T10:00:00Z', { campaignId: 'C2' }),
    { occurredAt: '2024-03-07T08:00:00Z', direction: 'inbound', outcome: 'responded' }, // cites nothing
  ],
  purchases: [
    { occurredAt: '2024-03-20T10:00:00Z' }, // cites nothing
    { occurredAt: '2024-02-20T10:00:00Z', campaignId: 'C2' }, // late event: listed last, dated 5 days after the C2 offer
  ],
};

const C: CustomerOfferHistory = {
  customerId: 'C',
  contacts: [
    out('2024-02-01T10:00:00Z', { offerId: 'O4' }, 'not_interested'),
    out('2024-02-10T10:00:00Z', { offerId: 'O4' }, 'no_answer'),
    { occurredAt: '2024-02-11T10:00:00Z', direction: 'outbound' }, // a contact, not an offer
    out('2024-04-05T10:00:00Z', { campaignId: 'C3' }), // after asOf
  ],
  purchases: [{ occurredAt: '2024-02-28T10:00:00Z', offerId: 'O4' }], // 18 days after the last O4 offer
};

const D: CustomerOfferHistory = { customerId: 'D', contacts: [], purchases: [] };

const E: CustomerOfferHistory = {
  customerId: 'E',
  contacts: [out('2024-03-01T10:00:00Z', { campaignId: 'C5' }), out('2024-03-05T10:00:00Z', { campaignId: 'C5' })],
  // One purchase answers one offer: the latest before it (last touch).
  purchases: [{ occurredAt: '2024-03-06T10:00:00Z', campaignId: 'C5' }],
};

describe('offer response', () => {
  it.each([
    ['A', A, { offers: 3, responses: 2, pending: 0 }],
    ['B', B, { offers: 2, responses: 2, pending: 1 }],
    ['C', C, { offers: 2, responses: 0, pending: 0 }],
    ['D', D, { offers: 0, responses: 0, pending: 0 }],
    ['E', E, { offers: 2, responses: 1, pending: 0 }],
  ])('counts offers and responses of customer %s', (_id, history, expected) => {
    expect(countOffers(history, asOf)).toEqual({ customerId: history.customerId, ...expected });
  });

  it('a purchase exactly 14 days after the offer still answers it', () => {
    const h: CustomerOfferHistory = {
      customerId: 'x',
      contacts: [out('2024-03-01T10:00:00Z', { offerId: 'O' })],
      purchases: [{ occurredAt: '2024-03-15T10:00:00Z', offerId: 'O' }],
    };
    expect(countOffers(h, asOf)).toMatchObject({ offers: 1, responses: 1 });
  });

  it('an asOf in the past ignores later events and keeps open windows pending', () => {
    expect(countOffers(A, '2024-03-08T00:00:00Z')).toEqual({ customerId: 'A', offers: 1, responses: 1, pending: 2 });
    expect(countOffers(B, '2024-02-16T00:00:00Z')).toEqual({ customerId: 'B', offers: 0, responses: 0, pending: 1 });
    expect(countOffers(B, '2024-02-20T10:00:00Z')).toEqual({ customerId: 'B', offers: 1, responses: 1, pending: 0 });
  });

  /** 40 customers with clearly different response rates: some answer almost always, some almost never. */
  const population: { offers: number; responses: number }[] = Array.from({ length: 40 }, (_, i) => {
    const offers = 4 + (i % 7);
    const responses = i % 4 === 0 ? offers - (i % 2) : i % 4 === 1 ? Math.floor(offers / 2) : i % 3;
    return { offers, responses: Math.min(responses, offers) };
  });

  it('fits the Beta prior by maximum likelihood: no small step in α or β does better', () => {
    const fit = fitBetaPrior(population);
    expect(fit.converged).toBe(true);
    if (!fit.converged) return;
    const ll = (alpha: number, beta: number) => population.reduce((s, c) => s + betaBinomialLogLikelihood({ alpha, beta }, c.offers, c.responses), 0);
    expect(fit.logLikelihood).toBeCloseTo(ll(fit.params.alpha, fit.params.beta), 9);
    for (const [da, db] of [
      [1.001, 1],
      [0.999, 1],
      [1, 1.001],
      [1, 0.999],
      [1.001, 1.001],
      [0.999, 0.999],
    ]) {
      expect(ll(fit.params.alpha * da, fit.params.beta * db)).toBeLessThan(fit.logLikelihood);
    }
  });

  it('Beta-Binomial probabilities of one n sum to 1', () => {
    const prior = { alpha: 0.7, beta: 2.3 };
    let total = 0;
    for (let k = 0; k <= 12; k++) total += Math.exp(betaBinomialLogLikelihood(prior, 12, k));
    expect(total).toBeCloseTo(1, 12);
  });

  it('propensity is the posterior mean (α + k)/(α + β + n), the prior mean for a customer without offers', () => {
    // The hand-built customers plus the population, as histories with one offer per contact.
    const histories: CustomerOfferHistory[] = [
      A,
      B,
      C,
      D,
      E,
      ...population.map((c, i) => ({
        customerId: `p${i}`,
        contacts: Array.from({ length: c.offers }, (_, j) =>
          out(`2024-01-${String(j + 1).padStart(2, '0')}T10:00:00Z`, { offerId: `P${i}-${j}` }, j < c.responses ? 'responded' : undefined),
        ),
        purchases: [],
      })),
    ];
    const result = offerResponse(histories, asOf);
    expect(result.prior.converged).toBe(true);
    if (!result.prior.converged) return;
    const { alpha, beta } = result.prior.params;
    const byId = Object.fromEntries(result.customers.map((c) => [c.customerId, c]));
    expect(byId.A.propensity).toBeCloseTo((alpha + 2) / (alpha + beta + 3), 12);
    expect(byId.C.propensity).toBeCloseTo(alpha / (alpha + beta + 2), 12);
    expect(byId.D.propensity).toBeCloseTo(alpha / (alpha + beta), 12);
    // Shrinkage: between the customer's own rate and the prior mean.
    expect(byId.B.propensity!).toBeLessThan(1);
    expect(byId.B.propensity!).toBeGreaterThan(alpha / (alpha + beta));
    const n = result.customers.reduce((s, c) => s + c.offers, 0);
    const k = result.customers.reduce((s, c) => s + c.responses, 0);
    expect(result.pooledRate).toBeCloseTo(k / n, 12);
  });

  it('without any response the prior cannot be fitted: it says so and gives no propensities', () => {
    const result = offerResponse([C, D], asOf);
    expect(result.prior.converged).toBe(false);
    if (result.prior.converged) return;
    expect(result.prior.reason).toMatch(/boundary|flat|no convergence/);
    expect(result.customers.every((c) => c.propensity === undefined)).toBe(true);
    expect(result.pooledRate).toBe(0);
  });

  it('nobody with a decided offer: no prior', () => {
    expect(fitBetaPrior([{ offers: 0, responses: 0 }])).toEqual({ converged: false, reason: 'no customer has a decided offer', iterations: 0 });
  });
});
