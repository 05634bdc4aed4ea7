// Timestamps must name a real instant (SPEC section 3), in bodies and in query
// parameters alike: the impossible and the implausible are 400s naming the
// field, never rolled over into the log or into an analytics answer.
import { ApiTestClient } from './testing/api-test-client';

const PROBLEM = 'application/problem+json';

/** What the issue found recorded, and the reason each is refused. */
const REFUSED: readonly (readonly [string, RegExp])[] = [
  ['2026-02-30T10:00:00Z', /2026-02-30 does not exist/],
  ['2025-02-29T10:00:00Z', /2025-02-29 does not exist/],
  ['2026-04-31T10:00:00Z', /2026-04-31 does not exist/],
  ['2100-02-29T10:00:00Z', /2100-02-29 does not exist/],
  ['0000-01-01T00:00:00Z', /before 1900-01-01T00:00:00Z/],
  ['0001-01-01T00:00:00Z', /before 1900-01-01T00:00:00Z/],
  ['1899-12-31T23:59:59Z', /before 1900-01-01T00:00:00Z/],
  ['2026-01-01t10:00:00z', /T and Z must be upper-case/],
  ['2026-01-01T10:00:00z', /T and Z must be upper-case/],
  ['2026-01-01T24:00:00Z', /hour 24 does not exist/],
  ['2026-01-01T10:60:00Z', /minute 60 does not exist/],
  ['2016-12-31T23:59:60Z', /leap second :60 is not accepted/],
  ['2026-01-01T10:00:00+24:00', /offset \+24:00 is out of range/],
];

describe('instants over HTTP', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
  });
  afterAll(async () => {
    await api.stop();
  });

  function expectInstantRefused(response: { status: number; headers: Headers; body: any }, field: string, reason: RegExp): void {
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain(PROBLEM);
    expect(response.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(response.body.errors).toEqual([{ field, message: expect.stringMatching(new RegExp(`^${field} must be a real RFC 3339 instant: .*${reason.source}`)) }]);
  }

  async function expectNothingRecorded(customerId: string): Promise<void> {
    expect((await api.get(`/v1/audit/customers/${customerId}/history`)).body.code).toBe('CUSTOMER_NOT_FOUND');
  }

  const purchase = (customerId: string, occurredAt: string, orderId = 'o-1') => ({
    customerId,
    type: 'purchased',
    occurredAt,
    data: { orderId, amount: 1000, currency: 'USD' },
  });

  it.each(REFUSED)('refuses occurredAt %s on the single route with a 400 naming it', async (occurredAt, reason) => {
    const customerId = `single-${REFUSED.findIndex(([t]) => t === occurredAt)}`;
    const { customerId: _, ...body } = purchase(customerId, occurredAt);
    expectInstantRefused(await api.post(`/v1/customers/${customerId}/events`, body), 'occurredAt', reason);
    await expectNothingRecorded(customerId);
  });

  it('rejects each such batch item naming occurredAt, and records the good one beside them', async () => {
    const events = [purchase('batch-good', '2026-02-28T10:00:00Z'), ...REFUSED.map(([occurredAt], i) => purchase(`batch-${i}`, occurredAt))];
    const response = await api.post('/v1/events', { events });
    expect(response.status).toBe(200);
    expect(response.body.results[0]).toMatchObject({ index: 0, status: 'recorded' });
    REFUSED.forEach(([, reason], i) => {
      const result = response.body.results[i + 1];
      expect(result).toMatchObject({ index: i + 1, status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
      expect(result.error.errors).toEqual([{ field: 'occurredAt', message: expect.stringMatching(reason) }]);
    });
    for (let i = 0; i < REFUSED.length; i++) await expectNothingRecorded(`batch-${i}`);
  });

  it('records the edges of what is real exactly as sent: 1900-01-01, 29 February of leap years, nanoseconds, ±23:59 and -00:00', async () => {
    const accepted = [
      '1900-01-01T00:00:00Z',
      '1899-12-31T23:00:00-01:00',
      '2000-02-29T12:00:00Z',
      '2024-02-29T23:59:59.123456789+01:00',
      '2024-03-01T00:00:00+23:59',
      '2024-03-01T00:00:00-00:00',
    ];
    for (const [i, occurredAt] of accepted.entries()) {
      const response = await api.post('/v1/customers/edges/events', { ...purchase('edges', occurredAt, `edge-${i}`), customerId: undefined });
      expect({ occurredAt, status: response.status }).toEqual({ occurredAt, status: 201 });
    }
    const history = await api.get('/v1/audit/customers/edges/history');
    expect(history.body.events.map((e: { occurredAt: string }) => e.occurredAt)).toEqual(accepted);
  });

  describe('query parameters', () => {
    beforeAll(async () => {
      expect((await api.post('/v1/customers/queried/events', { type: 'identified', occurredAt: '2026-01-15T10:00:00Z', data: {} })).status).toBe(201);
    });

    const routes: readonly (readonly [string, (instant: string) => string])[] = [
      ['asOf', (t) => `/v1/audit/customers/queried/state?asOf=${t}`],
      ['from', (t) => `/v1/audit/export?from=${t}`],
      ['to', (t) => `/v1/audit/export?to=${t}`],
      ['asOf', (t) => `/v1/analytics/revenue?asOf=${t}&interval=month`],
      ['asOf', (t) => `/v1/analytics/funnel?asOf=${t}`],
      ['asOf', (t) => `/v1/analytics/rfm?asOf=${t}`],
      ['asOf', (t) => `/v1/analytics/customers/queried/predictions?asOf=${t}`],
    ];

    it.each(routes.flatMap(([field, url]) => REFUSED.map(([instant, reason]) => [url(encodeURIComponent(instant)), field, reason] as const)))(
      'refuses %s with a 400 naming %s',
      async (url, field, reason) => {
        expectInstantRefused(await api.get(url), field, reason);
      },
    );

    it('answers for a real instant spelled with an offset and nanoseconds', async () => {
      const asOf = encodeURIComponent('2999-12-31T23:59:59.999999999+01:00');
      const state = await api.get(`/v1/audit/customers/queried/state?asOf=${asOf}`);
      expect(state.status).toBe(200);
      expect(state.body).toMatchObject({ asOf: '2999-12-31T23:59:59.999999999+01:00' });
      expect((await api.get(`/v1/analytics/funnel?asOf=${asOf}`)).status).toBe(200);
      expect((await api.get(`/v1/audit/export?from=${encodeURIComponent('1900-01-01T00:00:00Z')}&to=${asOf}`)).status).toBe(200);
    });
  });
});
