// Fuzzing every write route of the embedded app with fast-check: random JSON,
// random bytes, and valid events mutated at random. Whatever arrives, the
// answer is never a 5xx, always a problem+json or the route's success shape,
// and the log gains exactly what the response says was recorded: nothing on a
// refusal, and for a batch exactly the items reported `recorded` (plus the
// implicit won_back a purchase by a churned customer records).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { EventStore, RecordedEvent } from '@rapport/event-store';
import { routesOf } from './app.factory';
import { EVENT_STORE } from './infrastructure/tokens';
import { ApiTestClient, type TestResponse } from './testing/api-test-client';

jest.setTimeout(120_000);

const PROBLEM = 'application/problem+json';
/** A few customers, so rules (churn, win-back, duplicates, complaints) come into play. */
const CUSTOMERS = ['fz-a', 'fz-b', 'fz-c', 'fz-d'];
/** Every type an emitter might try, including one only the server records and one that does not exist. */
const TYPES = ['identified', 'contacted', 'qualified', 'purchased', 'complained', 'complaint_resolved', 'churned', 'won_back', 'personal_data_erased', 'teleported'];

const FIXED_IDS = ['3f2b8c1e-0000-4000-8000-000000000001', '3f2b8c1e-0000-4000-8000-000000000002', '3f2b8c1e-0000-4000-8000-000000000003'];
const recentInstant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) }).map((ms) => new Date(ms).toISOString());
const occurredAt = fc.oneof({ weight: 8, arbitrary: recentInstant }, { weight: 1, arbitrary: fc.constantFrom('2026-01-01T00:00:00', 'yesterday', '', '9999-12-31T23:59:59Z') }, {
  weight: 1,
  arbitrary: fc.jsonValue(),
});
const smallId = fc.constantFrom('o-1', 'o-2', 'k-1', 'k-2', 'c-1');

/** A payload that is valid for its type, mostly: the ids repeat so duplicates and conflicts happen. */
const validData: Record<string, fc.Arbitrary<unknown>> = {
  identified: fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), email: fc.constantFrom('ada@example.com', 'bob@example.org') }, { requiredKeys: [] }),
  contacted: fc.record({ channel: fc.constantFrom('email', 'phone', 'web'), direction: fc.constantFrom('inbound', 'outbound'), campaignId: smallId }, { requiredKeys: ['channel', 'direction'] }),
  qualified: fc.record({ score: fc.integer({ min: 0, max: 100 }) }),
  purchased: fc.record({ orderId: smallId, amount: fc.constantFrom(100, 250), currency: fc.constantFrom('USD', 'EUR') }),
  complained: fc.record({ complaintId: smallId, category: fc.constantFrom('delivery', 'billing'), severity: fc.constantFrom('low', 'high') }),
  complaint_resolved: fc.record({ complaintId: smallId, resolution: fc.constant('refunded') }),
  churned: fc.record({ reason: fc.constantFrom('voluntary', 'other') }),
  won_back: fc.record({ via: fc.constantFrom('offer', 'reactivation') }),
  personal_data_erased: fc.constant({}),
  teleported: fc.constant({}),
};

