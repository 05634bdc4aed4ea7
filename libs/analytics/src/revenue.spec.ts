import { AnswerTooLargeError, MAX_REVENUE_PERIODS } from './answer-bounds';
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

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('revenue: bounded answers', () => {
  const far = [
    { customerId: 'old', purchases: [{ occurredAt: '1900-01-01T00:00:00Z', amount: 100 }] },
    { customerId: 'new', purchases: [{ occurredAt: '2026-03-01T00:00:00Z', amount: 200 }] },
  ];
  const now = '2026-03-31T00:00:00Z';

  it('refuses a series by day from 1900 to 2026 (46,081 days), naming the span and the cap', () => {
    expect(() => revenueByPeriod(far, now, 'day')).toThrow(AnswerTooLargeError);
    expect(() => revenueByPeriod(far, now, 'day')).toThrow('revenue by day from 1900-01-01 to 2026-03-01 spans 46,081 days; at most 3,660 per answer');
    expect(thrown(() => revenueByPeriod(far, now, 'day'))).toMatchObject({ analysis: 'revenue', size: 46_081, max: MAX_REVENUE_PERIODS });
  });

  it('counts weeks and months arithmetically against the same cap', () => {
    expect(() => revenueByPeriod(far, now, 'week')).toThrow('revenue by week from 1900-01-01 to 2026-02-23 spans 6,583 weeks; at most 3,660 per answer');
    expect(revenueByPeriod(far, now, 'month')).toHaveLength(1515); // 1900-01 … 2026-03
    expect(() => revenueByPeriod(far, now, 'month', { maxPeriods: 1514 })).toThrow('spans 1,515 months; at most 1,514 per answer');
  });

  it('a hostile from/to is refused before a single purchase is read', () => {
    const untouchable = new Proxy([] as typeof far, {
      get: () => {
        throw new Error('the purchases were read');
      },
    });
    expect(() => revenueByPeriod(untouchable, '9999-12-31T23:59:59Z', 'day', { from: '0001-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' })).toThrow(
      'revenue by day from 0001-01-01 to 9999-12-31 spans 3,652,059 days; at most 3,660 per answer',
    );
  });

  it('from/to narrow a refused range to an answer: purchases in [from, to], every period of the window', () => {
    const days = revenueByPeriod(far, now, 'day', { from: '2026-02-27T00:00:00Z', to: '2026-03-02T23:59:59Z' });
    expect(days.map((d) => [d.period, d.revenue])).toEqual([
      ['2026-02-27', 0],
      ['2026-02-28', 0],
      ['2026-03-01', 200],
      ['2026-03-02', 0],
    ]);
    // One end open: that end is the data's.
    expect(revenueByPeriod(far, now, 'day', { from: '2026-01-01T00:00:00Z' })).toHaveLength(60); // 2026-01-01 … 2026-03-01
    expect(revenueByPeriod(far, now, 'day', { to: '1900-01-03T12:00:00Z' }).map((d) => d.period)).toEqual(['1900-01-01', '1900-01-02', '1900-01-03']);
  });

  it('asOf still cuts a window that reaches past it, and an empty window is an empty series', () => {
    expect(revenueByPeriod(far, '2026-03-02T10:00:00Z', 'day', { from: '2026-03-01T00:00:00Z', to: '2099-01-01T00:00:00Z' }).map((d) => d.period)).toEqual([
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(revenueByPeriod(far, now, 'day', { from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).toEqual([]);
  });
});
