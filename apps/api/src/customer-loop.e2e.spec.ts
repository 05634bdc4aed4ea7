// The README tour as a test: a customer goes around the whole loop over HTTP.
import { ApiTestClient } from './testing/api-test-client';

describe('the customer loop over HTTP (embedded, SQLite in a temp directory)', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
  });
  afterAll(async () => {
    await api.stop();
  });

  it('identifies, contacts, qualifies, sells twice, handles a complaint, churns and wins back', async () => {
    const id = 'ada-1';
    const at = (day: number) => `2026-03-${String(day).padStart(2, '0')}T10:00:00+01:00`;
    const stageAfter = async (token: string) => (await api.get(`/v1/customers/${id}?consistentWith=${token}`)).body.stage;

    const identified = await api.event(id, 'identified', { name: 'Ada Lovelace', email: 'ada@example.com' }, { occurredAt: at(1) });
    expect(identified.status).toBe(201);
    expect(identified.body.revision).toBe(0);
    expect(identified.headers.get('etag')).toBe('"0"');
    expect(await stageAfter(identified.body.consistencyToken)).toBe('prospect');

    const contacted = await api.event(id, 'contacted', { channel: 'email', direction: 'outbound', campaignId: 'spring', outcome: 'responded' }, { occurredAt: at(2) });
    expect(contacted.status).toBe(201);
    expect(await stageAfter(contacted.body.consistencyToken)).toBe('prospect');

    const qualified = await api.event(id, 'qualified', { score: 72, reason: 'budget confirmed' }, { occurredAt: at(3) });
    expect(await stageAfter(qualified.body.consistencyToken)).toBe('qualified');

    const first = await api.event(id, 'purchased', { orderId: 'o-1', amount: 4999, currency: 'EUR' }, { occurredAt: at(4) });
    expect(first.status).toBe(201);
    expect(await stageAfter(first.body.consistencyToken)).toBe('customer');

    const second = await api.event(id, 'purchased', { orderId: 'o-2', amount: 1500, currency: 'EUR' }, { occurredAt: at(5) });
    expect(await stageAfter(second.body.consistencyToken)).toBe('repeat');

    const complained = await api.event(id, 'complained', { complaintId: 'c-1', category: 'delivery', severity: 'high' }, { occurredAt: at(6) });
    expect(complained.status).toBe(201);
    const resolved = await api.event(id, 'complaint_resolved', { complaintId: 'c-1', resolution: 'refunded shipping', satisfied: true }, { occurredAt: at(7) });
    expect(resolved.status).toBe(201);

    const churned = await api.event(id, 'churned', { reason: 'competitor' }, { occurredAt: at(8) });
    expect(await stageAfter(churned.body.consistencyToken)).toBe('churned');

    // A churned customer who buys is won back by the purchase, atomically.
    const again = await api.event(id, 'purchased', { orderId: 'o-3', amount: 2000, currency: 'EUR', campaignId: 'winback' }, { occurredAt: at(9) });
    expect(again.status).toBe(201);
    expect(again.body.events.map((e: { type: string }) => e.type)).toEqual(['purchased', 'won_back']);
    expect(again.body.events[1].data).toEqual({ via: 'purchase', campaignId: 'winback' });
    expect(again.body.events[1].metadata.causationId).toBe(again.body.events[0].eventId);
    expect(again.body.revision).toBe(9);

    const view = await api.get(`/v1/customers/${id}?consistentWith=${again.body.consistencyToken}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      customerId: id,
      stream: `customer-${id}`,
      revision: 9,
      stage: 'repeat',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      score: 72,
      purchases: { count: 3, byCurrency: { EUR: { orders: 3, amount: 8499 } }, firstAt: at(4), lastAt: at(9) },
      complaints: { total: 1, resolved: 1, open: [] },
      lastContact: { channel: 'email', direction: 'outbound', campaignId: 'spring', outcome: 'responded' },
      churns: [{ reason: 'competitor', occurredAt: at(8) }],
      winBacks: [{ via: 'purchase', campaignId: 'winback', occurredAt: at(9) }],
    });

    const timeline = await api.get(`/v1/customers/${id}/timeline`);
    expect(timeline.status).toBe(200);
    expect(timeline.body.items.map((e: { type: string }) => e.type)).toEqual([
      'identified', 'contacted', 'qualified', 'purchased', 'purchased', 'complained', 'complaint_resolved', 'churned', 'purchased', 'won_back',
    ]);

    const history = await api.get(`/v1/audit/customers/${id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.events).toHaveLength(10);
    expect(history.body.events.map((e: { revision: number }) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const event of history.body.events) {
      expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(event.metadata.actor).toBe('anonymous');
    }

    const verify = await api.get(`/v1/audit/customers/${id}/verify`);
    expect(verify.body).toMatchObject({ ok: true, checked: 10, stream: `customer-${id}` });

    const beforeChurn = await api.get(`/v1/audit/customers/${id}/state?atRevision=6`);
    expect(beforeChurn.body).toMatchObject({ revision: 6, eventsApplied: 7, state: { stage: 'repeat', orders: ['o-1', 'o-2'], openComplaints: [] } });
    const afterChurn = await api.get(`/v1/audit/customers/${id}/state?atRevision=7`);
    expect(afterChurn.body.state.stage).toBe('churned');
  });

  it('answers the same eventId, orderId and complaintId again as duplicates that record nothing', async () => {
    const id = 'dup-1';
    const eventId = '0b6f5f8e-2a4c-4f0e-9b55-1a2b3c4d5e6f';
    const body = { eventId, type: 'purchased', occurredAt: '2026-01-02T03:04:05Z', data: { orderId: 'o-9', amount: 100, currency: 'USD' } };
    expect((await api.post(`/v1/customers/${id}/events`, body)).status).toBe(201);
    const again = await api.post(`/v1/customers/${id}/events`, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, revision: 0 });
    expect(again.body.events[0].eventId).toBe(eventId);

    const sameOrder = await api.event(id, 'purchased', { orderId: 'o-9', amount: 100, currency: 'USD' });
    expect(sameOrder.status).toBe(200);
    expect(sameOrder.body.duplicate).toBe(true);

    const otherPayload = await api.event(id, 'purchased', { orderId: 'o-9', amount: 999, currency: 'USD' });
    expect(otherPayload.status).toBe(409);
    expect(otherPayload.body.code).toBe('CONFLICTING_DUPLICATE');

    const history = await api.get(`/v1/audit/customers/${id}/history`);
    expect(history.body.events).toHaveLength(1);
  });

  it('makes an append conditional with If-Match', async () => {
    const id = 'cond-1';
    const first = await api.event(id, 'identified', { name: 'C' }, {}, { 'if-match': '"-1"' });
    expect(first.status).toBe(201);
    const stale = await api.event(id, 'contacted', { channel: 'phone', direction: 'inbound' }, {}, { 'if-match': '"5"' });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('REVISION_MISMATCH');
    const current = await api.event(id, 'contacted', { channel: 'phone', direction: 'inbound' }, {}, { 'if-match': '"0"' });
    expect(current.status).toBe(201);
    expect(current.body.revision).toBe(1);
    // A retry of a conditional write that landed is a duplicate, not a mismatch.
    const retry = await api.post(`/v1/customers/${id}/events`, { ...current.body.events[0], customerId: undefined, recordedAt: undefined, revision: undefined, position: undefined, hash: undefined, stream: undefined, metadata: undefined }, { 'if-match': '"0"' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ duplicate: true, revision: 1 });
    const malformed = await api.event(id, 'contacted', { channel: 'phone', direction: 'inbound' }, {}, { 'if-match': 'banana' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('INVALID_IF_MATCH');
  });

  it('pages the customer list and filters it by stage and text', async () => {
    for (const n of [1, 2, 3]) await api.event(`list-${n}`, 'identified', { name: `Lister ${n}`, email: `lister${n}@example.org` });
    const bought = await api.event('list-2', 'purchased', { orderId: 'x', amount: 10, currency: 'USD' });
    const token = bought.body.consistencyToken;

    const page1 = await api.get(`/v1/customers?q=LISTER&limit=2&consistentWith=${token}`);
    expect(page1.status).toBe(200);
    expect(page1.body.items.map((c: { customerId: string }) => c.customerId)).toEqual(['list-1', 'list-2']);
    const page2 = await api.get(`/v1/customers?q=lister&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((c: { customerId: string }) => c.customerId)).toEqual(['list-3']);
    expect(page2.body.nextCursor).toBeNull();

    const customers = await api.get(`/v1/customers?stage=customer&q=lister`);
    expect(customers.body.items.map((c: { customerId: string }) => c.customerId)).toEqual(['list-2']);
  });

  it('places late events by business time on the timeline', async () => {
    const id = 'late-1';
    await api.event(id, 'contacted', { channel: 'web', direction: 'inbound' }, { occurredAt: '2026-05-10T00:00:00Z' });
    const late = await api.event(id, 'identified', { name: 'Late' }, { occurredAt: '2026-05-01T00:00:00Z' });
    const timeline = await api.get(`/v1/customers/${id}/timeline?consistentWith=${late.body.consistencyToken}`);
    expect(timeline.body.items.map((e: { type: string; revision: number }) => [e.type, e.revision])).toEqual([
      ['identified', 1],
      ['contacted', 0],
    ]);
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    expect((await api.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ eventLog: 'up', readModels: 'up', projections: 'up' });
    const metrics = await api.get('/metrics');
    expect(metrics.body).toContain('rapport_events_total{status="recorded"');
    // The projection thread's heap, which the process's heap metrics (the main thread's) leave out.
    expect(metrics.body).toMatch(/^rapport_thread_heap_used_bytes\{thread="projection"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^rapport_thread_heap_total_bytes\{thread="projection"\} [1-9]\d*$/m);
    // The fit workers' jobs, so that an operator (and the memory bench) can tell background fits from rest.
    expect(metrics.body).toMatch(/^rapport_model_fit_jobs\{state="running"\} \d+$/m);
    expect(metrics.body).toMatch(/^rapport_model_fit_jobs\{state="waiting"\} \d+$/m);
    // The playbook runner runs in this process: it catches up with the log, and its store keeps up.
    const series = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const runner = (text: string, name: string) => series(text, `rapport_playbook_runner_${name}\\{process="api"\\}`);
    let scraped = metrics.body as string;
    for (const deadline = Date.now() + 10_000; runner(scraped, 'lag_events') !== 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      scraped = (await api.get('/metrics')).body as string;
    }
    expect({ position: runner(scraped, 'position'), lag: runner(scraped, 'lag_events'), writesBehind: runner(scraped, 'writes_behind') }).toEqual({
      position: series(scraped, 'rapport_log_head_position'),
      lag: 0,
      writesBehind: expect.any(Number),
    });
    expect(runner(scraped, 'position')).toBeGreaterThanOrEqual(0);
    const openapi = await api.get('/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/customers/{customerId}/events',
        '/v1/events',
        '/v1/customers',
        '/v1/customers/{customerId}',
        '/v1/customers/{customerId}/timeline',
        '/v1/audit/customers/{customerId}/history',
        '/v1/audit/customers/{customerId}/state',
        '/v1/audit/customers/{customerId}/verify',
        '/health/live',
        '/health/ready',
      ]),
    );
    const docs = await api.get('/docs');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('swagger');
  });
});
