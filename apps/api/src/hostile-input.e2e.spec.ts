// Hostile and ambiguous input (SPEC section 3): refused with a 4xx and a stable
// code before anything else reads it, nothing recorded, the server still up.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { ApiTestClient, type TestResponse } from './testing/api-test-client';

const PROBLEM = 'application/problem+json';
const AT = '2026-01-01T00:00:00Z';

function expectProblem(response: TestResponse, status: number, code: string, field?: string): void {
  expect({ status: response.status, code: response.body?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toContain(PROBLEM);
  expect(typeof response.body.detail).toBe('string');
  if (field !== undefined) expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
}

function forgedToken(position: number): string {
  return Buffer.from(JSON.stringify({ p: position }), 'utf8').toString('base64url');
}

describe('hostile input over HTTP', () => {
  let api: ApiTestClient;

  beforeAll(async () => {
    api = await ApiTestClient.start();
    // A stream to read, so query parameters reach the log rather than a 404.
    expect((await api.event('hostile-known', 'identified', { name: 'K' }, { occurredAt: AT })).status).toBe(201);
  });
  afterAll(async () => {
    await api.stop();
  });

  async function expectNothingRecorded(customerId: string): Promise<void> {
    const history = await api.get(`/v1/audit/customers/${encodeURIComponent(customerId)}/history`);
    expect({ status: history.status, code: history.body.code }).toEqual({ status: 404, code: 'CUSTOMER_NOT_FOUND' });
  }

  async function expectAlive(): Promise<void> {
    expect((await api.get('/health/live')).status).toBe(200);
  }

  describe('nesting', () => {
    it('refuses 5,000 levels inside attributes with NESTING_TOO_DEEP', async () => {
      const deep = `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
      const raw = `{"type":"identified","occurredAt":"${AT}","data":{"attributes":${deep}}}`;
      expect(raw.length).toBeGreaterThan(30_000);
      expectProblem(await api.post('/v1/customers/hostile-deep/events', raw), 400, 'NESTING_TOO_DEEP');
      await expectNothingRecorded('hostile-deep');
      await expectAlive();
    });

    it('refuses an array nested 100,000 deep, on the single and the batch route', async () => {
      const raw = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      expectProblem(await api.post('/v1/customers/hostile-deep/events', raw), 400, 'NESTING_TOO_DEEP');
      expectProblem(await api.post('/v1/events', `{"events":${raw}}`), 400, 'NESTING_TOO_DEEP');
      await expectNothingRecorded('hostile-deep');
      await expectAlive();
    });

    it('takes 32 levels to validation and refuses 33 at the parser', async () => {
      // The envelope and data are 2 levels; attributes and what nests in it make up the rest.
      const body = (levels: number) => `{"type":"identified","occurredAt":"${AT}","data":{"attributes":${'{"a":'.repeat(levels - 2)}"x"${'}'.repeat(levels - 2)}}}`;
      expectProblem(await api.post('/v1/customers/hostile-deep/events', body(32)), 400, 'VALIDATION_FAILED', 'data.attributes');
      const tooDeep = await api.post('/v1/customers/hostile-deep/events', body(33));
      expectProblem(tooDeep, 400, 'NESTING_TOO_DEEP');
      expect(tooDeep.body.errors[0].field).toBe(`data.attributes${'.a'.repeat(30)}`);
      await expectNothingRecorded('hostile-deep');
    });
  });

  describe('duplicate keys', () => {
    it('refuses {"type":"churned","type":"identified"} with DUPLICATE_KEY naming the key', async () => {
      const raw = `{"type":"churned","type":"identified","occurredAt":"${AT}","data":{"reason":"other"}}`;
      const response = await api.post('/v1/customers/hostile-dup/events', raw);
      expectProblem(response, 400, 'DUPLICATE_KEY', 'type');
      await expectNothingRecorded('hostile-dup');
    });

    it.each([
      ['an escaped spelling of the same key', `{"type":"identified","\\u0074ype":"identified","occurredAt":"${AT}","data":{}}`, 'type'],
      ['a key inside data', `{"type":"identified","occurredAt":"${AT}","data":{"name":"A","name":"B"}}`, 'data.name'],
      ['a key inside attributes', `{"type":"identified","occurredAt":"${AT}","data":{"attributes":{"tier":"gold","x":"1","tier":"lead"}}}`, 'data.attributes.tier'],
      ['__proto__ twice', `{"type":"identified","occurredAt":"${AT}","data":{},"__proto__":1,"__proto__":2}`, '__proto__'],
    ])('refuses %s', async (_label, raw, field) => {
      expectProblem(await api.post('/v1/customers/hostile-dup/events', raw), 400, 'DUPLICATE_KEY', field);
      await expectNothingRecorded('hostile-dup');
    });

    it('refuses a whole batch with a duplicate key in one item, recording none of it', async () => {
      const good = `{"customerId":"hostile-dup-batch","type":"identified","occurredAt":"${AT}","data":{}}`;
      const bad = `{"customerId":"hostile-dup-batch","type":"churned","occurredAt":"${AT}","data":{"reason":"other"},"type":"contacted"}`;
      expectProblem(await api.post('/v1/events', `{"events":[${good},${bad}]}`), 400, 'DUPLICATE_KEY', 'events.1.type');
      await expectNothingRecorded('hostile-dup-batch');
    });

    it('still records the same key in sibling objects', async () => {
      const raw = `{"type":"identified","occurredAt":"${AT}","data":{"name":"A","attributes":{"name":"x"}}}`;
      expect((await api.post('/v1/customers/hostile-siblings/events', raw)).status).toBe(201);
    });
  });

  describe('character sets', () => {
    it.each(['iso-8859-1', 'ISO-8859-1', '"windows-1252"', 'utf-16'])('refuses charset=%s with 415 naming it', async (charset) => {
      const response = await api.post('/v1/customers/hostile-charset/events', { type: 'identified', occurredAt: AT, data: { name: 'Zoë' } }, {
        'content-type': `application/json; charset=${charset}`,
      });
      expectProblem(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(response.body.detail.toLowerCase()).toContain(charset.replace(/"/g, '').toLowerCase());
      await expectNothingRecorded('hostile-charset');
    });

    it('refuses bytes that are not UTF-8 with MALFORMED_JSON', async () => {
      const bytes = Buffer.concat([Buffer.from(`{"type":"identified","occurredAt":"${AT}","data":{"name":"Zo`), Buffer.from([0xeb]), Buffer.from('"}}')]);
      const response = await fetch(`${api.baseUrl}/v1/customers/hostile-charset/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('MALFORMED_JSON');
      await expectNothingRecorded('hostile-charset');
    });

    it.each(['utf-8', 'UTF-8', '"utf-8"'])('takes charset=%s', async (charset) => {
      const customerId = `hostile-utf8-${charset.replace(/\W/g, '')}`;
      const response = await api.post(`/v1/customers/${customerId}/events`, { type: 'identified', occurredAt: AT, data: { name: 'Zoë' } }, {
        'content-type': `application/json; charset=${charset}`,
      });
      expect(response.status).toBe(201);
      expect(response.body.events[0].data.name).toBe('Zoë');
    });
  });

  describe('If-Match', () => {
    it.each(['"9999999999999999"', '"9007199254740992"', '"3', '3"', '3', 'W/"0"', '"03"', '"0x1"', '"1e1"', '" 1"', '"-2"', '"0", "1"', '*', ''])(
      'refuses If-Match: %s with INVALID_IF_MATCH',
      async (ifMatch) => {
        const response = await api.event('hostile-ifmatch', 'identified', {}, { occurredAt: AT }, { 'if-match': ifMatch });
        expectProblem(response, 400, 'INVALID_IF_MATCH', 'If-Match');
        await expectNothingRecorded('hostile-ifmatch');
      },
    );

    it('takes the largest safe revision as a revision (412, not a rounding)', async () => {
      const response = await api.event('hostile-known', 'contacted', { channel: 'email', direction: 'outbound' }, { occurredAt: AT }, { 'if-match': '"9007199254740991"' });
      expectProblem(response, 412, 'REVISION_MISMATCH');
    });

    it('still takes "-1" and "0"', async () => {
      expect((await api.event('hostile-ifmatch-ok', 'identified', {}, { occurredAt: AT }, { 'if-match': '"-1"' })).status).toBe(201);
      expect((await api.event('hostile-ifmatch-ok', 'contacted', { channel: 'email', direction: 'outbound' }, { occurredAt: AT }, { 'if-match': '"0"' })).status).toBe(201);
    });
  });

  describe('integer query parameters', () => {
    const routes: [string, string][] = [
      ['/v1/customers', 'limit'],
      ['/v1/customers/hostile-known/timeline', 'limit'],
      ['/v1/audit/customers/hostile-known/history', 'limit'],
      ['/v1/audit/customers/hostile-known/history', 'fromRevision'],
      ['/v1/audit/customers/hostile-known/state', 'atRevision'],
      ['/v1/analytics/rfm/customers', 'limit'],
      ['/v1/analytics/at-risk', 'horizonWeeks'],
      ['/v1/analytics/value', 'limit'],
    ];
    const values = ['1e1', '0x10', '%205', '5%20', '+5', '-0', '5.0', '0b11', '', '99999999999999999', '9007199254740992', '%EF%BC%95'];

    it.each(routes)('%s refuses a non-decimal or out-of-range %s, naming it', async (route, name) => {
      for (const value of values) {
        const response = await api.get(`${route}?${name}=${value}`);
        expect({ value, status: response.status, code: response.body.code }).toEqual({ value, status: 400, code: 'VALIDATION_FAILED' });
        expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(name);
      }
    });

    it('takes plain decimal digits', async () => {
      expect((await api.get('/v1/customers?limit=10')).status).toBe(200);
      expect((await api.get('/v1/audit/customers/hostile-known/history?fromRevision=0&limit=5')).status).toBe(200);
      expect((await api.get('/v1/audit/customers/hostile-known/history?fromRevision=9007199254740991')).status).toBe(200);
      expect((await api.get('/v1/audit/customers/hostile-known/state?atRevision=0')).status).toBe(200);
    });

    it('answers fromRevision=99999999999999999 with 400, not a RangeError 500', async () => {
      expectProblem(await api.get('/v1/audit/customers/hostile-known/history?fromRevision=99999999999999999'), 400, 'VALIDATION_FAILED', 'fromRevision');
      await expectAlive();
    });
  });

  describe('consistency tokens', () => {
    let written: { consistencyToken: string; events: { position: number }[] };

    beforeAll(async () => {
      written = (await api.event('hostile-token', 'identified', { name: 'T' }, { occurredAt: AT })).body;
    });

    it('takes the token a write returned', async () => {
      expect((await api.get(`/v1/customers/hostile-token?consistentWith=${written.consistencyToken}`)).status).toBe(200);
    });

    it('refuses a forged token beyond the log head at once, logging no stack trace', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error');
      try {
        const position = written.events[0]!.position;
        for (const token of [forgedToken(position + 1), forgedToken(position + 1_000_000), forgedToken(Number.MAX_SAFE_INTEGER)]) {
          const started = Date.now();
          const response = await api.get(`/v1/customers/hostile-token?consistentWith=${token}`);
          expectProblem(response, 400, 'INVALID_CONSISTENCY_TOKEN', 'consistentWith');
          expect(Date.now() - started).toBeLessThan(1000);
        }
        expect(logged).not.toHaveBeenCalled();
      } finally {
        logged.mockRestore();
      }
    });

    it.each([
      ['garbage', '!!!'],
      ['an empty token', ''],
      ['a string position', Buffer.from('{"p":"1"}').toString('base64url')],
      ['a fractional position', Buffer.from('{"p":0.5}').toString('base64url')],
      ['a position below -1', Buffer.from('{"p":-2}').toString('base64url')],
      ['a JSON array', Buffer.from('[0]').toString('base64url')],
    ])('refuses %s with INVALID_CONSISTENCY_TOKEN', async (_label, token) => {
      expectProblem(await api.get(`/v1/customers/hostile-token?consistentWith=${token}`), 400, 'INVALID_CONSISTENCY_TOKEN');
    });
  });

  it('still answers /health/live after all of that', async () => {
    await expectAlive();
  });
});

describe('data files', () => {
  it('creates the data directory 0700 and every file in it 0600, keys and -wal/-shm included', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-modes-'));
    // A directory that does not exist yet, so the server creates it.
    const dataDir = path.join(parent, 'data');
    const api = await ApiTestClient.start({}, dataDir);
    try {
      const written = await api.event('modes', 'identified', { name: 'M', email: 'm@example.com' }, { occurredAt: AT });
      expect(written.status).toBe(201);
      expect((await api.get(`/v1/customers/modes?consistentWith=${written.body.consistencyToken}`)).status).toBe(200);
      const files = fs.readdirSync(dataDir);
      expect(files).toEqual(expect.arrayContaining(['events.sqlite', 'events.sqlite-wal', 'events.sqlite-shm', 'read-model-documents.sqlite', 'personal-data-keys.sqlite']));
      expect((fs.statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
      expect(Object.fromEntries(files.map((f) => [f, (fs.statSync(path.join(dataDir, f)).mode & 0o777).toString(8)]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
    } finally {
      await api.stop();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
