// Personal data by role (SPEC sections 3 and 8): a writer learns ids and
// revisions, never what an event holds; an auditor sees personal fields sealed
// in every audit view, replayed state included.
import { ApiTestClient } from './testing/api-test-client';

const GRACE = { name: 'Grace Hopper', email: 'grace@navy.example', phone: '+1 555 0100', attributes: { rank: 'rear admiral' } };
const SECRETS = ['Grace Hopper', 'grace@navy.example', '+1 555 0100', 'rear admiral'];

function expectNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('personal data by role', () => {
  let api: ApiTestClient;
  const eventId = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

  beforeAll(async () => {
    api = await ApiTestClient.start();
    const first = await api.post('/v1/customers/grace/events', { eventId, type: 'identified', occurredAt: '2026-01-05T09:00:00Z', data: GRACE });
    expect(first.status).toBe(201);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('answers a retry as a duplicate that carries ids and revisions, not the data', async () => {
    const again = await api.post('/v1/customers/grace/events', { eventId, type: 'identified', occurredAt: '2026-01-05T09:00:00Z', data: GRACE });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ customerId: 'grace', duplicate: true, revision: 0, events: [{ eventId, type: 'identified', revision: 0 }] });
    expect(again.body.events[0]).not.toHaveProperty('data');
    expect(again.body.events[0]).not.toHaveProperty('metadata');
    expectNoSecrets(again.body);
  });

  it("refuses another customer's eventId as 409 CONFLICTING_DUPLICATE, saying nothing of that customer", async () => {
    const probe = await api.post('/v1/customers/mallory/events', { eventId, type: 'identified', occurredAt: '2026-01-05T09:00:00Z', data: {} });
    expect(probe.status).toBe(409);
    expect(probe.body.code).toBe('CONFLICTING_DUPLICATE');
    expectNoSecrets(probe.body);
    expect(JSON.stringify(probe.body)).not.toContain('grace');

    const batch = await api.post('/v1/events', { events: [{ customerId: 'mallory', eventId, type: 'identified', occurredAt: '2026-01-05T09:00:00Z', data: {} }] });
    expect(batch.status).toBe(200);
    expect(batch.body.results[0]).toMatchObject({ index: 0, status: 'rejected', error: { code: 'CONFLICTING_DUPLICATE' } });
    expectNoSecrets(batch.body);
    expect((await api.get('/v1/audit/customers/mallory/history')).status).toBe(404);
  });

  it('refuses the same eventId with another payload as 409 CONFLICTING_DUPLICATE', async () => {
    const other = await api.post('/v1/customers/grace/events', { eventId, type: 'identified', occurredAt: '2026-01-05T09:00:00Z', data: { name: 'Someone Else' } });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('CONFLICTING_DUPLICATE');
  });

  it('shows the identity sealed in audit state, as history does', async () => {
    const state = await api.get('/v1/audit/customers/grace/state?atRevision=0');
    expect(state.status).toBe(200);
    expectNoSecrets(state.body);
    const { identity } = state.body.state;
    expect(identity.name).toMatch(/^pd1:/);
    expect(identity.email).toMatch(/^pd1:/);
    expect(identity.phone).toMatch(/^pd1:/);
    expect(identity.attributes).toEqual([expect.stringMatching(/^pd1:/)]);
    const history = await api.get('/v1/audit/customers/grace/history');
    expect(identity.name).toBe(history.body.events[0].data.name);
    expect(identity.attributes[0]).toBe(history.body.events[0].data.attributes);
    const asOf = await api.get(`/v1/audit/customers/grace/state?asOf=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expectNoSecrets(asOf.body);
    expect(asOf.body.state.identity.email).toBe(identity.email);
  });

  it('still opens the identity for the customer 360 (an analyst read)', async () => {
    const write = await api.post('/v1/customers/grace/events', { type: 'contacted', occurredAt: '2026-01-06T09:00:00Z', data: { channel: 'email', direction: 'outbound' } });
    const view = await api.get(`/v1/customers/grace?consistentWith=${write.body.consistencyToken}`);
    expect(view.body).toMatchObject({ name: 'Grace Hopper', email: 'grace@navy.example' });
  });
});
