import fc from 'fast-check';
import { analyticsConditionsHold, conditionHolds, conditionsHold, consentGranted, type DecisionContext } from './playbook-conditions';
import type { Condition } from './playbook-definition';

const customer: DecisionContext = {
  stage: 'repeat',
  segment: 'Champions',
  pAlive: 0.25,
  clv: 120_00,
  valueRank: 0.05,
  openComplaints: 1,
  purchasesCount: 4,
  consent: {
    email: { marketing: { granted: true, changedAt: '2026-01-05T00:00:00Z' } },
    all: { marketing: { granted: false, changedAt: '2026-02-01T00:00:00Z' }, service: { granted: true, changedAt: '2026-01-01T00:00:00Z' } },
  },
  consentDefault: 'opt-in',
};

describe('conditions', () => {
  it.each([
    [{ field: 'stage', op: 'in', value: ['customer', 'repeat'] }, true],
    [{ field: 'stage', op: 'eq', value: 'customer' }, false],
    [{ field: 'segment', op: 'ne', value: 'At Risk' }, true],
    [{ field: 'pAlive', op: 'lt', value: 0.3 }, true],
    [{ field: 'pAlive', op: 'gte', value: 0.3 }, false],
    [{ field: 'valueRank', op: 'lte', value: 0.05 }, true],
    [{ field: 'openComplaints', op: 'gt', value: 0 }, true],
    [{ field: 'purchases.count', op: 'eq', value: 4 }, true],
  ] as const)('%j holds: %s', (condition, holds) => {
    expect(conditionHolds(condition, customer)).toBe(holds);
  });

  it('a value not known satisfies nothing, not even ne', () => {
    const unknown: DecisionContext = { ...customer, pAlive: null, segment: null };
    expect(conditionHolds({ field: 'pAlive', op: 'lt', value: 1 }, unknown)).toBe(false);
    expect(conditionHolds({ field: 'segment', op: 'ne', value: 'Champions' }, unknown)).toBe(false);
  });

  it('all must hold; none is a pass', () => {
    expect(conditionsHold([], customer)).toBe(true);
    expect(conditionsHold([{ field: 'stage', op: 'eq', value: 'repeat' }, { field: 'pAlive', op: 'gt', value: 0.5 }], customer)).toBe(false);
  });
});

describe('consent', () => {
  it('the customer’s latest word wins, whether it named the channel or all', () => {
    // email marketing was granted on 5 January, then everything withdrawn on 1 February.
    expect(consentGranted(customer.consent, 'email', 'marketing', 'opt-out')).toBe(false);
    expect(conditionHolds({ field: 'consent.email.marketing', op: 'eq', value: false }, customer)).toBe(true);
    expect(consentGranted(customer.consent, 'sms', 'service', 'opt-in')).toBe(true);
  });

  it('without a word, opt-in refuses and opt-out allows', () => {
    expect(consentGranted(customer.consent, 'phone', 'service', 'opt-out')).toBe(true);
    expect(consentGranted(undefined, 'phone', 'marketing', 'opt-in')).toBe(false);
    expect(consentGranted(undefined, 'phone', 'marketing', 'opt-out')).toBe(true);
  });
});

describe('analyticsConditionsHold', () => {
  const conditions: readonly Condition[] = [
    { field: 'stage', op: 'in', value: ['customer', 'repeat'] },
    { field: 'openComplaints', op: 'eq', value: 0 },
    { field: 'valueRank', op: 'lte', value: 0.2 },
    { field: 'pAlive', op: 'lt', value: 0.3 },
    { field: 'segment', op: 'ne', value: 'Champions' },
    { field: 'clv', op: 'gte', value: 5_000 },
  ];
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

  it('never leaves out a customer the whole `when` admits, and leaves out every one an analytics condition refuses', () => {
    fc.assert(
      fc.property(
        fc.subarray([...conditions]),
        fc.record({
          stage: fc.constantFrom('prospect', 'customer', 'repeat', null),
          segment: maybe(fc.constantFrom('Champions', 'At Risk')),
          pAlive: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
          clv: maybe(fc.integer({ min: 0, max: 20_000 })),
          valueRank: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
          openComplaints: fc.integer({ min: 0, max: 2 }),
        }),
        (when, facts) => {
          const context: DecisionContext = { ...customer, ...facts };
          const admitted = analyticsConditionsHold(when, facts);
          if (conditionsHold(when, context)) expect(admitted).toBe(true);
          const refusedByAnalytics = when.some((c) => ['segment', 'pAlive', 'clv', 'valueRank'].includes(c.field) && !conditionHolds(c, context));
          expect(admitted).toBe(!refusedByAnalytics);
        },
      ),
      { numRuns: 500 },
    );
  });
});
