import { AnswerTooLargeError, MAX_COHORT_CELLS } from './answer-bounds';
import { cohortRetention } from './cohorts';

const buy = (occurredAt: string) => ({ occurredAt, amount: 1000 });
const customers = [
  { customerId: 'a', purchases: [buy('2024-01-05T10:00:00Z'), buy('2024-01-20T10:00:00Z'), buy('2024-03-02T10:00:00Z')] },
  { customerId: 'b', purchases: [buy('2024-01-31T23:00:00Z'), buy('2024-02-01T00:30:00Z')] },
  // Late event: the January purchase was recorded after the February one.
  { customerId: 'c', purchases: [buy('2024-02-10T10:00:00Z'), buy('2024-01-15T10:00:00Z')] },
  { customerId: 'd', purchases: [buy('2024-02-03T10:00:00Z'), buy('2024-03-20T10:00:00Z')] }, // March purchase after asOf
  { customerId: 'e', purchases: [buy('2024-04-01T10:00:00Z')] }, // after asOf: no cohort
  { customerId: 'f', purchases: [buy('2023-12-31T23:30:00-01:00')] }, // 2024-01-01 00:30 UTC
  { customerId: 'g', purchases: [] },
];

describe('cohort retention', () => {
  it('groups by first-purchase month (UTC) and gives the share active in each month since', () => {
    expect(cohortRetention(customers, '2024-03-15T12:00:00Z')).toEqual([
      {
        cohort: '2024-01',
        customers: 4,
        months: [
          { offset: 0, month: '2024-01', active: 4, share: 1, complete: true },
          { offset: 1, month: '2024-02', active: 2, share: 0.5, complete: true },
          { offset: 2, month: '2024-03', active: 1, share: 0.25, complete: false },
        ],
      },
      {
        cohort: '2024-02',
        customers: 1,
        months: [
          { offset: 0, month: '2024-02', active: 1, share: 1, complete: true },
          { offset: 1, month: '2024-03', active: 0, share: 0, complete: false },
        ],
      },
    ]);
  });

  it('an asOf in the past: only what had happened, and a month ending at asOf is complete', () => {
    expect(cohortRetention(customers, '2024-01-31T23:59:59Z')).toEqual([
      { cohort: '2024-01', customers: 4, months: [{ offset: 0, month: '2024-01', active: 4, share: 1, complete: true }] },
    ]);
  });

  it('crosses year ends', () => {
    const result = cohortRetention([{ customerId: 'x', purchases: [buy('2023-11-20T00:00:00Z'), buy('2024-01-02T00:00:00Z')] }], '2024-01-31T23:59:59Z');
    expect(result[0].months.map((m) => [m.month, m.active])).toEqual([
      ['2023-11', 1],
      ['2023-12', 0],
      ['2024-01', 1],
    ]);
  });
});

describe('cohort retention: bounded answers', () => {
  // 300 customers with first purchases spread over 1900–2026: ~190,000 cells unbounded.
  const spread = Array.from({ length: 300 }, (_, i) => ({
    customerId: `c${i}`,
    purchases: [buy(`${1900 + Math.floor((i * 126) / 300)}-${String((i % 12) + 1).padStart(2, '0')}-15T00:00:00Z`)],
  }));
  const now = '2026-03-31T00:00:00Z';

  it('refuses more cells (cohorts × months since) than the cap, counted before any row is built', () => {
    expect(() => cohortRetention(spread, now)).toThrow(AnswerTooLargeError);
    expect(() => cohortRetention(spread, now)).toThrow(/^cohorts from 1900-01 to 2026-03 span [\d,]+ cells \(cohort months × months since\); at most 14,400 per answer$/);
  });

  it('counts the cells exactly: one cohort in 1900 and one in 2026 is 1,515 + 1 cells', () => {
    const two = [
      { customerId: 'old', purchases: [buy('1900-01-01T00:00:00Z')] },
      { customerId: 'new', purchases: [buy('2026-03-01T00:00:00Z')] },
    ];
    expect(cohortRetention(two, now).map((c) => c.months.length)).toEqual([1515, 1]);
    expect(() => cohortRetention(two, now, { maxCells: 1515 })).toThrow('cohorts from 1900-01 to 2026-03 span 1,516 cells (cohort months × months since); at most 1,515 per answer');
    expect(() => cohortRetention(two, now, { maxCells: 1516 })).not.toThrow();
    expect(MAX_COHORT_CELLS).toBe(14_400);
  });

  it('from keeps the cohorts whose first purchase is at or after it; to ends the months like an earlier asOf', () => {
    const result = cohortRetention(spread, now, { from: '2020-01-01T00:00:00Z', to: '2025-12-31T23:59:59Z' });
    expect(result.length).toBeGreaterThan(0);
    expect(result.every((c) => c.cohort >= '2020-01')).toBe(true);
    expect(result.every((c) => c.months[c.months.length - 1].month === '2025-12' && c.months.every((m) => m.complete))).toBe(true);
    // The original population, windowed to its own span, is the unwindowed answer.
    expect(cohortRetention(customers, '2024-03-15T12:00:00Z', { from: '2024-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z' })).toEqual(
      cohortRetention(customers, '2024-03-15T12:00:00Z'),
    );
    // A customer whose first purchase is before from is in no cohort, even with later purchases.
    expect(cohortRetention(customers, '2024-03-15T12:00:00Z', { from: '2024-02-01T00:00:00Z' }).map((c) => [c.cohort, c.customers])).toEqual([['2024-02', 1]]);
  });
});
