import { revenueByPeriod } from './revenue';

const customers = [
  {
    customerId: 'a',
    purchases: [
      { occurredAt: '2024-01-01T10:00:00Z', amount: 1000 }, // a Monday: ISO week 2024-W01 starts that day
      { occurredAt: '2024-01-01T20:00:00Z', amount: 500 },
      { occurredAt: '2024-01-03T10:00:00Z', amount: 300 },
    ],
  },
  {
    customerId: 'b',
    purchases: [
      { occurredAt: '2024-01-01T23:30:00-02:00', amount: 200 }, // 2024-01-02 01:30 UTC
      { occurredAt: '2023-12-31T12:00:00Z', amount: 700 }, // late event, a Sunday: ISO week 2023-W52
    ],
  },
  {
    customerId: 'c',
    purchases: [
      { occurredAt: '2024-01-09T10:00:00Z', amount: 0 }, // a free order is an order
      { occurredAt: '2024-02-01T10:00:00Z', amount: 1000 },
      { occurredAt: '2024-02-02T10:00:00Z', amount: 9999 }, // after asOf
    ],
  },
];
const asOf = '2024-02-01T23:59:59Z';

describe('revenue', () => {
  it('per ISO week (Monday to Sunday), without gaps', () => {
    expect(revenueByPeriod(customers, asOf, 'week')).toEqual([
      { period: '2023-W52', start: '2023-12-25', revenue: 700, orders: 1, customers: 1 },
      { period: '2024-W01', start: '2024-01-01', revenue: 2000, orders: 4, customers: 2 },
      { period: '2024-W02', start: '2024-01-08', revenue: 0, orders: 1, customers: 1 },
      { period: '2024-W03', start: '2024-01-15', revenue: 0, orders: 0, customers: 0 },
      { period: '2024-W04', start: '2024-01-22', revenue: 0, orders: 0, customers: 0 },
      { period: '2024-W05', start: '2024-01-29', revenue: 1000, orders: 1, customers: 1 },
    ]);
  });

  it('per month', () => {
    expect(revenueByPeriod(customers, asOf, 'month')).toEqual([
      { period: '2023-12', start: '2023-12-01', revenue: 700, orders: 1, customers: 1 },
      { period: '2024-01', start: '2024-01-01', revenue: 2000, orders: 5, customers: 3 },
      { period: '2024-02', start: '2024-02-01', revenue: 1000, orders: 1, customers: 1 },
    ]);
  });

  it('per UTC day', () => {
    const days = revenueByPeriod(customers, asOf, 'day');
    expect(days).toHaveLength(33); // 2023-12-31 … 2024-02-01
    expect(days.slice(0, 5)).toEqual([
      { period: '2023-12-31', start: '2023-12-31', revenue: 700, orders: 1, customers: 1 },
      { period: '2024-01-01', start: '2024-01-01', revenue: 1500, orders: 2, customers: 1 },
      { period: '2024-01-02', start: '2024-01-02', revenue: 200, orders: 1, customers: 1 },
      { period: '2024-01-03', start: '2024-01-03', revenue: 300, orders: 1, customers: 1 },
      { period: '2024-01-04', start: '2024-01-04', revenue: 0, orders: 0, customers: 0 },
    ]);
    expect(days.reduce((s, d) => s + d.revenue, 0)).toBe(3700);
  });

  it('an asOf in the past cuts the series', () => {
    expect(revenueByPeriod(customers, '2024-01-01T12:00:00Z', 'month')).toEqual([
      { period: '2023-12', start: '2023-12-01', revenue: 700, orders: 1, customers: 1 },
      { period: '2024-01', start: '2024-01-01', revenue: 1000, orders: 1, customers: 1 },
    ]);
    expect(revenueByPeriod(customers, '2023-01-01T00:00:00Z', 'day')).toEqual([]);
  });
});
