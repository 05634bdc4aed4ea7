// MongoDB-operator injection through HTTP, on both read stores: the embedded
// SQLite read models and the MongoDB ones of distributed mode (FerretDB).
// Operator syntax in query parameters (`?q[$ne]=x`, `?stage[$gt]=`) and
// operator objects in bodies are refused with 400; operator-looking strings
// (`$where`, `.*`, `{"$gt":""}`) are plain values, matched literally; cursors
// carrying operators are refused.
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { CustomerReadModels, LogSubscription, ProjectionHandler, ReadProgress } from '@rapport/application';
import { describeWithInfra } from '@rapport/config/testing';
import type { EventStore } from '@rapport/event-store';
import { EVENT_STORE, READ_MODELS } from './infrastructure/tokens';
import { ApiTestClient, type TestResponse } from './testing/api-test-client';

jest.setTimeout(120_000);

const PROBLEM = 'application/problem+json';
const AT = '2025-06-01T00:00:00Z';
const SEEDED = ['inj-ada', 'inj-bob', 'inj-dollar', 'inj.dot'];

const cursor = (key: unknown) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

function expectProblem(response: TestResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain(PROBLEM);
  expect(response.body).toMatchObject({ status, code });
}

/**
 * The same cases on any store. `api` is the app; `project` brings the read
 * models up to the log (in-process runner embedded, a runner over the app's
 * MongoDB store distributed).
 */
function injectionCases(context: () => { api: ApiTestClient; project: () => Promise<void> }): void {
  const api = () => context().api;
  const ids = (response: TestResponse) => response.body.items.map((c: { customerId: string }) => c.customerId);

  beforeAll(async () => {
    // Operator-looking values sit in fields that are not personal data, so they
    // read back as sent whatever the store does with names and emails.
    const seeds: [string, string, Record<string, unknown>][] = [
      ['inj-ada', 'identified', { name: 'Ada Lovelace' }],
      ['inj-bob', 'identified', {}],
      ['inj-dollar', 'complained', { complaintId: '$where', category: '{"$gt":""}', severity: 'low' }],
      ['inj-dollar', 'contacted', { channel: 'email', direction: 'outbound', campaignId: '$ne' }],
      ['inj.dot', 'identified', {}],
    ];
    for (const [customerId, type, data] of seeds) {
      const response = await api().event(customerId, type, data, { occurredAt: AT, metadata: { source: '$ne' } });
      expect(response.status).toBe(201);
    }
    await context().project();
    expect(ids(await api().get('/v1/customers?limit=200')).sort()).toEqual(SEEDED);
  });

  it.each([
    '/v1/customers?q[$ne]=x',
    '/v1/customers?q%5B%24ne%5D=x',
    '/v1/customers?q[$regex]=.*',
    '/v1/customers?q[$gt]=',
    '/v1/customers?q[$where]=1',
    '/v1/customers?stage[$gt]=',
    '/v1/customers?stage[$ne]=prospect',
    '/v1/customers?stage[$in][]=prospect',
    '/v1/customers?limit[$gt]=0',
    '/v1/customers?cursor[$gt]=',
    '/v1/customers?segment[$ne]=champions',
    '/v1/customers?q=a&q=b',
    '/v1/customers?stage=prospect&stage=customer',
    '/v1/customers?stage=$where',
    '/v1/customers?$where=1',
    '/v1/customers/inj-ada/timeline?limit[$gt]=0',
    '/v1/audit/customers/inj-ada/history?fromRevision[$gt]=0',
    '/v1/analytics/rfm/customers?segment[$ne]=x',
    '/v1/analytics/offer-response?campaignId[$ne]=x',
  ])('refuses operator syntax in the query string: %s', async (url) => {
    expectProblem(await api().get(url), 400, 'VALIDATION_FAILED');
  });

  // Each of these, used as an unescaped regular expression, would match every customer.
  it.each([
    ['$', []],
    ['.*', []],
    ['^', []],
    ['.', ['inj.dot']],
    ['$where', []],
    ['{"$gt":""}', []],
    ['[$ne]', []],
    ['ada', ['inj-ada']],
    ['inj', SEEDED],
  ])('matches q=%s literally, as text', async (q, expected) => {
    const response = await api().get(`/v1/customers?limit=200&q=${encodeURIComponent(q)}`);
    expect(response.status).toBe(200);
    expect(ids(response).sort()).toEqual(expected);
  });

  it.each([
    ['/v1/customers', { id: { $gt: '' } }],
    ['/v1/customers', { id: { $ne: null } }],
    ['/v1/customers', { $where: 'true' }],
    ['/v1/customers/inj-ada/timeline', { t: { $gt: 0 }, r: { $gt: -1 } }],
    ['/v1/customers/inj-ada/timeline', { t: 0, r: { $ne: null } }],
  ])('refuses a cursor carrying operators: %s %j', async (url, key) => {
    expectProblem(await api().get(`${url}?cursor=${cursor(key)}`), 400, 'INVALID_CURSOR');
  });

  it.each(['{"$gt":""}', '$where', 'inj-ada[$ne]', "inj-ada' || '1'=='1", 'inj-ada\u0000'])('refuses the customerId %j in a path', async (id) => {
    expectProblem(await api().get(`/v1/customers/${encodeURIComponent(id)}`), 400, 'VALIDATION_FAILED');
    expectProblem(await api().get(`/v1/customers/${encodeURIComponent(id)}/timeline`), 400, 'VALIDATION_FAILED');
  });

  it('stores operator-looking strings in a body as data, and reads them back unchanged', async () => {
    const view = await api().get('/v1/customers/inj-dollar');
    expect(view.status).toBe(200);
    expect(view.body.revision).toBe(1);
    const timeline = await api().get('/v1/customers/inj-dollar/timeline');
    expect(timeline.status).toBe(200);
    expect(timeline.body.items.map((e: { data: unknown }) => e.data)).toEqual([
      { complaintId: '$where', category: '{"$gt":""}', severity: 'low' },
      { channel: 'email', direction: 'outbound', campaignId: '$ne' },
    ]);
  });

  it.each([
    ['data.name', { type: 'identified', occurredAt: AT, data: { name: { $gt: '' } } }],
    ['data.email', { type: 'identified', occurredAt: AT, data: { email: { $ne: null } } }],
    ['data.attributes', { type: 'identified', occurredAt: AT, data: { attributes: { role: { $ne: 'x' } } } }],
    ['data.orderId', { type: 'purchased', occurredAt: AT, data: { orderId: { $regex: '.*' }, amount: 1, currency: 'USD' } }],
    ['data.amount', { type: 'purchased', occurredAt: AT, data: { orderId: 'o', amount: { $gt: 0 }, currency: 'USD' } }],
    ['metadata.source', { type: 'identified', occurredAt: AT, data: {}, metadata: { source: { $where: 'sleep(1000)' } } }],
    ['type', { type: { $ne: null }, occurredAt: AT, data: {} }],
    ['occurredAt', { type: 'identified', occurredAt: { $gt: '' }, data: {} }],
    ['customerId', { type: 'identified', occurredAt: AT, data: {}, customerId: { $ne: null } }],
  ])('refuses an operator object in a body (%s)', async (field, body) => {
    const response = await api().post('/v1/customers/inj-bob/events', body);
    expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('rejects batch items whose customerId or fields are operators, records the plain one', async () => {
    const response = await api().post('/v1/events', {
      events: [
        { customerId: { $ne: null }, type: 'identified', occurredAt: AT, data: {} },
        { customerId: '$where', type: 'identified', occurredAt: AT, data: {} },
        { customerId: 'inj-bob', type: 'qualified', occurredAt: AT, data: { score: { $gt: 0 } } },
        { customerId: 'inj-bob', type: 'qualified', occurredAt: AT, data: { score: 50, reason: '$where' } },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status)).toEqual([
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'recorded',
    ]);
  });

  it('refuses an operator in If-Match', async () => {
    const response = await api().post('/v1/customers/inj-bob/events', { type: 'contacted', occurredAt: AT, data: { channel: 'email', direction: 'outbound' } }, { 'if-match': '{"$gt":""}' });
    expectProblem(response, 400, 'INVALID_IF_MATCH');
  });

  it('leaves the read models as seeded: no write or read above reached another customer', async () => {
    await context().project();
    expect(ids(await api().get('/v1/customers?limit=200')).sort()).toEqual(SEEDED);
    // The one plain item of the batch above, and nothing else.
    expect((await api().get('/v1/customers/inj-bob')).body).toMatchObject({ stage: 'qualified', revision: 1 });
    expect((await api().get('/v1/customers/inj-ada')).body).toMatchObject({ revision: 0 });
    expect((await api().get('/v1/customers/inj-dollar')).body).toMatchObject({ revision: 1 });
  });
}

describe('operator injection, embedded store (SQLite read models)', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
  });
  afterAll(async () => {
    await api.stop();
  });

  injectionCases(() => ({
    api,
    project: async () => {
      const head = await api.app.get<EventStore>(EVENT_STORE).headPosition();
      await api.app.get(ReadProgress).waitFor(head, 30_000);
    },
  }));
});

