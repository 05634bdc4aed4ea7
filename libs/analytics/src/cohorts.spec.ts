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
