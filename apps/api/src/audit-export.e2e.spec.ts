import { parse } from 'csv-parse/sync';
import { computeEventHash, ZERO_HASH } from '@rapport/event-store';
import { ApiTestClient } from './testing/api-test-client';

describe('audit export over HTTP', () => {
  let api: ApiTestClient;
  let between: string;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    await api.event('exp-1', 'complained', { complaintId: 'k-1', category: 'Comma, "Quoted"\nNewline', severity: 'low' }, { occurredAt: '2026-01-01T00:00:00Z' });
    await api.event('exp-2', 'purchased', { orderId: 'o', amount: 700, currency: 'EUR' }, { occurredAt: '2026-01-02T00:00:00Z' });
    await new Promise((r) => setTimeout(r, 20));
    between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await api.event('exp-1', 'contacted', { channel: 'sms', direction: 'outbound' }, { occurredAt: '2026-01-03T00:00:00Z' });
  });
  afterAll(async () => {
    await api.stop();
  });

  it('streams every event as JSON lines in log order, each re-hashable to its recorded hash', async () => {
    const response = await api.get('/v1/audit/export');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="rapport-audit-.*\.jsonl"/);
    const lines = String(response.body).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => [e.stream, e.revision, e.type])).toEqual([
      ['customer-exp-1', 0, 'complained'],
      ['customer-exp-2', 0, 'purchased'],
      ['customer-exp-1', 1, 'contacted'],
    ]);
    const [first, second, third] = lines;
    const { hash, position: _p, stream: _s, ...hashed } = first;
    expect(computeEventHash(ZERO_HASH, hashed)).toBe(hash);
    // A purchase is recorded at payload schema version 2, which the line shows because the hash covers it.
    expect(second.schemaVersion).toBe(2);
    expect(first).not.toHaveProperty('schemaVersion');
    const { hash: hash2, position: _p2, stream: _s2, ...hashed2 } = second;
    expect(computeEventHash(ZERO_HASH, hashed2)).toBe(hash2);
    const { hash: hash3, position: _p3, stream: _s3, ...hashed3 } = third;
    expect(computeEventHash(first.hash, hashed3)).toBe(hash3);
  });

  it('exports CSV that a CSV parser reads back field for field', async () => {
    const response = await api.get('/v1/audit/export?format=csv');
    expect(response.headers.get('content-type')).toContain('text/csv');
    const rows: Record<string, string>[] = parse(String(response.body), { columns: true });
    expect(rows).toHaveLength(3);
    expect(Object.keys(rows[0]!)).toEqual(['position', 'stream', 'customerId', 'revision', 'eventId', 'type', 'occurredAt', 'recordedAt', 'data', 'metadata', 'hash', 'personalData', 'schemaVersion']);
    expect(JSON.parse(rows[0]!.data!)).toEqual({ complaintId: 'k-1', category: 'Comma, "Quoted"\nNewline', severity: 'low' });
    expect(rows[1]).toMatchObject({ customerId: 'exp-2', type: 'purchased', revision: '0', schemaVersion: '2' });
    expect(rows[0]!.schemaVersion).toBe('');
  });

  it('shows in history the schema version the hash covers, so each entry re-hashes too', async () => {
    const response = await api.get('/v1/audit/customers/exp-2/history');
    expect(response.status).toBe(200);
    const [purchase] = response.body.events;
    expect(purchase).toMatchObject({ type: 'purchased', schemaVersion: 2, data: { amount: 700 } });
    const { hash, position: _p, stream: _s, ...hashed } = purchase;
    expect(computeEventHash(ZERO_HASH, hashed)).toBe(hash);
    const complaint = (await api.get('/v1/audit/customers/exp-1/history')).body.events[0];
    expect(complaint).not.toHaveProperty('schemaVersion');
  });

  it('bounds the export by record time', async () => {
    const before = String((await api.get(`/v1/audit/export?to=${between}`)).body).trimEnd().split('\n');
    const after = String((await api.get(`/v1/audit/export?from=${between}`)).body).trimEnd().split('\n');
    expect(before.map((l) => JSON.parse(l).type)).toEqual(['complained', 'purchased']);
    expect(after.map((l) => JSON.parse(l).type)).toEqual(['contacted']);
  });

  it('refuses bad parameters with problem+json', async () => {
    for (const query of ['format=xml', 'from=yesterday', `from=${between}&to=2020-01-01T00:00:00Z`]) {
      const response = await api.get(`/v1/audit/export?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
  });
});