describeWithInfra('kafka', 'mongo')('operator injection, distributed mode (MongoDB read models on FerretDB)', () => {
  const id = randomUUID().replace(/-/g, '').slice(0, 10);
  const mongoBase = (process.env.RAPPORT_MONGO_URL ?? 'mongodb://127.0.0.1:27017/rapport').replace(/\/[^/]*$/, '');
  const database = `e2e_injection_${id}`;
  // Read progress (Kafka) looks at a topic and groups of this test only; nothing is published.
  const kafkaEnv = {
    RAPPORT_KAFKA_TOPIC: `test.injection.${id}`,
    RAPPORT_RELAY_ID: `relay-${id}`,
    RAPPORT_PROJECTOR_GROUP: `projector-${id}`,
    // The topic never exists; kafkajs would log each poll's metadata miss.
    RAPPORT_KAFKA_LOG_LEVEL: 'nothing',
  };
  const saved: Record<string, string | undefined> = {};
  let api: ApiTestClient;

  beforeAll(async () => {
    for (const [name, value] of Object.entries(kafkaEnv)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    api = await ApiTestClient.start({ RAPPORT_MODE: 'distributed', RAPPORT_MONGO_URL: `${mongoBase}/${database}` });
  });
  afterAll(async () => {
    await api?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const client = new MongoClient(`${mongoBase}/admin`);
    await client.connect();
    await client.db(database).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('reads from MongoDB', () => {
    expect(api.app.get<CustomerReadModels>(READ_MODELS).store.constructor.name).toBe('MongoDocumentStore');
  });

  injectionCases(() => ({
    api,
    // The projector's work, done here: the app's own log into the app's own MongoDB read models.
    project: async () => {
      const { store } = api.app.get<CustomerReadModels>(READ_MODELS);
      await new LogSubscription(api.app.get<EventStore>(EVENT_STORE), new ProjectionHandler(store), store).catchUp();
    },
  }));
});
