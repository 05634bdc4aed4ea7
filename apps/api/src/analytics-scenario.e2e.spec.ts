// A hand-built population with known answers, including late events (dated
// before events already recorded) and an asOf in the past.
import { ApiTestClient } from './testing/api-test-client';

const JAN = '2026-01-31T23:59:59Z';
const MAR = '2026-03-01T00:00:00Z';

describe('analytics reports over HTTP on a hand-built population', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_REPORTING_CURRENCY: 'EUR' });
    const e = (customerId: string, type: string, occurredAt: string, data: object) => ({ customerId, type, occurredAt, data });
    const response = await api.post('/v1/events', {
      events: [
        e('a', 'identified', '2026-01-01T00:00:00Z', { name: 'A' }),
        e('a', 'contacted', '2026-01-05T00:00:00Z', { channel: 'email', direction: 'outbound', offerId: 'spring', outcome: 'responded' }),
        e('a', 'purchased', '2026-01-10T00:00:00Z', { orderId: 'o1', amount: 1000, currency: 'EUR' }),
        e('a', 'purchased', '2026-02-03T00:00:00Z', { orderId: 'o2', amount: 500, currency: 'EUR' }),
        e('a', 'complained', '2026-02-04T00:00:00Z', { complaintId: 'k1', category: 'billing', severity: 'high' }),
        e('a', 'complaint_resolved', '2026-02-04T12:00:00Z', { complaintId: 'k1', resolution: 'refund' }),
        e('b', 'identified', '2026-01-02T00:00:00Z', { name: 'B' }),
        e('b', 'contacted', '2026-01-05T00:00:00Z', { channel: 'email', direction: 'outbound', offerId: 'spring' }),
        e('b', 'purchased', '2026-01-15T00:00:00Z', { orderId: 'p1', amount: 2000, currency: 'EUR' }),
        e('b', 'churned', '2026-02-10T00:00:00Z', { reason: 'voluntary' }),
        e('b', 'won_back', '2026-02-20T00:00:00Z', { via: 'offer', campaignId: 'back' }),
        e('c', 'contacted', '2026-01-06T00:00:00Z', { channel: 'phone', direction: 'outbound', offerId: 'spring', outcome: 'not_interested' }),
        e('c', 'identified', '2025-12-31T00:00:00Z', { name: 'C, identified late' }),
        e('d', 'purchased', '2026-01-20T00:00:00Z', { orderId: 'q1', amount: 300, currency: 'EUR' }),
        e('d', 'purchased', '2026-01-02T00:00:00Z', { orderId: 'q0', amount: 700, currency: 'EUR' }),
        e('d', 'complained', '2026-02-15T00:00:00Z', { complaintId: 'k2', category: 'delivery', severity: 'low' }),
      ],
    });
    expect(response.body.results.every((r: { status: string }) => r.status === 'recorded')).toBe(true);
    await api.get(`/v1/customers?limit=1&consistentWith=${response.body.consistencyToken}`);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('reports revenue per month, counting the late purchase in its own month, and nothing after asOf', async () => {
    const jan = await api.get(`/v1/analytics/revenue?asOf=${JAN}&interval=month`);
    expect(jan.body).toMatchObject({ asOf: JAN, currency: 'EUR', interval: 'month' });
    expect(jan.body.periods).toEqual([{ period: '2026-01', start: '2026-01-01', revenue: 4000, orders: 4, customers: 3 }]);
    const mar = await api.get(`/v1/analytics/revenue?asOf=${MAR}&interval=month`);
    expect(mar.body.periods.map((p: { period: string; revenue: number }) => [p.period, p.revenue])).toEqual([
      ['2026-01', 4000],
      ['2026-02', 500],
    ]);
  });

  it('counts the funnel as of a past date and as of today', async () => {
    const jan = await api.get(`/v1/analytics/funnel?asOf=${JAN}`);
    expect(jan.body.byStage).toEqual({ prospect: 1, qualified: 0, customer: 2, repeat: 1, churned: 0 });
    const mar = await api.get(`/v1/analytics/funnel?asOf=${MAR}`);
    expect(mar.body.byStage).toEqual({ prospect: 1, qualified: 0, customer: 1, repeat: 2, churned: 0 });
    expect(mar.body.reached.churned).toBe(1);
  });

  it('reports complaints: open, resolved and the median time to resolve', async () => {
    expect((await api.get(`/v1/analytics/complaints?asOf=${JAN}`)).body).toMatchObject({ opened: 0, open: 0, resolved: 0 });
    const mar = await api.get(`/v1/analytics/complaints?asOf=${MAR}`);
    expect(mar.body).toMatchObject({ opened: 2, open: 1, resolved: 1, medianHoursToResolve: 12 });
    expect(mar.body.byCategory.map((c: { category: string; open: number; resolved: number }) => [c.category, c.open, c.resolved])).toEqual([
      ['billing', 0, 1],
      ['delivery', 1, 0],
    ]);
  });

  it('counts the complaints past an SLA as of a date: k2 open past 48 hours, k1 resolved in 12', async () => {
    const mar = await api.get(`/v1/analytics/complaints?asOf=${MAR}&slaHours=48`);
    expect(mar.body.pastSla).toEqual({ open: 1, resolved: 0 });
    expect(mar.body.byCategory.map((c: { category: string; pastSla: unknown }) => [c.category, c.pastSla])).toEqual([
      ['billing', { open: 0, resolved: 0 }],
      ['delivery', { open: 1, resolved: 0 }],
    ]);
    // k1 took 12 hours: past a 6-hour SLA. k2, opened 2026-02-15, was not yet 48 hours old on 2026-02-16.
    expect((await api.get(`/v1/analytics/complaints?asOf=${MAR}&slaHours=6`)).body.pastSla).toEqual({ open: 1, resolved: 1 });
    expect((await api.get('/v1/analytics/complaints?asOf=2026-02-16T00:00:00Z&slaHours=48')).body.pastSla).toEqual({ open: 0, resolved: 0 });
    expect((await api.get(`/v1/analytics/complaints?asOf=${MAR}`)).body).not.toHaveProperty('pastSla');
    for (const bad of ['0', '8761', '1.5', 'two']) expect((await api.get(`/v1/analytics/complaints?slaHours=${bad}`)).status).toBe(400);
  });

  it('reports win-back: churned, won back, rate and days, by campaign', async () => {
    expect((await api.get(`/v1/analytics/win-back?asOf=${JAN}`)).body).toMatchObject({ churned: 0, wonBack: 0 });
    const mar = await api.get(`/v1/analytics/win-back?asOf=${MAR}`);
    expect(mar.body).toMatchObject({ churned: 1, wonBack: 1, rate: 1, medianDaysToWinBack: 10, stillChurned: 0 });
    expect(mar.body.byCampaign).toEqual([expect.objectContaining({ campaignId: 'back', wonBack: 1 })]);
  });

  it('keeps first-purchase cohorts, with the late purchase deciding nothing new', async () => {
    const mar = await api.get(`/v1/analytics/cohorts?asOf=${MAR}`);
    expect(mar.body.cohorts).toHaveLength(1);
    expect(mar.body.cohorts[0]).toMatchObject({ cohort: '2026-01', customers: 3 });
    expect(mar.body.cohorts[0].months.slice(0, 2).map((m: { active: number }) => m.active)).toEqual([3, 1]);
  });

  it('ranks customers by propensity to respond to an offer', async () => {
    const response = await api.get(`/v1/analytics/offer-response?asOf=${MAR}&offerId=spring`);
    expect(response.status).toBe(200);
    expect(response.body.customers).toBe(3);
    expect(response.body.pooledRate).toBeCloseTo(1 / 3, 10);
    expect(response.body.items[0]).toMatchObject({ customerId: 'a', offers: 1, responses: 1 });
    expect(response.body.items.map((c: { customerId: string }) => c.customerId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('answers the 360 with its RFM row in the reporting currency', async () => {
    const view = await api.get('/v1/customers/a');
    expect(view.body.rfm).toMatchObject({ currency: 'EUR', frequency: 2, monetary: 1500, segment: expect.any(String) });
  });
});
