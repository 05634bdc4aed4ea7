// CDNOW through the batch API, then the analytics endpoints as of the
// calibration end: the published BG/NBD and Gamma-Gamma figures within 1%.
import { ApiTestClient } from './testing/api-test-client';
import { cdnowEvents } from './testing/cdnow-import';

jest.setTimeout(120_000);

const AS_OF = '1997-09-30T23:59:59Z';

function within1Percent(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(0.01);
}

describe('analytics on CDNOW over HTTP', () => {
  let api: ApiTestClient;
  let token: string;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    const events = cdnowEvents();
    expect(events).toHaveLength(6919);
    for (let i = 0; i < events.length; i += 500) {
      const response = await api.post('/v1/events', { events: events.slice(i, i + 500) });
      expect(response.status).toBe(200);
      expect(response.body.results.every((r: { status: string }) => r.status === 'recorded')).toBe(true);
      token = response.body.consistencyToken;
    }
    // Wait until the read models reflect the whole import.
    expect((await api.get(`/v1/customers?limit=1&consistentWith=${token}`)).status).toBe(200);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('fits BG/NBD to the published parameters on 2,357 customers', async () => {
    const response = await api.get(`/v1/analytics/models/bgnbd?asOf=${AS_OF}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ asOf: AS_OF, timeUnit: 'week', customers: 2357, converged: true });
    const { r, alpha, a, b } = response.body.params;
    within1Percent(r, 0.2426);
    within1Percent(alpha, 4.4136);
    within1Percent(a, 0.7929);
    within1Percent(b, 2.4259);
    within1Percent(response.body.logLikelihood, -9582.43);
  });

  it('fits Gamma-Gamma to the published parameters on the 946 repeat customers (v in cents)', async () => {
    const response = await api.get(`/v1/analytics/models/gamma-gamma?asOf=${AS_OF}&currency=USD`);
    expect(response.body).toMatchObject({ asOf: AS_OF, currency: 'USD', customers: 946, converged: true });
    const { p, q, v } = response.body.params;
    within1Percent(p, 6.2496);
    within1Percent(q, 3.7442);
    within1Percent(v / 100, 15.4435);
  });

  it('counts every RFM segment, zeros included, over all 2,357 customers', async () => {
    const response = await api.get(`/v1/analytics/rfm?asOf=${AS_OF}&currency=USD`);
    expect(response.body.customers).toBe(2357);
    const segments = response.body.segments as Record<string, number>;
    expect(Object.keys(segments).sort()).toEqual(
      ['about_to_sleep', 'at_risk', 'cant_lose', 'champions', 'hibernating', 'lost', 'loyal', 'need_attention', 'new', 'potential_loyalist', 'promising'].sort(),
    );
    expect(Object.values(segments).reduce((sum, n) => sum + n, 0)).toBe(2357);

    const champions = await api.get(`/v1/analytics/rfm/customers?asOf=${AS_OF}&segment=champions&limit=5`);
    expect(champions.body.items).toHaveLength(Math.min(5, segments.champions!));
    for (const row of champions.body.items) expect(row).toMatchObject({ segment: 'champions', r: expect.any(Number), fm: expect.any(Number) });
  });

  it('predicts for one customer, and ranks customers by value and by value at risk', async () => {
    const prediction = await api.get(`/v1/analytics/customers/1/predictions?asOf=${AS_OF}&horizonWeeks=39`);
    expect(prediction.status).toBe(200);
    expect(prediction.body.pAlive).toBeGreaterThan(0);
    expect(prediction.body.pAlive).toBeLessThanOrEqual(1);
    expect(prediction.body.expectedPurchases).toBeGreaterThan(0);
    expect(prediction.body.clv).toBeGreaterThan(0);

    const value = await api.get(`/v1/analytics/value?asOf=${AS_OF}&limit=10`);
    const clvs = value.body.items.map((c: { clv: number }) => c.clv);
    expect(clvs).toEqual([...clvs].sort((x: number, y: number) => y - x));
    const atRisk = await api.get(`/v1/analytics/at-risk?asOf=${AS_OF}&limit=10`);
    const risks = atRisk.body.items.map((c: { valueAtRisk: number }) => c.valueAtRisk);
    expect(risks).toEqual([...risks].sort((x: number, y: number) => y - x));
  });

  it('refuses bad analytics queries with problem+json 400s', async () => {
    for (const url of [
      '/v1/analytics/rfm/customers?segment=vip',
      '/v1/analytics/value?limit=-1',
      '/v1/analytics/models/bgnbd?asOf=last-tuesday',
      '/v1/analytics/customers/1/predictions?horizonWeeks=100000',
      '/v1/analytics/revenue?interval=year',
      '/v1/analytics/rfm?currency=usd',
    ]) {
      const response = await api.get(url);
      expect({ url, status: response.status, code: response.body.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
    }
  });
});
