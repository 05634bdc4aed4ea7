// Bad input gets a clear problem+json 4xx with a stable code, and nothing is recorded.
import { ApiTestClient } from './testing/api-test-client';

const PROBLEM = 'application/problem+json';

describe('bad input over HTTP', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start({ RAPPORT_BODY_LIMIT_BYTES: String(128 * 1024), RAPPORT_BATCH_BODY_LIMIT_BYTES: String(512 * 1024) });
  });
  afterAll(async () => {
    await api.stop();
  });

  async function expectNothingRecorded(customerId: string): Promise<void> {
    const history = await api.get(`/v1/audit/customers/${encodeURIComponent(customerId)}/history`);
    expect(history.status).toBe(404);
    expect(history.body.code).toBe('CUSTOMER_NOT_FOUND');
  }

  function expectProblem(response: { status: number; headers: Headers; body: any }, status: number, code: string): void {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain(PROBLEM);
    expect(response.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    expect(Array.isArray(response.body.errors)).toBe(true);
  }

  it.each([
    ['malformed JSON', '{"type": "identified",', 'MALFORMED_JSON'],
    ['an array instead of an object', '[1, 2]', 'VALIDATION_FAILED'],
    ['a JSON string', '"hello"', 'VALIDATION_FAILED'],
  ])('refuses %s', async (_label, raw, code) => {
    const response = await api.post('/v1/customers/bad-1/events', raw);
    expectProblem(response, 400, code);
    await expectNothingRecorded('bad-1');
  });

  it.each(['personal_data_erased', 'playbook_enrolled', 'action_requested', 'action_suppressed', 'playbook_exited', 'action_acknowledged'])(
    'refuses %s from an emitter with 422 RESERVED_EVENT_TYPE, alone and in a batch',
    async (type) => {
      const event = { type, occurredAt: '2026-01-01T00:00:00Z', data: {} };
      const single = await api.post('/v1/customers/bad-reserved/events', event);
      expectProblem(single, 422, 'RESERVED_EVENT_TYPE');
      expect(single.body.errors).toEqual([{ field: 'type', message: `${type} is recorded only by Rapport itself, never sent by an emitter` }]);
      const batch = await api.post('/v1/events', { events: [{ ...event, customerId: 'bad-reserved' }] });
      expect(batch.status).toBe(200);
      expect(batch.body.results).toEqual([expect.objectContaining({ index: 0, status: 'rejected', error: expect.objectContaining({ code: 'RESERVED_EVENT_TYPE' }) })]);
      await expectNothingRecorded('bad-reserved');
    },
  );

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses a %s body with 415', async (type) => {
    const response = await api.post('/v1/customers/bad-1/events', 'type=identified', { 'content-type': type });
    expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectNothingRecorded('bad-1');
  });

  it.each([
    ['an unknown event type', { type: 'teleported', occurredAt: '2026-01-01T00:00:00Z', data: {} }, 'type'],
    ['a string amount', { type: 'purchased', occurredAt: '2026-01-01T00:00:00Z', data: { orderId: 'o', amount: '12', currency: 'USD' } }, 'data.amount'],
    ['a fractional amount', { type: 'purchased', occurredAt: '2026-01-01T00:00:00Z', data: { orderId: 'o', amount: 1.5, currency: 'USD' } }, 'data.amount'],
    ['a negative amount', { type: 'purchased', occurredAt: '2026-01-01T00:00:00Z', data: { orderId: 'o', amount: -1, currency: 'USD' } }, 'data.amount'],
    ['a lower-case currency', { type: 'purchased', occurredAt: '2026-01-01T00:00:00Z', data: { orderId: 'o', amount: 1, currency: 'usd' } }, 'data.currency'],
    ['an unknown currency', { type: 'purchased', occurredAt: '2026-01-01T00:00:00Z', data: { orderId: 'o', amount: 1, currency: 'XXZ' } }, 'data.currency'],
    ['a missing orderId', { type: 'purchased', occurredAt: '2026-01-01T00:00:00Z', data: { amount: 1, currency: 'USD' } }, 'data.orderId'],
    ['a score over 100', { type: 'qualified', occurredAt: '2026-01-01T00:00:00Z', data: { score: 101 } }, 'data.score'],
    ['an unknown channel', { type: 'contacted', occurredAt: '2026-01-01T00:00:00Z', data: { channel: 'pigeon', direction: 'outbound' } }, 'data.channel'],
    ['an unknown severity', { type: 'complained', occurredAt: '2026-01-01T00:00:00Z', data: { complaintId: 'c', category: 'x', severity: 'apocalyptic' } }, 'data.severity'],
    ['an occurredAt without offset', { type: 'identified', occurredAt: '2026-01-01T00:00:00', data: {} }, 'occurredAt'],
    ['a non-UUID eventId', { eventId: 'abc', type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {} }, 'eventId'],
    ['an unknown data field', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: { nickname: 'x' } }, 'data.nickname'],
    ['a server-set recordedAt', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {}, recordedAt: '2026-01-01T00:00:00Z' }, 'recordedAt'],
    ['a server-set revision', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {}, revision: 7 }, 'revision'],
    ['a server-set hash', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {}, hash: '00' }, 'hash'],
    ['a metadata.actor', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {}, metadata: { actor: 'root' } }, 'metadata.actor'],
    ['another customer in the body', { customerId: 'someone-else', type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {} }, 'customerId'],
    ['MongoDB operators as values', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: { name: { $gt: '' } } }, 'data.name'],
    // Both found by the write fuzz test as 500s.
    ['a null eventId', { eventId: null, type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: {} }, 'eventId'],
    ['a constructor key', { type: 'identified', occurredAt: '2026-01-01T00:00:00Z', data: { constructor: { name: 'x' } } }, 'data.constructor'],
  ])('refuses %s, naming the field', async (_label, body, field) => {
    const response = await api.post('/v1/customers/bad-2/events', body);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    await expectNothingRecorded('bad-2');
  });

  it.each([
    '{"type": "identified", "occurredAt": "2026-01-01T00:00:00Z", "data": {}, "__proto__": {"admin": true}}',
    '{"type": "identified", "occurredAt": "2026-01-01T00:00:00Z", "data": {}, "metadata": {"__proto__": {"actor": "root"}}}',
    '{"type": "identified", "occurredAt": "2026-01-01T00:00:00Z", "data": {"constructor": {"prototype": {"x": 1}}}}',
  ])('refuses prototype poisoning at the JSON parser: %s', async (raw) => {
    expectProblem(await api.post('/v1/customers/bad-proto/events', raw), 400, 'MALFORMED_JSON');
    await expectNothingRecorded('bad-proto');
  });

  it('refuses a prototype key anywhere in an event, naming it', async () => {
    const response = await api.event('bad-proto', 'identified', { attributes: { prototype: 'x' } });
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual(['data.attributes.prototype']);
    await expectNothingRecorded('bad-proto');
  });

  it('refuses a malformed customerId', async () => {
    const response = await api.event('not valid!', 'identified', {});
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors[0].field).toBe('customerId');
    const tooLong = await api.event('x'.repeat(65), 'identified', {});
    expectProblem(tooLong, 400, 'VALIDATION_FAILED');
  });

  it('refuses an event more than five minutes in the future with FUTURE_EVENT', async () => {
    const response = await api.event('bad-3', 'identified', {}, { occurredAt: new Date(Date.now() + 10 * 60_000).toISOString() });
    expectProblem(response, 422, 'FUTURE_EVENT');
    await expectNothingRecorded('bad-3');
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await api.event('bad-4', 'identified', { name: 'x'.repeat(200 * 1024) });
    expectProblem(response, 413, 'BODY_TOO_LARGE');
    await expectNothingRecorded('bad-4');
  });

  it.each([
    ['NOT_A_CUSTOMER', 409, [['identified', {}]], ['churned', { reason: 'voluntary' }]],
    ['ALREADY_CHURNED', 409, [['purchased', { orderId: 'a', amount: 1, currency: 'USD' }], ['churned', { reason: 'other' }]], ['churned', { reason: 'voluntary' }]],
    ['NOT_CHURNED', 409, [['identified', {}]], ['won_back', { via: 'offer' }]],
    ['COMPLAINT_NOT_OPEN', 409, [['identified', {}]], ['complaint_resolved', { complaintId: 'nope', resolution: 'x' }]],
    ['CONFLICTING_DUPLICATE', 409, [['complained', { complaintId: 'k', category: 'billing', severity: 'low' }]], ['complained', { complaintId: 'k', category: 'billing', severity: 'high' }]],
  ] as const)('refuses by rule with %s as problem+json', async (code, status, given, [type, data]) => {
    const customerId = `rule-${code.toLowerCase()}`;
    for (const [t, d] of given) expect((await api.event(customerId, t, d)).status).toBe(201);
    const response = await api.event(customerId, type, data);
    expectProblem(response, status, code);
    const history = await api.get(`/v1/audit/customers/${customerId}/history`);
    expect(history.body.events).toHaveLength(given.length);
  });

  it('takes a batch body over the single-request limit, up to the batch limit, and refuses a larger one with 413', async () => {
    const events = (customerId: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        customerId,
        type: 'complained',
        occurredAt: '2026-01-01T00:00:00Z',
        data: { complaintId: `k${i}`, category: 'delivery', severity: 'low', description: 'd'.repeat(1000) },
      }));
    const accepted = await api.post('/v1/events', { events: events('batch-body-ok', 200) });
    expect(JSON.stringify({ events: events('batch-body-ok', 200) }).length).toBeGreaterThan(128 * 1024);
    expect(accepted.status).toBe(200);
    expect(accepted.body.results.every((r: { status: string }) => r.status === 'recorded')).toBe(true);

    expect(JSON.stringify({ events: events('batch-body-big', 500) }).length).toBeGreaterThan(512 * 1024);
    expectProblem(await api.post('/v1/events', { events: events('batch-body-big', 500) }), 413, 'BODY_TOO_LARGE');
    await expectNothingRecorded('batch-body-big');
  });

  it('refuses a batch over 500 items and records none of it', async () => {
    const events = Array.from({ length: 501 }, (_, i) => ({
      customerId: 'batch-big',
      type: 'contacted',
      occurredAt: '2026-01-01T00:00:00Z',
      data: { channel: 'email', direction: 'outbound', campaignId: `c${i}` },
    }));
    const response = await api.post('/v1/events', { events });
    expectProblem(response, 400, 'BATCH_TOO_LARGE');
    await expectNothingRecorded('batch-big');
  });

  it('refuses a batch body that is not {events: [...]}', async () => {
    expectProblem(await api.post('/v1/events', [{ type: 'identified' }]), 400, 'VALIDATION_FAILED');
    expectProblem(await api.post('/v1/events', { events: [], extra: 1 }), 400, 'VALIDATION_FAILED');
  });

  it('records exactly the good items of a mixed batch, one result per item in order', async () => {
    const ok = (customerId: string, type: string, data: unknown) => ({ customerId, type, occurredAt: '2026-02-01T00:00:00Z', data });
    const response = await api.post('/v1/events', {
      events: [
        ok('mix-a', 'identified', { name: 'A' }),
        ok('mix-a', 'purchased', { orderId: 'm1', amount: 500, currency: 'USD' }),
        { customerId: 'mix-b', type: 'purchased', occurredAt: '2026-02-01T00:00:00Z', data: { orderId: 'm2', amount: 'lots', currency: 'USD' } },
        ok('mix-a', 'won_back', { via: 'offer' }),
        ok('mix-c', 'identified', {}),
        'not an object',
        ok('mix-a', 'churned', { reason: 'inactivity' }),
        ok('mix-a', 'won_back', { via: 'offer' }),
        ok('mix-a', 'purchased', { orderId: 'm1', amount: 500, currency: 'USD' }),
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r: { index: number; status: string; revision?: number; error?: { code: string } }) => [r.index, r.status, r.revision ?? r.error?.code])).toEqual([
      [0, 'recorded', 0],
      [1, 'recorded', 1],
      [2, 'rejected', 'VALIDATION_FAILED'],
      [3, 'rejected', 'NOT_CHURNED'],
      [4, 'recorded', 0],
      [5, 'rejected', 'VALIDATION_FAILED'],
      [6, 'recorded', 2],
      [7, 'recorded', 3],
      [8, 'duplicate', 1],
    ]);
    const a = await api.get('/v1/audit/customers/mix-a/history');
    expect(a.body.events.map((e: { type: string }) => e.type)).toEqual(['identified', 'purchased', 'churned', 'won_back']);
    await expectNothingRecorded('mix-b');
    const view = await api.get(`/v1/customers/mix-a?consistentWith=${response.body.consistencyToken}`);
    expect(view.body.stage).toBe('customer');
  });

  it('refuses bad query parameters with problem+json', async () => {
    expectProblem(await api.get('/v1/customers?limit=0'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/v1/customers?limit=abc'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/v1/customers?stage=vip'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/v1/customers?q[$gt]='), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/v1/customers?cursor=%%%'), 400, 'INVALID_CURSOR');
    expectProblem(await api.get('/v1/customers?consistentWith=garbage'), 400, 'INVALID_CONSISTENCY_TOKEN');
    expectProblem(await api.get('/v1/audit/customers/x/state?asOf=yesterday'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/v1/audit/customers/x/state'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/v1/customers/nobody'), 404, 'CUSTOMER_NOT_FOUND');
    expectProblem(await api.get('/v1/nothing-here'), 404, 'NOT_FOUND');
  });

  it('is still healthy after all of that', async () => {
    expect((await api.get('/health/ready')).status).toBe(200);
  });
});
