import { packDaySummaries, packedCustomers, packSummaries, unpackSummaries } from './model-fit.job';
import { toRepeatSummary } from './purchase-days';
import { PurchaseLedger } from './purchase-ledger';

describe('packed summaries', () => {
  const days = PurchaseLedger.builder()
    .add('a', [
      { occurredAt: '2024-01-01T10:00:00Z', amount: 1_000, currency: 'EUR' },
      { occurredAt: '2024-02-15T10:00:00Z', amount: 2_500, currency: 'EUR' },
      { occurredAt: '2024-03-03T23:00:00Z', amount: 700, currency: 'EUR' },
    ])
    .add('b', [{ occurredAt: '2024-02-29T12:00:00Z', amount: 90, currency: 'EUR' }])
    .add('c', [{ occurredAt: '2024-03-01T12:00:00Z', amount: 40, currency: 'EUR' }, { occurredAt: '2024-05-01T12:00:00Z', amount: 60, currency: 'EUR' }])
    .build()
    .summarize('2024-06-30T00:00:00Z');
  const summaries = days.toArray();

  it('packs day summaries exactly as packing their repeat summaries does', () => {
    const packed = packDaySummaries(days);
    expect(Array.from(packed)).toEqual(Array.from(packSummaries(summaries.map(toRepeatSummary))));
    expect(packedCustomers(packed)).toBe(3);
    expect(unpackSummaries(packed)).toEqual(summaries.map((s) => ({ ...toRepeatSummary(s), customerId: '' })));
  });

  it('packs the customers chosen, in the order given', () => {
    expect(Array.from(packDaySummaries(days, [2, 0]))).toEqual(Array.from(packSummaries([summaries[2]!, summaries[0]!].map(toRepeatSummary))));
    expect(packDaySummaries(days, [])).toHaveLength(0);
  });
});
