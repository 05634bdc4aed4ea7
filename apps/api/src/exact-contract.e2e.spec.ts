// One answer per meaning, as docs/api.md states it: what a new user hit, each
// asked the way they asked it.
import { randomUUID } from 'node:crypto';
import { ApiTestClient, type TestResponse } from './testing/api-test-client';
import { CDNOW_CUSTOMERS, CDNOW_FILE, cdnowEvents, importCdnow, CDNOW_IMPORT_TIMEOUT_MS } from './testing/cdnow-import';

const AT = '2026-01-05T10:00:00Z';

function problemOf(response: TestResponse): { status: number; code: unknown; errors: unknown } {
  return { status: response.status, code: response.body.code, errors: response.body.errors };
}

describe('the exact contract', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    // Customers who bought in USD; `lena` has no events at all.
    for (const [customerId, amounts] of [
      ['ada', [1099, 2050, 799]],
      ['bo', [500, 1250]],
    ] as const) {
      expect((await api.event(customerId, 'identified', {}, { eventId: randomUUID(), occurredAt: AT })).status).toBe(201);
      for (const [i, amount] of amounts.entries()) {
        const purchase = { orderId: `${customerId}-${i}`, amount, currency: 'USD' };
        expect((await api.event(customerId, 'purchased', purchase, { eventId: randomUUID(), occurredAt: `2026-0${i + 2}-0${i + 3}T10:00:00Z` })).status).toBe(201);
      }
    }
    // CDNOW's sample: real purchase histories, so the models fit.
    await importCdnow(api);
  }, CDNOW_IMPORT_TIMEOUT_MS);
  afterAll(async () => {
    await api.stop();
  });

  it('answers an unknown customer with 404 CUSTOMER_NOT_FOUND on every route that names one', async () => {
    const answers = await Promise.all([
      api.get('/v1/customers/lena'),
      api.get('/v1/customers/lena/timeline'),
      api.get('/v1/audit/customers/lena/history'),
      api.get('/v1/audit/customers/lena/state?atRevision=0'),
      api.get('/v1/audit/customers/lena/verify'),
      api.get('/v1/analytics/customers/lena/predictions'),
      api.request('DELETE', '/v1/customers/lena/personal-data'),
    ]);
    expect(answers.map((r) => `${r.status} ${r.body.code}`)).toEqual(Array(answers.length).fill('404 CUSTOMER_NOT_FOUND'));
  });

  it('refuses a revision the stream has not reached at once, naming atRevision and the last revision', async () => {
    const beyond = await api.get('/v1/audit/customers/ada/state?atRevision=99');
    expect(problemOf(beyond)).toEqual({
      status: 400,
      code: 'REVISION_OUT_OF_RANGE',
      errors: [{ field: 'atRevision', message: "atRevision must be at most 3, the stream's last revision" }],
    });
    const last = await api.get('/v1/audit/customers/ada/state?atRevision=3');
    expect({ status: last.status, revision: last.body.revision, atRevision: last.body.atRevision }).toEqual({ status: 200, revision: 3, atRevision: 3 });
  });

  it('refuses a model fit route that cannot fit with 422 MODEL_NOT_FITTED, never a 200 without parameters', async () => {
    for (const model of ['bgnbd', 'gamma-gamma', 'pareto-nbd', 'mbg-nbd']) {
      const response = await api.get(`/v1/analytics/models/${model}?asOf=1990-01-01T00:00:00Z`);
      expect({ model, status: response.status, code: response.body.code }).toEqual({ model, status: 422, code: 'MODEL_NOT_FITTED' });
      expect(response.body.detail).toMatch(new RegExp(`^${model} could not be fitted: `));
    }
  });

  describe('currency: one rule on every route, an upper-case code ISO 4217 lists', () => {
    const routes = ['/v1/analytics/rfm', '/v1/analytics/revenue', '/v1/analytics/rfm/grid', '/v1/analytics/customers/ada/predictions', '/v1/analytics/at-risk'];

    it.each(['usd', 'XYZ', 'US', 'USDX'])('refuses currency=%s on every analytics route with one message', async (currency) => {
      for (const route of routes) {
        const response = await api.get(`${route}?currency=${currency}`);
        expect({ route, ...problemOf(response) }).toEqual({
          route,
          status: 400,
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'currency', message: 'currency must be an upper-case ISO 4217 code such as USD' }],
        });
      }
    });

    it('refuses the same codes in a purchase, with the same message', async () => {
      for (const currency of ['usd', 'XYZ']) {
        const response = await api.event('ada', 'purchased', { orderId: `o-${currency}`, amount: 100, currency }, { eventId: randomUUID(), occurredAt: AT });
        expect(problemOf(response)).toEqual({
          status: 400,
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'data.currency', message: 'currency must be an upper-case ISO 4217 code such as USD' }],
        });
      }
    });

    it('shows no other currency’s money in a prediction asked in a currency the customer never bought in', async () => {
      const usd = await api.get('/v1/analytics/customers/ada/predictions?currency=USD');
      const eur = await api.get('/v1/analytics/customers/ada/predictions?currency=EUR');
      expect([usd.status, eur.status]).toEqual([200, 200]);
      expect(usd.body.summary.monetary).toEqual(expect.any(Number));
      expect(eur.body).toMatchObject({ currency: 'EUR', expectedSpend: null, clv: null, summary: { frequency: usd.body.summary.frequency, monetary: null } });
    });
  });

  it('lists the currencies a single-currency route can be asked in, with exact totals', async () => {
    const cdnow = cdnowEvents(CDNOW_FILE);
    const listed = await api.get('/v1/analytics/currencies');
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ reportingCurrency: 'USD' });
    expect(listed.body.currencies).toEqual([
      {
        currency: 'USD',
        customers: CDNOW_CUSTOMERS + 2,
        orders: cdnow.length + 5,
        revenue: cdnow.reduce((sum, e) => sum + e.data.amount, 0) + 1099 + 2050 + 799 + 500 + 1250,
      },
    ]);
    expect((await api.get('/v1/analytics/currencies?asOf=1990-01-01T00:00:00Z')).body.currencies).toEqual([]);
  });

  describe('one clear message per bad field', () => {
    it('says a missing currency is required, once', async () => {
      const response = await api.event('ada', 'purchased', { orderId: 'o-missing', amount: 100 }, { eventId: randomUUID(), occurredAt: AT });
      expect(problemOf(response)).toEqual({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'data.currency', message: 'data.currency is required' }] });
    });

    it('says what an amount must be, once', async () => {
      const response = await api.event('ada', 'purchased', { orderId: 'o-lots', amount: 'lots', currency: 'USD' }, { eventId: randomUUID(), occurredAt: AT });
      expect(problemOf(response)).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'data.amount', message: 'amount must be an integer number of minor units' }],
      });
    });

    it('names each bad field once in a body with several', async () => {
      const response = await api.post('/v1/customers/ada/events', { type: 'purchased', occurredAt: AT, eventId: 'not-a-uuid', data: { orderId: 'o', amount: -1, currency: 'usd' } });
      const fields = (response.body.errors as { field: string }[]).map((e) => e.field);
      expect(response.status).toBe(400);
      expect(fields).toEqual([...new Set(fields)]);
      expect([...fields].sort()).toEqual(['data.amount', 'data.currency', 'eventId']);
    });
  });

  it('answers money in whole minor units everywhere, each under the currency it is in', async () => {
    const isMinorUnits = (value: unknown) => value === null || Number.isInteger(value);
    const prediction = await api.get('/v1/analytics/customers/ada/predictions?currency=USD');
    expect(prediction.body.currency).toBe('USD');
    const { expectedSpend, clv, intervals, summary } = prediction.body;
    for (const value of [expectedSpend, clv, summary.monetary, intervals?.expectedSpend?.low, intervals?.expectedSpend?.high, intervals?.clv?.low, intervals?.clv?.high]) {
      expect(isMinorUnits(value ?? null)).toBe(true);
    }
    const customer = await api.get('/v1/customers/ada');
    expect(customer.body.purchases.byCurrency).toEqual({ USD: { orders: 3, amount: 1099 + 2050 + 799 } });
    const revenue = await api.get('/v1/analytics/revenue?currency=USD');
    expect(revenue.body.currency).toBe('USD');
    expect(revenue.body.periods.every((p: { revenue: number }) => Number.isInteger(p.revenue))).toBe(true);
  });

  it('counts HTTP requests by route template and status, with their durations, beside the event-loop and projection lag', async () => {
    await api.get('/v1/customers/ada');
    await api.get('/v1/customers/nobody');
    await api.get('/no/such/route');
    const text = String((await api.get('/metrics')).body);
    const sample = (name: string, labels: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(sample('rapport_http_requests_total', 'method="POST",route="/v1/customers/:customerId/events",status="201"')).toBe(7);
    expect(sample('rapport_http_requests_total', 'method="POST",route="/v1/events",status="200"')).toBe(Math.ceil(cdnowEvents(CDNOW_FILE).length / 500));
    expect(sample('rapport_http_requests_total', 'method="GET",route="/v1/customers/:customerId",status="200"')).toBeGreaterThanOrEqual(2);
    expect(sample('rapport_http_requests_total', 'method="GET",route="/v1/customers/:customerId",status="404"')).toBeGreaterThanOrEqual(2);
    expect(sample('rapport_http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(1);
    expect(sample('rapport_http_request_duration_seconds_count', 'method="POST",route="/v1/customers/:customerId/events",status="201"')).toBe(7);
    expect(sample('rapport_http_request_duration_seconds_bucket', 'le="+Inf",method="POST",route="/v1/customers/:customerId/events",status="201"')).toBe(7);
    // No URL (and so no customerId) ever becomes a label.
    expect(text).not.toContain('route="/v1/customers/ada"');
    expect(text).toMatch(/^rapport_nodejs_eventloop_lag_seconds \d/m);
    expect(text).toMatch(/^rapport_projection_lag_events \d+$/m);
  });

  it('computes the costly analytics ahead once the CDNOW import has settled, and says so on /metrics', async () => {
    const passes = async () => Number(/^rapport_analytics_computed_ahead_passes (\d+)$/m.exec(String((await api.get('/metrics')).body))?.[1]);
    const deadline = Date.now() + 90_000;
    while ((await passes()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await passes()).toBeGreaterThanOrEqual(1);
    expect(String((await api.get('/metrics')).body)).toMatch(/^rapport_analytics_computed_ahead_last_seconds [0-9.e-]+$/m);
    // Once every purchase recorded so far is computed ahead, no pass is still to come.
    const behind = async () => /^rapport_analytics_computed_ahead_behind ([01])$/m.exec(String((await api.get('/metrics')).body))?.[1];
    while ((await behind()) !== '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await behind()).toBe('0');
  }, 120_000);
});
