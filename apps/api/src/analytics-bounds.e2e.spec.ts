// Analytics answers are bounded whatever the data: purchases a century apart
// make a revenue-by-day or cohorts answer too large, which is refused with a
// 400 that asks for a narrower from/to, and the narrower window is answered.
import { ApiTestClient } from './testing/api-test-client';

const AS_OF = '2025-12-31T23:59:59Z';

describe('analytics answers are bounded', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_REPORTING_CURRENCY: 'EUR' });
    // 20 customers whose first purchases are 5 years apart, 1901 … 1996, and one in 2025.
    const years = Array.from({ length: 20 }, (_, i) => 1901 + 5 * i);
    const buy = (customerId: string, occurredAt: string) => ({
      customerId,
      type: 'purchased',
      occurredAt,
      data: { orderId: `o-${customerId}-${occurredAt.slice(0, 10)}`, amount: 1000, currency: 'EUR' },
    });
    const response = await api.post('/v1/events', {
      events: [...years.map((y) => buy(`c${y}`, `${y}-03-15T10:00:00Z`)), buy('c1901', '2025-06-01T10:00:00Z'), buy('c2025', '2025-06-02T10:00:00Z')],
    });
    expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(Array(22).fill('recorded'));
    await api.get(`/v1/customers?limit=1&consistentWith=${response.body.consistencyToken}`);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('refuses revenue by day over 1901–2025 with ANSWER_TOO_LARGE, naming the span and asking for from/to', async () => {
    const refused = await api.get(`/v1/analytics/revenue?asOf=${AS_OF}&interval=day`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 400,
      code: 'ANSWER_TOO_LARGE',
      detail: 'revenue by day from 1901-03-15 to 2025-06-02 spans 45,371 days; at most 3,660 per answer: narrow from/to',
    });
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['from', 'to']);
    // By month the same data are 1,492 periods: within the cap.
    const months = await api.get(`/v1/analytics/revenue?asOf=${AS_OF}&interval=month`);
    expect(months.status).toBe(200);
    expect(months.body.periods).toHaveLength(1492);
  });

  it('answers revenue by day once from/to narrow the window, every day of it', async () => {
    const year = await api.get(`/v1/analytics/revenue?asOf=${AS_OF}&interval=day&from=2025-01-01T00:00:00Z&to=2025-12-31T23:59:59Z`);
    expect(year.status).toBe(200);
    expect(year.body).toMatchObject({ from: '2025-01-01T00:00:00Z', to: '2025-12-31T23:59:59Z', interval: 'day' });
    expect(year.body.periods).toHaveLength(365);
    expect(year.body.periods.filter((p: { revenue: number }) => p.revenue > 0).map((p: { period: string }) => p.period)).toEqual(['2025-06-01', '2025-06-02']);
  });

  it('refuses a hostile from/to at once, whatever the data', async () => {
    const hostile = await api.get(`/v1/analytics/revenue?asOf=${AS_OF}&interval=day&from=1900-01-01T00:00:00Z&to=9999-12-31T23:59:59Z`);
    expect(hostile.status).toBe(400);
    // to is cut at asOf: nothing after it counts.
    expect(hostile.body).toMatchObject({ code: 'ANSWER_TOO_LARGE', detail: expect.stringMatching(/^revenue by day from 1900-01-01 to 2025-12-31 spans 46,021 days;.*: narrow from\/to$/) });
  });

  it('refuses from after to as an invalid request', async () => {
    const backwards = await api.get(`/v1/analytics/revenue?asOf=${AS_OF}&from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z`);
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'from', message: 'from must not be after to' }] });
  });

  it('refuses cohorts over 1901–2025 (more cells than the cap) and answers them with a narrower from/to', async () => {
    const refused = await api.get(`/v1/analytics/cohorts?asOf=${AS_OF}`);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: 'ANSWER_TOO_LARGE',
      detail: expect.stringMatching(/^cohorts from 1901-03 to 2025-12 span [\d,]+ cells \(cohort months × months since\); at most 14,400 per answer: narrow from\/to$/),
    });

    const recent = await api.get(`/v1/analytics/cohorts?asOf=${AS_OF}&from=1990-01-01T00:00:00Z`);
    expect(recent.status).toBe(200);
    expect(recent.body).toMatchObject({ from: '1990-01-01T00:00:00Z', interval: 'month' });
    expect(recent.body.cohorts.map((c: { cohort: string; customers: number }) => [c.cohort, c.customers])).toEqual([
      ['1991-03', 1],
      ['1996-03', 1],
      ['2025-06', 1],
    ]);

    const early = await api.get(`/v1/analytics/cohorts?asOf=${AS_OF}&to=1902-12-31T23:59:59Z`);
    expect(early.status).toBe(200);
    expect(early.body.cohorts).toEqual([expect.objectContaining({ cohort: '1901-03', customers: 1 })]);
    expect(early.body.cohorts[0].months).toHaveLength(22); // 1901-03 … 1902-12
  });
});
