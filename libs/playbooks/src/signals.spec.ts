import { signalHolds, signalSlot, type SignalFacts } from './signals';

const facts = (over: Partial<SignalFacts>): SignalFacts => ({ stage: 'customer', stageSince: '2026-01-01T00:00:00Z', lastPurchaseAt: '2026-01-01T00:00:00Z', pAlive: 0.5, ...over });

describe('signals', () => {
  it('p_alive_below holds strictly under the threshold, never without a P(alive)', () => {
    const signal = { signal: 'p_alive_below', threshold: 0.3 } as const;
    expect([0.29, 0.3, 0.31].map((pAlive) => signalHolds(signal, facts({ pAlive }), '2026-06-01T00:00:00Z'))).toEqual([true, false, false]);
    expect(signalHolds(signal, facts({ pAlive: null }), '2026-06-01T00:00:00Z')).toBe(false);
  });

  it('no_purchase_for holds once the duration has passed since the last purchase, never for a customer who never bought', () => {
    const signal = { signal: 'no_purchase_for', duration: 'P90D' } as const;
    expect(signalHolds(signal, facts({}), '2026-03-31T23:59:59Z')).toBe(false);
    expect(signalHolds(signal, facts({}), '2026-04-01T00:00:00Z')).toBe(true);
    expect(signalHolds(signal, facts({ lastPurchaseAt: null }), '2027-01-01T00:00:00Z')).toBe(false);
  });

  it('stage_for holds for a customer in the stage for the duration', () => {
    const signal = { signal: 'stage_for', stage: 'prospect', duration: 'P14D' } as const;
    const prospect = facts({ stage: 'prospect', stageSince: '2026-05-01T00:00:00Z' });
    expect(signalHolds(signal, prospect, '2026-05-14T23:00:00Z')).toBe(false);
    expect(signalHolds(signal, prospect, '2026-05-15T00:00:00Z')).toBe(true);
    expect(signalHolds(signal, { ...prospect, stage: 'qualified' }, '2026-06-01T00:00:00Z')).toBe(false);
  });

  it('fires scheduled evaluations at the start of their period, the same instant for every runner in it', () => {
    expect(signalSlot('2026-06-01T10:59:59.999Z', 3_600_000)).toBe('2026-06-01T10:00:00.000Z');
    expect(signalSlot('2026-06-01T10:00:00Z', 3_600_000)).toBe('2026-06-01T10:00:00.000Z');
    expect(signalSlot('2026-06-01T10:17:00Z', 15 * 60_000)).toBe('2026-06-01T10:15:00.000Z');
  });
});
