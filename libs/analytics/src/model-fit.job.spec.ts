import { packDaySummaries, packedCustomers, packSummaries, unpackSummaries } from './model-fit.job';
import { summarizePurchaseDays, toRepeatSummary } from './purchase-days';

describe('packed summaries', () => {
  const summaries = summarizePurchaseDays(
    [
      { customerId: 'a', purchases: [{ occurredAt: '2024-01-01T10:00:00Z', amount: 1_000 }, { occurredAt: '2024-02-15T10:00:00Z', amount: 2_500 }, { occurredAt: '2024-03-03T23:00:00Z', amount: 700 }] },
      { customerId: 'b', purchases: [{ occurredAt: '2024-02-29T12:00:00Z', amount: 90 }] },
    ],
    '2024-06-30T00:00:00Z',
  );

  it('packs day summaries exactly as packing their repeat summaries does', () => {
    const packed = packDaySummaries(summaries);
    expect(Array.from(packed)).toEqual(Array.from(packSummaries(summaries.map(toRepeatSummary))));
    expect(packedCustomers(packed)).toBe(2);
    expect(unpackSummaries(packed)).toEqual(summaries.map((s) => ({ ...toRepeatSummary(s), customerId: '' })));
  });
});