const envelope = fc
  .constantFrom(...TYPES)
  .chain((type) =>
    fc.record(
      {
        // A few fixed ids, so retries (duplicates) and reuse on another customer happen.
        eventId: fc.oneof(fc.uuid(), fc.constantFrom(...FIXED_IDS), fc.constantFrom('not-a-uuid', '')),
        type: fc.constant(type),
        occurredAt,
        data: validData[type]!,
        metadata: fc.record({ source: fc.constantFrom('crm', 'shop'), correlationId: fc.string({ minLength: 1, maxLength: 8 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: ['type', 'occurredAt', 'data'] },
    ),
  );

/** A mutation of an object: a key replaced by any JSON, a key removed, or a key added (server-set fields and operators among them). */
function mutate(value: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(value);
  const extraKey = fc.constantFrom('recordedAt', 'revision', 'hash', 'position', 'stream', 'customerId', '$where', '$gt', '__proto__', 'constructor', 'extra');
  return fc.oneof(
    keys.length ? fc.tuple(fc.constantFrom(...keys), fc.jsonValue()).map(([k, v]) => ({ ...value, [k]: v })) : fc.constant(value),
    keys.length ? fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== k))) : fc.constant(value),
    // Through JSON.parse, so `__proto__` becomes an own key as it would arriving over HTTP.
    fc.tuple(extraKey, fc.jsonValue()).map(([k, v]) => {
      const rest = JSON.stringify(value).slice(1);
      return JSON.parse(`{${JSON.stringify(k)}:${JSON.stringify(v)}${rest === '}' ? '}' : `,${rest}`}`) as Record<string, unknown>;
    }),
    fc.tuple(fc.constantFrom('data', 'metadata'), extraKey, fc.jsonValue()).map(([where, k, v]) => ({
      ...value,
      [where]: { ...(typeof value[where] === 'object' && value[where] !== null ? (value[where] as object) : {}), [k]: v },
    })),
  );
}

/** Mostly valid events, some mutated once or twice. */
const event = fc.oneof({ weight: 3, arbitrary: envelope }, { weight: 2, arbitrary: envelope.chain(mutate) }, { weight: 1, arbitrary: envelope.chain(mutate).chain(mutate) });

/** A body as bytes: JSON of anything, or raw text that may not be JSON at all. */
type Body = { readonly json: unknown } | { readonly raw: string };
const anyBody: fc.Arbitrary<Body> = fc.oneof(
  fc.jsonValue().map((json) => ({ json })),
  fc.string({ maxLength: 200 }).map((raw) => ({ raw })),
  fc.constantFrom('{', '{"events": [', '[]', 'null', '{"__proto__": {"polluted": 1}}', '{"events": {"length": 3}}', '\u0000').map((raw) => ({ raw })),
);

describe('write routes under fuzzing (embedded)', () => {
  let api: ApiTestClient;
  let store: EventStore;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    store = api.app.get<EventStore>(EVENT_STORE);
    // Some history, so conditional appends and rules have something to meet.
    for (const customerId of CUSTOMERS) {
      expect((await api.event(customerId, 'purchased', { orderId: 'seed', amount: 100, currency: 'USD' }, { occurredAt: '2024-01-01T00:00:00Z' })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await api.stop();
  });

  /** Sends the body and returns the response with the events the log gained meanwhile (requests are sequential). */
  async function send(method: string, url: string, body: Body, headers: Record<string, string> = {}): Promise<{ response: TestResponse; added: RecordedEvent[] }> {
    const head = await store.headPosition();
    const response = await api.request(method, url, 'json' in body ? JSON.stringify(body.json) : body.raw, { 'content-type': 'application/json', ...headers });
    const added = await store.readAll({ after: head });
    return { response, added };
  }

  function expectWellFormed(response: TestResponse): void {
    expect(response.status).toBeLessThan(500);
    const type = response.headers.get('content-type') ?? '';
    if (response.status >= 400) {
      expect(type).toContain(PROBLEM);
      expect(response.body).toEqual(
        expect.objectContaining({ type: expect.any(String), title: expect.any(String), status: response.status, detail: expect.any(String), code: expect.stringMatching(/^[A-Z_]+$/), errors: expect.any(Array) }),
      );
      for (const error of response.body.errors) expect(error).toEqual(expect.objectContaining({ field: expect.any(String), message: expect.any(String) }));
    } else {
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(type).toContain('application/json');
    }
  }

  /** What a set of recorded events may contain besides the items: the implicit won_back caused by one of them. */
  function expectExactly(added: readonly RecordedEvent[], recordedIds: readonly string[]): void {
    const ids = new Set(recordedIds);
    expect(added.filter((e) => ids.has(e.eventId)).map((e) => e.eventId).sort()).toEqual([...ids].sort());
    for (const extra of added.filter((e) => !ids.has(e.eventId))) {
      expect(extra.type).toBe('won_back');
      expect(ids.has(String(extra.metadata.causationId))).toBe(true);
    }
  }

  it('finds the write routes to fuzz on the server itself', () => {
    const writes = writeRoutes();
    expect(writes).toEqual(expect.arrayContaining(['POST /v1/customers/:customerId/events', 'POST /v1/events']));
  });

  const customerId = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CUSTOMERS) }, { weight: 1, arbitrary: fc.string({ maxLength: 70 }) });
  const ifMatch = fc.option(fc.oneof(fc.integer({ min: -1, max: 6 }).map((n) => `"${n}"`), fc.string({ maxLength: 6 })), { nil: undefined });

  it('POST /v1/customers/{id}/events: never a 5xx; recorded exactly as answered', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(customerId, fc.oneof({ weight: 3, arbitrary: event.map((json) => ({ json }) as Body) }, { weight: 1, arbitrary: anyBody }), ifMatch, async (id, body, match) => {
        const { response, added } = await send('POST', `/v1/customers/${encodeURIComponent(id)}/events`, body, match === undefined ? {} : { 'if-match': match });
        expectWellFormed(response);
        statuses.add(response.status);
        if (response.status === 201) {
          expect(response.body).toMatchObject({ customerId: id, duplicate: false, revision: expect.any(Number), consistencyToken: expect.any(String) });
          expect(added.map((e) => e.eventId)).toEqual(response.body.events.map((e: { eventId: string }) => e.eventId));
          expect(added.every((e) => e.customerId === id)).toBe(true);
        } else {
          if (response.status === 200) expect(response.body).toMatchObject({ duplicate: true });
          expect(added).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
    // The inputs reached every outcome, so the checks above were exercised, not skipped.
    expect([...statuses]).toEqual(expect.arrayContaining([201, 400]));
    // and at least one refusal after validation (a rule 409, If-Match 412 or a future event 422): which one is up to the seed
    expect([...statuses].some((status) => status === 409 || status === 412 || status === 422)).toBe(true);
  });

  const batchItems = fc.array(fc.tuple(fc.constantFrom(...CUSTOMERS, 'bad id!'), fc.oneof({ weight: 5, arbitrary: event }, { weight: 1, arbitrary: fc.jsonValue() })), { maxLength: 25 }).map((items) =>
    items.map(([id, item]) => (typeof item === 'object' && item !== null && !Array.isArray(item) && !('customerId' in item) ? { customerId: id, ...item } : item)),
  );
  // Emitters retry: some items come again, exactly as first sent (a duplicate when the first was recorded).
  const batch = fc.tuple(batchItems, fc.array(fc.nat(), { maxLength: 3 })).map(([items, retries]) =>
    items.length === 0 ? items : [...items, ...retries.map((i) => structuredClone(items[i % items.length]))],
  );

  it('POST /v1/events: never a 5xx; exactly the items reported recorded are in the log', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: batch.map((events) => ({ json: { events } }) as Body) }, { weight: 1, arbitrary: anyBody }), async (body) => {
        const { response, added } = await send('POST', '/v1/events', body);
        expectWellFormed(response);
        if (response.status !== 200) {
          expect(added).toEqual([]);
          return;
        }
        const items = ('json' in body ? (body.json as { events: unknown[] }) : (JSON.parse(body.raw) as { events: unknown[] })).events;
        const results: { index: number; status: string; eventId: string | null; revision?: number; error?: { code: string } }[] = response.body.results;
        expect(results.map((r) => r.index)).toEqual(items.map((_, i) => i));
        for (const result of results) {
          outcomes.add(result.status);
          expect(['recorded', 'duplicate', 'rejected']).toContain(result.status);
          if (result.status === 'rejected') expect(result.error?.code).toEqual(expect.stringMatching(/^[A-Z_]+$/));
          else expect(result.revision).toEqual(expect.any(Number));
        }
        expectExactly(
          added,
          results.filter((r) => r.status === 'recorded').map((r) => r.eventId!),
        );
      }),
      { numRuns: 200 },
    );
    expect([...outcomes]).toEqual(expect.arrayContaining(['recorded', 'duplicate', 'rejected']));
  });

  it('every other write route: never a 5xx, and a refusal records nothing', async () => {
    const others = writeRoutes().filter((r) => r !== 'POST /v1/customers/:customerId/events' && r !== 'POST /v1/events');
    for (const route of others) {
      const [method, pattern] = route.split(' ') as [string, string];
      await fc.assert(
        fc.asyncProperty(customerId, fc.option(anyBody, { nil: undefined }), async (id, body) => {
          const url = pattern.replace(/:customerId\b/, encodeURIComponent(id)).replace(/:[A-Za-z]+/g, () => encodeURIComponent(randomUUID()));
          const { response, added } = body === undefined ? await sendWithout(method, url) : await send(method, url, body);
          expectWellFormed(response);
          if (response.status >= 400) expect(added).toEqual([]);
          else expect(added.every((e) => e.customerId === id)).toBe(true);
        }),
        { numRuns: 40 },
      );
    }
  });

  async function sendWithout(method: string, url: string) {
    const head = await store.headPosition();
    const response = await api.request(method, url);
    return { response, added: await store.readAll({ after: head }) };
  }

  function writeRoutes(): string[] {
    return [...new Set(routesOf(api.app).filter((r) => r.url.startsWith('/v1/') && !['GET', 'HEAD', 'OPTIONS'].includes(r.method)).map((r) => `${r.method} ${r.url}`))];
  }

  it('leaves every stream verifiable', async () => {
    for (const customerId of CUSTOMERS) {
      const verify = await api.get(`/v1/audit/customers/${customerId}/verify`);
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true });
    }
  });
});
