// The right to be forgotten over HTTP, embedded: after DELETE .../personal-data
// the name, email, phone, description and note are nowhere in the data files or
// the read models, while purchases, stage, analytics and the hash chain remain.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computeEventHash, ZERO_HASH } from '@rapport/event-store';
import { ApiTestClient } from './testing/api-test-client';

const SECRETS = {
  name: 'Philippa Quarrendon',
  email: 'philippa.quarrendon@example.org',
  phone: '+44 7700 900461',
  attribute: 'Kittiwake Lane 17',
  description: 'courier left the parcel at Kittiwake Lane in the rain',
  note: 'moving to Quarrendon Abbey',
};

/** Which secrets occur in a text (whole values: fragments such as "7700" also occur in hex hashes). */
function secretsIn(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([field]) => field);
}

/** Which secrets occur in any file of the data directory (the SQLite files, their WAL and shared memory). */
function secretsOnDisk(dir: string): string[] {
  const contents = fs.readdirSync(dir).map((file) => fs.readFileSync(path.join(dir, file)));
  return Object.entries(SECRETS)
    .filter(([, secret]) => contents.some((bytes) => bytes.includes(Buffer.from(secret, 'utf8'))))
    .map(([field]) => field);
}

describe('right to be forgotten (embedded)', () => {
  let api: ApiTestClient;
  const id = 'philippa-1';
  const at = (day: number) => `2026-02-${String(day).padStart(2, '0')}T09:00:00Z`;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    const steps: [string, Record<string, unknown>][] = [
      ['identified', { name: SECRETS.name, email: SECRETS.email, phone: SECRETS.phone, attributes: { address: SECRETS.attribute, tier: 'gold' } }],
      ['purchased', { orderId: 'o-1', amount: 4200, currency: 'EUR' }],
      ['purchased', { orderId: 'o-2', amount: 1800, currency: 'EUR' }],
      ['complained', { complaintId: 'k-1', category: 'delivery', severity: 'high', description: SECRETS.description }],
      ['churned', { reason: 'voluntary', note: SECRETS.note }],
    ];
    for (const [index, [type, data]] of steps.entries()) {
      const response = await api.event(id, type, data, { occurredAt: at(index + 1) });
      expect(response.status).toBe(201);
    }
    // A second customer whose data must survive.
    expect((await api.event('other-1', 'identified', { name: 'Grace Other' }, { occurredAt: at(1) })).status).toBe(201);
  });
  afterAll(() => api.stop());

  it('before the erasure the log already holds only ciphertext; the read models hold the plaintext', async () => {
    const view = await api.get(`/v1/customers/${id}`);
    expect(view.body).toMatchObject({ name: SECRETS.name, email: SECRETS.email, phone: SECRETS.phone });
    const log = fs.readFileSync(path.join(api.dataDir, 'events.sqlite'));
    for (const secret of Object.values(SECRETS)) expect(log.includes(Buffer.from(secret))).toBe(false);
    // the check below can see plaintext when it is there
    expect(secretsOnDisk(api.dataDir)).toEqual(expect.arrayContaining(['name', 'email', 'phone']));
  });

  it('DELETE erases: nothing personal on disk or in the read models; orders, stage, analytics and the chain remain', async () => {
    const erased = await api.request('DELETE', `/v1/customers/${id}/personal-data`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ customerId: id, erased: true, duplicate: false, revision: 5, keysDestroyed: 1 });
    expect(erased.body.events[0]).toMatchObject({ type: 'personal_data_erased', data: {}, metadata: { actor: expect.any(String) } });
    const token = erased.body.consistencyToken;

    const view = await api.get(`/v1/customers/${id}?consistentWith=${token}`);
    expect(view.status).toBe(200);
    expect(view.body).not.toHaveProperty('name');
    expect(view.body).not.toHaveProperty('email');
    expect(view.body).not.toHaveProperty('phone');
    expect(view.body.attributes).toStrictEqual({});
    expect(view.body.personalDataErasedAt).toEqual(expect.any(String));
    expect(view.body).toMatchObject({ stage: 'churned', purchases: { count: 2, byCurrency: { EUR: { orders: 2, amount: 6000 } } } });

    const timeline = await api.get(`/v1/customers/${id}/timeline?limit=50`);
    const entries = timeline.body.items as { type: string; data: Record<string, unknown>; personalDataErased?: boolean }[];
    expect(entries.map((e) => e.type)).toEqual(['identified', 'purchased', 'purchased', 'complained', 'churned', 'personal_data_erased']);
    expect(entries.slice(0, 5).every((e) => e.personalDataErased === true)).toBe(true);
    expect(entries[0]!.data).toStrictEqual({});
    expect(entries[3]!.data).toStrictEqual({ complaintId: 'k-1', category: 'delivery', severity: 'high' });
    expect(entries[4]!.data).toStrictEqual({ reason: 'voluntary' });
    expect(secretsIn(JSON.stringify(timeline.body))).toEqual([]);

    // nowhere in any file of the data directory
    expect(secretsOnDisk(api.dataDir)).toEqual([]);

    // the other customer keeps their data
    expect((await api.get(`/v1/customers/other-1?consistentWith=${token}`)).body.name).toBe('Grace Other');

    // analytics still count the customer's purchases
    const revenue = await api.get('/v1/analytics/revenue?asOf=2026-03-01T00:00:00Z&currency=EUR');
    expect(revenue.status).toBe(200);
    expect(JSON.stringify(revenue.body)).toContain('6000');

    // the chain verifies: it covers the sealed form, which the erasure did not touch
    const verify = await api.get(`/v1/audit/customers/${id}/verify`);
    expect(verify.body).toMatchObject({ ok: true, checked: 6 });
  });

  it('audit history and export show the personal fields as erased and still re-hash', async () => {
    const history = await api.get(`/v1/audit/customers/${id}/history`);
    const events = history.body.events as { type: string; personalData?: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.personalData)).toEqual(['erased', undefined, undefined, 'erased', 'erased', undefined]);
    expect(secretsIn(JSON.stringify(history.body))).toEqual([]);

    const exported = await api.get('/v1/audit/export?format=jsonl');
    const lines = (exported.body as string).trim().split('\n').map((l) => JSON.parse(l));
    const mine = lines.filter((l) => l.customerId === id);
    expect(mine.map((l) => l.personalData ?? null)).toEqual(['erased', null, null, 'erased', 'erased', null]);
    let previous = ZERO_HASH;
    for (const line of mine) {
      expect(computeEventHash(previous, line)).toBe(line.hash);
      previous = line.hash;
    }
    expect(lines.find((l) => l.customerId === 'other-1').personalData).toBe('sealed');

    const state = await api.get(`/v1/audit/customers/${id}/state?atRevision=4`);
    expect(state.body.state.identity).toStrictEqual({});
  });

  it('asking again is a duplicate; an unknown customer is 404; a feed cannot send the erasure event', async () => {
    const again = await api.request('DELETE', `/v1/customers/${id}/personal-data`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ erased: true, duplicate: true, revision: 5 });

    const unknown = await api.request('DELETE', '/v1/customers/nobody-here/personal-data');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });

    const bad = await api.request('DELETE', '/v1/customers/bad id/personal-data');
    expect(bad.status).toBe(400);

    // Only the erasure route records it: a feed sending it is refused as a reserved type.
    const forged = await api.event(id, 'personal_data_erased', {}, { occurredAt: at(9) });
    expect(forged.status).toBe(422);
    expect(forged.body).toMatchObject({ code: 'RESERVED_EVENT_TYPE' });
  });

  it('new personal data after the erasure is kept and readable; a rebuild from the log gives the same read models', async () => {
    const reidentified = await api.event(id, 'identified', { email: 'new-address@example.org' }, { occurredAt: at(20) });
    expect(reidentified.status).toBe(201);
    const token = reidentified.body.consistencyToken;
    const before = (await api.get(`/v1/customers/${id}?consistentWith=${token}`)).body;
    expect(before.email).toBe('new-address@example.org');
    const timelineBefore = (await api.get(`/v1/customers/${id}/timeline?limit=50`)).body;

    // Drop the read models and let the restarted app rebuild them from the log.
    const dataDir = api.dataDir;
    await api.stop({ keepData: true });
    for (const file of fs.readdirSync(dataDir).filter((f) => f.startsWith('read-models'))) fs.rmSync(path.join(dataDir, file));
    api = await ApiTestClient.start({}, dataDir);
    const head = (await api.get(`/v1/audit/customers/${id}/history`)).body.events.length;
    expect(head).toBe(7);
    const after = (await api.get(`/v1/customers/${id}?consistentWith=${token}`)).body;
    expect(after).toStrictEqual(before);
    expect((await api.get(`/v1/customers/${id}/timeline?limit=50`)).body).toStrictEqual(timelineBefore);
    expect(secretsOnDisk(dataDir)).toEqual([]);
  });
});
